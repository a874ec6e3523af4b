"""Repetition segmentation: start, turnaround and end of every rep.

Each lift has a *work signal* whose peak is the rep's turnaround: hip angle
for the deadlift (top = hips extended), thigh depth for the squat (bottom),
elbow flexion for the bench (bar on the chest). The default detector
normalises that signal to the clip's own range, runs a hysteresis state
machine over it (so walking, set-up wiggles and noise below the thresholds
never count), and uses ``scipy.signal.find_peaks`` inside each excursion to
split touch-and-go reps. The published 85/160 degree hip rule (S0) is kept
as a baseline for comparison.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from core.config import AnalysisConfig
from core.movement.angles import compute_joint_angles
from core.movement.bar_reps import BarPath, bar_reps, bar_shots, body_bar_path, lockout_reached
from core.perception.bar.track import BAR_MIN_SHARE  # the bar the lifter moves travels with the hands
from core.skeleton import KP, LIFTS
from core.types import AngleSeries, KeypointSeries, Rep


@dataclass(frozen=True)
class WorkSignal:
    """The 1-D signal reps are read from. values: (T,) float64, NaN = unknown; peak = turnaround."""

    values: np.ndarray
    name: str
    unit: str
    min_range: float
    concentric_first: bool  # True: start->turn is the lifting (concentric) phase (deadlift)


def thigh_elevation(series: KeypointSeries) -> np.ndarray:
    """sin of the thigh's angle above horizontal: 1 = hip straight above knee, 0 = parallel, <0 = below.

    Needs only hips and knees, which stay in frame in tightly framed squat
    videos, and does not change when the camera creeps closer.
    """
    xy = series.xy.astype(np.float64)
    vals = []
    for side in ("left", "right"):
        hip, knee = xy[:, KP[f"{side}_hip"]], xy[:, KP[f"{side}_knee"]]
        d = knee - hip
        length = np.hypot(d[:, 0], d[:, 1])
        with np.errstate(all="ignore"):
            vals.append(np.where(length > 1e-6, d[:, 1] / length, np.nan))
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack(vals), axis=0)


# Whether a rep of the lift starts with its lifting (concentric) phase: a pull starts on the floor; a squat and a
# bench press start at the top and lower first.
CONCENTRIC_FIRST = {"deadlift": True, "squat": False, "bench": False}


def work_signal(lift: str, series: KeypointSeries, angles: AngleSeries | None, config: AnalysisConfig) -> WorkSignal:
    """The signal whose peaks are this lift's turnarounds."""
    angles = angles if angles is not None else compute_joint_angles(series)
    first = CONCENTRIC_FIRST.get(lift, False)
    if lift == "deadlift":
        return WorkSignal(angles["hip"], "hip angle", "deg", config.min_range_deadlift_deg, first)
    if lift == "squat":
        return WorkSignal(-thigh_elevation(series), "thigh depth", "sin", config.min_range_squat, first)
    if lift == "bench":
        return WorkSignal(180.0 - angles["elbow"], "elbow flexion", "deg", config.min_range_bench_deg, first)
    raise ValueError(f"unknown lift {lift!r}; allowed: {list(LIFTS)}")


def _normalise(x: np.ndarray, min_range: float, fps: float, smooth_hz: float) -> np.ndarray | None:
    """Fill gaps, low-pass at ``smooth_hz`` (reps are slower than 1 Hz) and scale the clip's range to [0, 1]."""
    finite = np.isfinite(x)
    if finite.sum() < 5:
        return None
    filled = np.interp(np.arange(len(x)), np.flatnonzero(finite), x[finite])
    if len(filled) > 15 and smooth_hz < fps / 2 * 0.95:
        sos = butter(2, smooth_hz / (fps / 2), output="sos")
        filled = sosfiltfilt(sos, filled, padlen=min(len(filled) - 1, 9))
    lo, hi = np.percentile(filled, [3, 97])
    if hi - lo < min_range:
        return None
    return (filled - lo) / (hi - lo)



