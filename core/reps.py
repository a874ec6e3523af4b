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

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

from core.angles import compute_joint_angles
from core.config import AnalysisConfig
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


def arm_flexion(series: KeypointSeries) -> np.ndarray:
    """1 - shoulder-to-wrist distance over the arm's length (longest seen): 0 = arm locked out.

    Uses only shoulders and wrists, which the pose model finds more reliably
    than elbows on a bench seen from the head end.
    """
    xy = series.xy.astype(np.float64)
    vals = []
    for side in ("left", "right"):
        sh, el, wr = (xy[:, KP[f"{side}_{k}"]] for k in ("shoulder", "elbow", "wrist"))
        reach = np.hypot(*(wr - sh).T)
        arm = np.hypot(*(el - sh).T) + np.hypot(*(wr - el).T)
        arm = arm[np.isfinite(arm)]
        if arm.size < 3:
            continue
        vals.append(1.0 - reach / np.percentile(arm, 90))
    if not vals:
        return np.full(series.n_frames, np.nan)
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack(vals), axis=0)


def work_signal(lift: str, series: KeypointSeries, angles: AngleSeries | None, config: AnalysisConfig) -> WorkSignal:
    """The signal whose peaks are this lift's turnarounds."""
    angles = angles if angles is not None else compute_joint_angles(series)
    if lift == "deadlift":
        return WorkSignal(angles["hip"], "hip angle", "deg", config.min_range_deadlift_deg, True)
    if lift == "squat":
        return WorkSignal(-thigh_elevation(series), "thigh depth", "sin", config.min_range_squat, False)
    if lift == "bench":
        return WorkSignal(180.0 - angles["elbow"], "elbow flexion", "deg", config.min_range_bench_deg, False)
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
    """The rep state machine, one normalised sample at a time (shared by offline and live counting).

    Why a class: the upload pipeline feeds it a whole clip and the live page
    one frame at a time, and both must count the same way. An *excursion*
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
    return keep_long_reps(reps, fps, config)


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
    return [Rep(i, r.start, r.turn, r.end, r.complete) for i, r in enumerate(kept)]


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
        reps.append(Rep(0, start + bounds[i], start + p, start + bounds[i + 1], complete or not last))
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
    merged = Rep(i, a.start, _turn_in(signal, a.start, b.end), b.end, b.complete)
    out = reps[:i] + [merged] + reps[i + 2:]
    return [Rep(k, r.start, r.turn, r.end, r.complete) for k, r in enumerate(out)]


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
    return [Rep(k, x.start, x.turn, x.end, x.complete) for k, x in enumerate(out)]