class HysteresisMachine:
    """The rep state machine, one normalised sample at a time (``segment_reps``; the live page runs the same
    rep step on the set so far, core.live). An *excursion*
    starts at the last sample at rest (<= ``low``) before the signal reaches
    ``high`` and ends when it falls back to rest; ``push`` returns
    ``(start, end, complete)`` when one closes, ``finish`` the open one.
    """

    def __init__(self, low: float, high: float) -> None:
        self.low = low
        self.high = high
        self.last_rest: int | None = None  # no rest seen yet: an excursion cannot start
        self.start: int | None = None  # sample index where the open excursion started

    @property
    def in_excursion(self) -> bool:
        return self.start is not None

    def push(self, t: int, value: float) -> tuple[int, int, bool] | None:
        """Feed sample ``t``; returns a closed excursion or None."""
        if self.start is not None:
            if value <= self.low:
                start, self.start, self.last_rest = self.start, None, t
                return start, t, True
            return None
        if value <= self.low:
            self.last_rest = t
        elif value >= self.high and self.last_rest is not None:
            self.start = self.last_rest
        return None

    def finish(self, last: int) -> tuple[int, int, bool] | None:
        """The excursion still open when the input stops (its end is the last sample)."""
        if self.start is None:
            return None
        start, self.start = self.start, None
        return start, last, False


def segment_reps(signal: WorkSignal, fps: float, config: AnalysisConfig | None = None) -> list[Rep]:
    """Hysteresis + find_peaks segmentation of a work signal (the default detector).

    A rep needs the signal to rise from the rest zone (< ``hysteresis_low``)
    past ``hysteresis_high``. It ends when the signal falls back to rest. When
    the clip stops first, a deadlift still counts (lockout was reached) but a
    squat or bench rep does not (it was never finished).
    """
    config = config or AnalysisConfig()
    s = _normalise(signal.values, signal.min_range, fps, config.rep_smooth_hz)
    if s is None:
        return []
    machine = HysteresisMachine(config.hysteresis_low, config.hysteresis_high)
    reps: list[Rep] = []
    for t, value in enumerate(s):
        excursion = machine.push(t, float(value))
        if excursion is not None:
            reps += split_excursion(s, *excursion, fps, config, signal.concentric_first)
    excursion = machine.finish(len(s) - 1)
    if excursion is not None:
        reps += split_excursion(s, *excursion, fps, config, signal.concentric_first)
    return drop_short_unfinished_top(keep_long_reps(reps, fps, config), s, fps, config, signal.concentric_first,
                                     seen=np.isfinite(signal.values))


def drop_short_unfinished_top(reps: list[Rep], s: np.ndarray, fps: float, config: AnalysisConfig,
                              concentric_first: bool, seen: np.ndarray | None = None) -> list[Rep]:
    """A deadlift rep the clip ends in (no lowering seen) counts when the lifter stays above the lockout
    threshold for ``config.min_unfinished_top_s``: a held lockout, not a brief rise like standing up
    empty-handed after the set. ``seen`` (per sample, optional): only samples where the signal was measured
    count towards the hold; a lifter gone from the picture (a fade to an end card) holds nothing. The time is
    kept on the rep (``Rep.top_s``)."""
    if not reps or reps[-1].complete or not concentric_first:
        return reps
    r = reps[-1]
    above = s[r.start:r.end + 1] >= config.hysteresis_high
    last = r.end  # the last sample the lifter was seen in the rep
    if seen is not None and len(seen) == len(s):
        above &= seen[r.start:r.end + 1]
        in_view = np.flatnonzero(seen[r.start:r.end + 1])
        last = r.start + int(in_view[-1]) if in_view.size else r.start
    high = np.flatnonzero(above)
    top_s = max(0.0, (last - (r.start + high[0])) / fps) if high.size else 0.0
    if top_s < config.min_unfinished_top_s:
        return reps[:-1]
    return [*reps[:-1], dataclasses.replace(r, top_s=round(float(top_s), 3))]


SETTLE_MAX_S = 1.0  # s; how far a rep's start/end may move from the rest-zone crossing to the signal's low point


def bottom_bounds(reps: list[Rep], signal: WorkSignal | None, fps: float, config: AnalysisConfig) -> list[Rep]:
    """The reps as the report shows and measures them: each start moved back to the bottom (see
    ``settle_bounds``), so the shaded band and the quoted lowest angle agree. Counting and the fault
    rules keep the detected bounds (their thresholds were set on those windows)."""
    if signal is None or not reps:
        return list(reps)
    s = _normalise(signal.values, signal.min_range, fps, config.rep_smooth_hz)
    return list(reps) if s is None else settle_bounds(list(reps), s, fps)


def settle_bounds(reps: list[Rep], s: np.ndarray, fps: float) -> list[Rep]:
    """Move each rep's start back from the last rest-zone sample to the low point just before it (while
    the signal keeps falling, at most ``SETTLE_MAX_S``), never into the previous rep. The rest zone reaches
    up to 35 % of the range, so without this a deadlift's band began after the bottom of the pull and the
    quoted lowest hip angle was not the one at the bottom. The end stays where the signal re-entered
    the rest zone: the live counter decides there too, and must count the same reps."""
    most = max(1, int(round(SETTLE_MAX_S * fps)))
    out: list[Rep] = []
    for r in reps:
        if r.source == "bar":  # the bar's own top is the rep's start already
            out.append(r)
            continue
        floor = max(out[-1].end if out else 0, r.start - most)
        start = r.start
        while start > floor and np.isfinite(s[start - 1]) and s[start - 1] <= s[start]:
            start -= 1
        out.append(dataclasses.replace(r, start=start))
    return out


def keep_long_reps(reps: list[Rep], fps: float, config: AnalysisConfig) -> list[Rep]:
    """Drop twitches shorter than ``min_rep_s`` and renumber.

    An unfinished rep (the clip stops before the return) needs half that to its turn, and the whole of it
    when it was still rising on the last sample: the lockout was never seen to stop, so a brief rise at
    the very end (someone standing up after the set, a filter edge) is not a rep.
    """
    min_len = max(2, int(round(config.min_rep_s * fps)))

    def long_enough(r: Rep) -> bool:
        if r.end - r.start >= min_len:
            return True
        if r.complete:
            return False
        return r.turn - r.start >= (min_len if r.turn == r.end else min_len // 2)

    kept = [r for r in reps if long_enough(r)]
    return [dataclasses.replace(r, index=i) for i, r in enumerate(kept)]


def split_excursion(s: np.ndarray, start: int, end: int, complete: bool, fps: float,
                     config: AnalysisConfig, concentric_first: bool) -> list[Rep]:
    """One or more reps inside one excursion above rest (touch-and-go reps share an excursion)."""
    seg = s[start:end + 1]
    prominence = config.split_prominence
    padded = np.concatenate([[-1.0], seg, [-1.0]])
    peaks, _ = find_peaks(padded, prominence=prominence, distance=max(1, int(config.min_rep_s * fps)))
    peaks = [p - 1 for p in peaks if seg[p - 1] >= config.hysteresis_high]
    if not peaks:
        peaks = [int(np.argmax(seg))]
    if not complete and not concentric_first:
        # squat/bench: the last peak was never followed by the return phase
        peaks = peaks[:-1]
    reps = []
    bounds = [0]
    for a, b in zip(peaks[:-1], peaks[1:], strict=False):
        bounds.append(a + int(np.argmin(seg[a:b + 1])))
    bounds.append(len(seg) - 1)
    for i, p in enumerate(peaks):
        last = i == len(peaks) - 1
        turn = lockout_reached(seg, bounds[i], p) if concentric_first else p
        reps.append(Rep(0, start + bounds[i], start + turn, start + bounds[i + 1], complete or not last))
    return reps



def baseline_hip_rule(hip_angle: np.ndarray, fps: float, config: AnalysisConfig | None = None) -> list[Rep]:
    """The published S0 rule: start below 85 deg, top above 160 deg, end below 85 deg again (+2 frames).

    Only reps whose recording stops inside the clip are counted, as in the
    published app.
    """
    config = config or AnalysisConfig()
    reps: list[Rep] = []
    state, start, top = "idle", 0, 0
    n = len(hip_angle)
    for t, a in enumerate(np.asarray(hip_angle, dtype=np.float64)):
        if not np.isfinite(a):
            continue
        if state == "idle" and a < config.baseline_hip_start_deg:
            state, start = "recording", t
        elif state == "recording" and a > config.baseline_hip_top_deg:
            state, top = "top", t
        elif state == "top":
            if a > hip_angle[top]:
                top = t
            if a < config.baseline_hip_start_deg:
                reps.append(Rep(len(reps), start, top, min(n - 1, t + 2)))
                state = "idle"
    return reps


def phase_labels(reps: list[Rep], n: int, concentric_first: bool) -> np.ndarray:
    """Per-sample phase: "up", "down" or "" (between reps)."""
    phase = np.full(n, "", dtype=object)
    first, second = ("up", "down") if concentric_first else ("down", "up")
    for r in reps:
        phase[r.start:r.turn + 1] = first
        phase[r.turn + 1:r.end + 1] = second
    return phase


def detect_reps(lift: str, series: KeypointSeries, angles: AngleSeries,
                config: AnalysisConfig | None = None) -> tuple[list[Rep], WorkSignal]:
    """Reps by the configured detector (``hysteresis`` default, ``baseline`` = published rule)."""
    config = config or AnalysisConfig()
    signal = work_signal(lift, series, angles, config)
    if config.rep_detector == "baseline":
        if lift != "deadlift":
            return segment_reps(signal, series.fps, config), signal
        return baseline_hip_rule(angles["hip"], series.fps, config), signal
    if config.rep_detector != "hysteresis":
        raise ValueError(f"unknown rep_detector {config.rep_detector!r}; allowed: ['hysteresis', 'baseline']")
    return segment_reps(signal, series.fps, config), signal


# A rep must look like the lift it is counted as (core.movement.posture.body_orientation, hands in torso lengths above
# the shoulders; geometry in core.judgment.lift.HAND_HEIGHT): movement of the same joints without the bar is not a rep.
# The thresholds are AnalysisConfig.rep_gate_* (unit and source there; scored leave-one-source-out by
# `python -m core evaluate clips`).
GATE_KEYS = {"bench": "rep_gate_bench_arms_up", "squat": "rep_gate_squat_hands_min",
             "deadlift": "rep_gate_deadlift_upright"}  # lift -> the config key its gate compares against
GATE_WINDOW_S = 0.2  # s either side of the instant a gate looks at


def _near(x: np.ndarray, i: int, half: int, how) -> float:
    seg = x[max(0, i - half):i + half + 1]
    seg = seg[np.isfinite(seg)]
    return float(how(seg)) if seg.size else float("nan")


def _mid_ascent(series: KeypointSeries, rep: Rep) -> int:
    """The first sample after a squat's bottom where the thighs are back halfway between the bottom and the
    rep's end (the rep's middle when they are not seen)."""
    depth = -thigh_elevation(series)[rep.turn:rep.end + 1]
    ok = np.isfinite(depth)
    if ok.sum() < 3:
        return (rep.turn + rep.end) // 2
    seen = depth[ok]
    mid = (np.max(seen[:max(1, seen.size // 4)]) + seen[-1]) / 2  # bottom (raw, near the turn) and end
    below = np.flatnonzero(ok & (np.nan_to_num(depth, nan=np.inf) <= mid))
    return rep.turn + int(below[0]) if below.size else (rep.turn + rep.end) // 2


def gate_value(lift: str, series: KeypointSeries, rep: Rep) -> float:
    """What ``gate_ends`` compares with the lift's ``rep_gate_*`` key (NaN: the joints were unseen):
    bench, the wrists' height above the shoulders at the better-held end of the rep (lockout); squat, the
    lower of the hands' heights at the bottom and on the way up; deadlift, the torso's cos from upright at
    lockout."""
    from core.movement.posture import body_orientation

    o = body_orientation(series)
    half = max(1, int(round(GATE_WINDOW_S * series.fps)))
    if lift == "bench":
        tops = [_near(o["hands"], i, half, np.max) for i in (rep.start, rep.end)]
        tops = [v for v in tops if np.isfinite(v)]
        return max(tops) if tops else float("nan")
    if lift == "squat":  # at the bottom and halfway back up (a bar set down in the hole stays behind there)
        vs = [_near(o["hands"], rep.turn, half, np.median),
              _near(o["hands"], _mid_ascent(series, rep), half, np.median)]
        vs = [v for v in vs if np.isfinite(v)]
        return min(vs) if vs else float("nan")
    if lift == "deadlift":
        return _near(o["up"], rep.turn, half, np.max)
    return float("nan")


def gate_ends(lift: str, series: KeypointSeries, reps: list[Rep], config: AnalysisConfig) -> list[Rep]:
    """The reps of one shot without its first and last rep when they do not look like the lift; the ones
    gated keep the compared value (``Rep.gate``). Reps between two others are the set itself."""
    out = []
    for i, r in enumerate(reps):
        if i in (0, len(reps) - 1) and lift in GATE_KEYS:
            v = gate_value(lift, series, r)
            r = dataclasses.replace(r, gate=None if not np.isfinite(v) else round(float(v), 4))
            if r.gate is not None and r.gate < getattr(config, GATE_KEYS[lift]):
                continue
        out.append(r)
    return out


def vertical_fold(series: KeypointSeries, segments: tuple[tuple[str, str], ...]) -> np.ndarray:
    """How folded the body is, from how much of each segment's length shows vertically: per segment
    1 - (vertical extent / the segment's longest image length in the clip), summed. A segment tilting toward
    the camera (front view) and one tilting sideways (side view) lose vertical extent alike, so this reads a
    hinge or a squat from any camera position, where 2-D joint angles read nothing from the front."""
    xy = series.xy.astype(np.float64)
    total = np.zeros(series.n_frames)
    for top, bottom in segments:
        with np.errstate(all="ignore"), warnings.catch_warnings():  # unseen joints: NaN, as intended
            warnings.simplefilter("ignore", RuntimeWarning)
            a = np.nanmean(xy[:, [KP[f"left_{top}"], KP[f"right_{top}"]]], axis=1)
            b = np.nanmean(xy[:, [KP[f"left_{bottom}"], KP[f"right_{bottom}"]]], axis=1)
        length = np.hypot(*(b - a).T)
        ok = np.isfinite(length)
        if ok.sum() < 5:
            return np.full(series.n_frames, np.nan)
        ref = np.percentile(length[ok], 95)
        total = total + 1.0 - (b[:, 1] - a[:, 1]) / max(ref, 1e-6)
    return total


FOLD_SEGMENTS = {"deadlift": (("shoulder", "hip"), ("hip", "knee")), "squat": (("hip", "knee"),)}  # (upper, lower)
FOLD_MIN_RANGE = {"deadlift": 0.5, "squat": 0.3}  # fold units (vertical fractions); a full pull folds ~0.9, a squat
# to parallel ~1, walking and fidgeting < 0.2


def fold_signal(lift: str, series: KeypointSeries) -> WorkSignal:
    """The view-independent fallback work signal (``vertical_fold``); deadlift: peak = lockout."""
    fold = vertical_fold(series, FOLD_SEGMENTS[lift])
    if lift == "deadlift":
        return WorkSignal(-fold, "body unfold", "fraction", FOLD_MIN_RANGE[lift], True)
    return WorkSignal(fold, "thigh fold", "fraction", FOLD_MIN_RANGE[lift], False)




def bar_y_on(series: KeypointSeries, bar, t0: float = 0.0) -> np.ndarray | None:
    """The bar track's height (px) at each sample of ``series``, or None without a usable track. ``bar``:
    any object with ``t`` (s, the clip's time) and ``y`` (px, NaN/None when unseen), as core.pipeline's
    ``PoseTrace.bar``; ``t0`` is the time of the series' first sample."""
    t, y = getattr(bar, "t", None), getattr(bar, "y", None)
    if t is None or y is None:
        return None
    t = np.asarray(t, np.float64)
    y = np.asarray([np.nan if v is None else v for v in y], np.float64)
    ok = np.isfinite(t) & np.isfinite(y)
    if ok.sum() < 5:
        return None
    at = t0 + series.times
    out = np.interp(at, t[ok], y[ok], left=np.nan, right=np.nan)
    seen = np.sort(t[ok])  # the nearest sighting is a neighbour in time order (no samples x sightings matrix:
    # 1.3 GB on a 5-minute set)
    i = np.searchsorted(seen, at)
    before, after = seen[np.clip(i - 1, 0, seen.size - 1)], seen[np.clip(i, 0, seen.size - 1)]
    nearest = np.minimum(np.abs(at - before), np.abs(after - at))
    gap = nearest > GATE_WINDOW_S  # no bar seen near this sample
    out[gap] = np.nan
    return out


def bar_moves_with(series: KeypointSeries, rep: Rep, bar_y: np.ndarray | None) -> bool:
    """True unless the bar is seen through the rep and barely moves while the wrists do."""
    if bar_y is None:
        return True
    seg = slice(rep.start, rep.end + 1)
    b = bar_y[seg]
    with np.errstate(all="ignore"):
        w = np.nanmean(series.xy[seg][:, [KP["left_wrist"], KP["right_wrist"]], 1], axis=1)
    b, w = b[np.isfinite(b)], w[np.isfinite(w)]
    if b.size < 5 or w.size < 5:
        return True
    wrist_travel = np.percentile(w, 95) - np.percentile(w, 5)
    return wrist_travel <= 0 or (np.percentile(b, 95) - np.percentile(b, 5)) >= BAR_MIN_SHARE * wrist_travel


def top_left(series: KeypointSeries, rep: Rep, since: int = 0) -> float:
    """Share of a squat rep's hip travel still left at the highest the hips get after the bottom: 0 = back
    where they stood before the rep (the highest point since sample ``since``, the previous rep's end), 1 =
    still at the bottom. NaN where the hips are unseen. Image height, so any view with a still camera."""
    with np.errstate(all="ignore"):
        hip = np.nanmean(series.xy[:, [KP["left_hip"], KP["right_hip"]], 1].astype(np.float64), axis=1)
    before, rep_part, after = hip[since:rep.turn + 1], hip[rep.start:rep.end + 1], hip[rep.turn:]
    if not (np.isfinite(before).any() and np.isfinite(rep_part).any() and np.isfinite(after).any()):
        return float("nan")
    top, bottom = np.nanmin(before), np.nanmax(rep_part)  # image y grows downwards
    return float((np.nanmin(after) - top) / (bottom - top)) if bottom > top else float("nan")


def cut_before_top(lift: str, series: KeypointSeries, reps: list[Rep], config: AnalysisConfig) -> list[Rep]:
    """A shot's last squat rep without its top: when the shot (the clip, or the part before a cut) ends
    before the hips are back within ``config.rep_top_left_max`` of their height before the rep, the lifter
    was still rising and the rep is not one. The share is kept on the rep (``Rep.top_left``)."""
    if lift != "squat" or not reps:
        return reps
    last = reps[-1]
    v = top_left(series, last, reps[-2].end if len(reps) > 1 else 0)
    last = dataclasses.replace(last, top_left=None if not np.isfinite(v) else round(v, 4))
    drop = last.top_left is not None and last.top_left > config.rep_top_left_max
    return reps[:-1] if drop else [*reps[:-1], last]


STILL_RISING = 0.5  # share of the pull's fastest unfolding: a body still unfolding this fast over the shot's last
# END_WINDOW_S is mid-pull, not at lockout (a held lockout unfolds at ~0; measured on the 114 real clips: the
# pulls that end a shot at lockout <= 0.0, one cut mid-pull 0.97, docs/decisions.md)
END_WINDOW_S = 0.2  # s; the end of a shot over which the unfolding speed is taken


def still_rising_at_end(series: KeypointSeries, rep: Rep) -> bool:
    """True when a deadlift rep the shot ends in (``rep.complete`` False, the series is the shot) was cut before
    lockout: over the last ``END_WINDOW_S`` the body (``vertical_fold``, any view) still unfolds at
    ``STILL_RISING`` or more of its fastest in the rep. The joint angles alone cannot say so (a front view's hip
    angle reads a lockout early in the pull); lockout is where the rise stops."""
    if rep.complete or series.n_frames < 10:
        return False
    fold = vertical_fold(series, FOLD_SEGMENTS["deadlift"])
    ok = np.isfinite(fold)
    if ok.sum() < 10 or not ok[rep.start:].any():
        return False
    x = -np.interp(np.arange(len(fold)), np.flatnonzero(ok), fold[ok])  # unfold: up = towards lockout
    if len(x) > 15 and series.fps / 2 * 0.95 > 4.0:
        x = sosfiltfilt(butter(2, 4.0 / (series.fps / 2), output="sos"), x, padlen=min(len(x) - 1, 9))
    v = np.gradient(x) * series.fps
    fastest = float(np.max(v[rep.start:])) if rep.start < len(v) else 0.0
    tail = max(2, int(round(END_WINDOW_S * series.fps)))
    return fastest > 0 and float(np.mean(v[-tail:])) >= STILL_RISING * fastest


PULL_MIN_UNFOLD = 0.28  # fold units (vertical_fold): a pull unfolds the body at least this much from its low point to
# lockout (an RDL ~0.35-0.6, a pull from the floor ~0.5-0.9); a lifter standing while the camera zooms, or a
# shrug, < 0.2 (walking and fidgeting < 0.2, FOLD_MIN_RANGE). On the 114 real clips: counted pulls 0.34 and up,
# the two bar "pulls" of a standing lifter filmed by a zooming camera 0.11 and 0.21 (docs/decisions.md)


def body_unfolds(series: KeypointSeries, rep: Rep, fold: np.ndarray | None = None) -> bool:
    """True unless the body is seen through a pull and barely unfolds from its low point to the lockout: the
    bar (or the hip angle) then rose because the camera moved, not because the lifter pulled. ``fold``: the
    series' ``vertical_fold`` for the deadlift, when already computed."""
    f = vertical_fold(series, FOLD_SEGMENTS["deadlift"]) if fold is None else fold
    seg = f[rep.start:rep.turn + 1]
    half = max(1, int(round(GATE_WINDOW_S * series.fps)))
    top = f[max(0, rep.turn - half):rep.turn + half + 1]
    if np.isfinite(seg).sum() < 3 or not np.isfinite(top).any():
        return True
    return float(np.nanmax(seg) - np.nanmin(top)) >= PULL_MIN_UNFOLD


def moved_reps(lift: str, series: KeypointSeries, reps: list[Rep], bar_y: np.ndarray | None) -> list[Rep]:
    """The reps in which the lifter moved the load: not a body rep while a seen bar stays put
    (``bar_moves_with``), not a pull the body never unfolded in (``body_unfolds``: the camera moved the bar)."""
    reps = [r for r in reps if r.source == "bar" or bar_moves_with(series, r, bar_y)]
    if lift == "deadlift" and any(r.source == "bar" for r in reps):  # a pull is the body unfolding, whatever
        fold = vertical_fold(series, FOLD_SEGMENTS["deadlift"])  # moved the bar in the picture (a rep the body's
        reps = [r for r in reps if r.source != "bar" or body_unfolds(series, r, fold)]  # own hip angle found moved)
    return reps


def shot_end_checks(lift: str, shot: KeypointSeries, reps: list[Rep], config: AnalysisConfig) -> list[Rep]:
    """A shot's body-counted reps without a first or last rep that does not look like the lift (``gate_ends``),
    a last squat rep cut before its top (``cut_before_top``) or a last pull cut before lockout
    (``still_rising_at_end``). ``shot`` is the shot's own series; rep indices are into it."""
    reps = cut_before_top(lift, shot, gate_ends(lift, shot, reps, config), config)
    if lift == "deadlift" and reps and still_rising_at_end(shot, reps[-1]):
        reps = reps[:-1]  # the shot ends mid-pull: its lockout is not in the clip
    return reps


def _slice(series: KeypointSeries, angles: AngleSeries, a: int, b: int) -> tuple[KeypointSeries, AngleSeries]:
    return (KeypointSeries(series.xyc[a:b], series.fps, series.width, series.height, series.frame_index[a:b]),
            AngleSeries(angles.names, angles.values[a:b], angles.fps, angles.side))


def detect_reps_in_shots(lift: str, series: KeypointSeries, angles: AngleSeries, config: AnalysisConfig,
                         cuts: list[int] | tuple[int, ...] = (), bar_y: np.ndarray | None = None,
                         bar: BarPath | None = None, body_height_px: float = float("nan"),
                         ) -> tuple[list[Rep], WorkSignal]:
    """``detect_reps`` on each shot between scene cuts (sample indices where a new shot starts), so no rep
    is stitched across a cut and each shot's signal is scaled on its own; then the first and last rep of a
    shot (where unracking, walking out, putting the bar down and standing up happen) must look like the lift
    (``gate_ends``); reps between two others are the set itself. A shot's last squat rep must reach
    its top before the shot ends (``cut_before_top``). Where a shot's usual signal has
    too little range to count anything (2-D angles barely move in a front view), the view-independent
    ``fold_signal`` is used instead. With a bar
    track (``bar_y``, px per sample), a rep in which the bar stays put while the wrists travel (standing up
    after letting go) is dropped. With the lifter's bar path (``bar``) seen through a shot, that shot's reps
    are what the bar does (core.movement.bar_reps); the body counts only where the bar is not seen."""
    bounds = [0, *sorted(c for c in cuts if 0 < c < series.n_frames), series.n_frames]
    reps: list[Rep] = []
    values = []
    signal = None
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        sub, sub_angles = _slice(series, angles, a, b)
        shot_reps, signal = detect_reps(lift, sub, sub_angles, config)
        flat = _normalise(signal.values, signal.min_range, sub.fps, config.rep_smooth_hz) is None
        if flat and lift in FOLD_SEGMENTS and config.rep_detector == "hysteresis":
            fallback = fold_signal(lift, sub)  # e.g. a front view, where 2-D angles barely move
            fold_reps = segment_reps(fallback, sub.fps, config)
            if fold_reps:
                shot_reps, signal = fold_reps, WorkSignal(fallback.values, fallback.name, fallback.unit,
                                                          fallback.min_range, signal.concentric_first)
        values.append(signal.values)
        if not signal.concentric_first:  # a squat or bench rep ends at lockout, not where it re-enters the rest zone
            s = _normalise(signal.values, signal.min_range, sub.fps, config.rep_smooth_hz)
            shot_reps = shot_reps if s is None else lockout_ends(shot_reps, s)
        reps += [dataclasses.replace(r, start=r.start + a, turn=r.turn + a, end=r.end + a)  # set-up and put-down
                 for r in shot_end_checks(lift, sub, shot_reps, config)]  # moves
        # come before and after the set; a shot that ends in the ascent ends before its last rep's top
    if bar is not None:  # where the bar is seen, a stretch's reps are what the bar does
        for a, b in bar_shots(bar, bounds, series.fps):
            from_bar = bar_reps(lift, bar, series, a, b)
            if from_bar is not None:
                reps = [r for r in reps if not a <= r.start < b] + from_bar
    proxy = body_bar_path(lift, series, body_height_px) if config.rep_body_proxy else None
    if proxy is not None:  # elsewhere the body points that carry the bar stand in for it
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if any(r.source == "bar" and a <= r.start < b for r in reps):
                continue
            from_body = bar_reps(lift, proxy, series, a, b, source="body")
            if from_body is not None:  # the body's own checks of a shot's first and last rep still apply
                sub, _ = _slice(series, angles, a, b)
                shifted = [dataclasses.replace(r, start=r.start - a, turn=r.turn - a, end=r.end - a) for r in from_body]
                kept = shot_end_checks(lift, sub, shifted, config)
                reps = [r for r in reps if not a <= r.start < b] + [
                    dataclasses.replace(r, start=r.start + a, turn=r.turn + a, end=r.end + a) for r in kept]
    reps = moved_reps(lift, series, sorted(reps, key=lambda r: r.start), bar_y)
    assert signal is not None
    signal = WorkSignal(np.concatenate(values), signal.name, signal.unit, signal.min_range, signal.concentric_first)
    return [dataclasses.replace(r, index=i) for i, r in enumerate(reps)], signal


def lockout_ends(reps: list[Rep], s: np.ndarray) -> list[Rep]:
    """Squat and bench reps from the body, each complete one's end moved on to its lockout: where the ascent
    (``s`` falling back towards rest) has slowed down after its fastest part (core.movement.bar_reps.
    lockout_reached), never past the next rep's start."""
    out = []
    for i, r in enumerate(reps):
        limit = reps[i + 1].start if i + 1 < len(reps) else len(s) - 1
        if not r.complete or limit <= r.end:
            out.append(r)
            continue
        top = r.end + int(np.argmin(s[r.end:limit + 1]))
        end = lockout_reached(-s, r.turn, top)
        out.append(dataclasses.replace(r, end=int(min(max(end, r.end), limit))))
    return out


def _turn_in(signal: WorkSignal | None, start: int, end: int) -> int:
    if signal is None:
        return (start + end) // 2
    seg = signal.values[start:end + 1]
    if not np.isfinite(seg).any():
        return (start + end) // 2
    return start + int(np.nanargmax(seg))


def merge_reps(reps: list[Rep], i: int, signal: WorkSignal | None = None) -> list[Rep]:
    """Merge rep ``i`` with rep ``i + 1`` (a user correction); the turnaround is re-found."""
    if not 0 <= i < len(reps) - 1:
        raise ValueError(f"can merge rep i with i+1 only for 0 <= i < {len(reps) - 1}, got {i}")
    a, b = reps[i], reps[i + 1]
    merged = dataclasses.replace(a, index=i, turn=_turn_in(signal, a.start, b.end), end=b.end, complete=b.complete)
    out = reps[:i] + [merged] + reps[i + 2:]
    return [dataclasses.replace(r, index=k) for k, r in enumerate(out)]


def split_rep(reps: list[Rep], i: int, at: int, signal: WorkSignal | None = None) -> list[Rep]:
    """Split rep ``i`` at sample ``at`` into two reps (a user correction)."""
    if not 0 <= i < len(reps):
        raise ValueError(f"rep index must be in [0, {len(reps)}), got {i}")
    r = reps[i]
    if not r.start < at < r.end:
        raise ValueError(f"split point {at} must lie strictly inside rep {i} ({r.start}..{r.end})")
    first = Rep(i, r.start, _turn_in(signal, r.start, at), at)
    second = Rep(i + 1, at, _turn_in(signal, at, r.end), r.end, r.complete)
    out = reps[:i] + [first, second] + reps[i + 1:]
    return [dataclasses.replace(x, index=k) for k, x in enumerate(out)]
