"""Form faults as coaches name them, one row per fault in one table, judged per rep and phase.

Every row of :data:`FAULT_TABLE` says which lifts and styles it applies to, in which phase of the rep
it is read, which camera views can show it, which keypoints it needs, its threshold (ok and bad value
with unit and source), the function that measures it, and the coaching cue. A rule measures one 2-D
quantity per rep (:class:`Measurement`, in the unit of its threshold). The measurement is turned into a
probability of the fault by a logistic curve whose prior comes from the threshold row (p = 0.1 at the ok
value, 0.9 at the bad value) and whose parameters are fitted on labelled real clips of other lifters
(:mod:`core.judgment.calibration`, committed as ``models/fault_calibration.json``). The probability gives one of
four verdicts: fault, fine, not sure, or cannot judge (the view or visibility cannot show it).

Limits of 2-D keypoints: the spine is not a keypoint, so rounding is read from the shoulder-hip distance
(lower back) and the head-shoulder-hip geometry (upper back); COCO-17 has no heel or toe, so heel rise is
read from the ankle rising.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.judgment.calibration import curve, probabilities, probability, shipped
from core.movement.metrics import body_height_px
from core.perception.view import ViewEstimate, width_ratio
from core.skeleton import KEY_JOINTS, KP, LOW_VISIBILITY
from core.types import AngleSeries, Fault, KeypointSeries, Rep

logger = logging.getLogger(__name__)

# --- verdicts from a calibrated probability (decision rule, not fitted) -------------------------
P_FAULT = 0.6  # p at or above: verdict "fault"
P_FINE = 0.3  # p at or below: verdict "fine"; between the two: "not sure"
P_CLEAR_FAULT = 0.85  # "clear" fault at or above
P_CLEAR_FINE = 0.1  # "clear" fine at or below; otherwise "likely"
MIN_CONFIDENCE = LOW_VISIBILITY  # keypoint confidence below which a joint is "poorly seen"

# Camera yaw from the width ratio (core.perception.view) while the lifter stands upright: 0 deg at YAW_SIDE_RATIO,
# 90 deg at YAW_FRONT_RATIO (measured on the real clips: side 0.05-0.09, front 0.46-0.51, angled ~0.36).
YAW_SIDE_RATIO = 0.05
YAW_FRONT_RATIO = 0.50
YAW_MAX_DEG = 60.0
KNEE_LEAD_WEIGHT = 0.7  # deg of back-angle tip per deg the knees straighten ahead of the hips (14/20: the
# old rules' two bad values, Rippetoe's constant back angle and S0's early hip elevation)
OFF_FLOOR_SHARE = 0.4  # share of the lifting phase that counts as "off the floor" (a phase boundary, not a window)
TOP_WINDOW_S = 0.3  # s either side of a rep's top (lockout) or bottom that counts as "at" that moment
SETUP_WINDOW_S = 0.3  # s before and after the pull starts that count as the set-up position
STANCE_RAMP = 0.4  # shoulder widths beyond the neutral band where the stance score reaches 1
TILT_NEUTRAL_DEG = 3.0  # |shoulder tilt| below this is labelled "neutral"


@dataclass(frozen=True)
class Threshold:
    """The ok and bad value of a rule's measurement (the prior of its calibration curve)."""

    ok: float
    bad: float
    unit: str
    source: str


@dataclass(frozen=True)
class Measurement:
    """One rep's reading of a rule: ``value`` in the row's unit (NaN = could not be measured),
    ``evidence`` in plain words, per-sample ``frames`` (whole clip, same unit) inside ``mask``."""

    value: float
    evidence: str
    frames: np.ndarray | None = None
    mask: np.ndarray | None = None
    frame_text: Callable[[float], str] | None = None


@dataclass(frozen=True)
class FaultRow:
    """One fault as a coach names it."""

    name: str
    title: str  # plain words shown to the lifter
    lifts: tuple[str, ...]
    phase: str  # "set-up", "off the floor", "lockout", "lowering", "bottom", "top", "whole rep", "whole set"
    views: tuple[str, ...]  # estimated camera views that can show it (core.perception.view labels)
    needs: tuple[str, ...]  # keypoint base names it must see (either side, or both when both_sides)
    threshold: Threshold
    measure: Callable[[RepContext], Measurement] | None  # None for whole-set rows (judged in judge_set)
    cue: str  # the one thing to do next set (coaching and classroom use this text)
    both_sides: bool = False
    needs_body_height: bool = False
    styles_excluded: tuple[str, ...] = ()  # deadlift styles where the fault does not apply by design
    per_rep: bool = True


def _fmt(x: float, nd: int = 0) -> str:
    """A number for a lifter: rounded, never "-0"."""
    if not np.isfinite(x):
        return "?"
    r = round(float(x), nd)
    if r == 0:
        r = 0.0
    return f"{r:.{nd}f}"


def _sec(fps: float, s: float) -> int:
    """Samples in ``s`` seconds at ``fps`` (at least 1)."""
    return max(1, int(round(s * fps)))


# --- geometry helpers ---------------------------------------------------------------------

def _xy(series: KeypointSeries, name: str) -> np.ndarray:
    return series.xy[:, KP[name]].astype(np.float64)


def mid(series: KeypointSeries, base: str) -> np.ndarray:
    """(T, 2) pixels: mean of the left and right ``base`` keypoint (either one if only one is seen)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # both sides unseen -> NaN is the intended result
        return np.nanmean(np.stack([_xy(series, f"left_{base}"), _xy(series, f"right_{base}")]), axis=0)


def seen(series: KeypointSeries, base: str, sl: slice, both: bool = False) -> float:
    """Mean confidence of a keypoint over ``sl``: the better side, or the worse side when ``both``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        c = [np.nan_to_num(np.nanmean(series.conf[sl, KP[f"{s}_{base}"]])) if series.conf[sl].size else 0.0
             for s in ("left", "right")]
    return float(min(c) if both else max(c))


def facing(series: KeypointSeries) -> int:
    """+1 if the lifter faces image right, -1 left, 0 unknown (nose ahead of the ears, else hands ahead of hips)."""
    with np.errstate(all="ignore"):
        d = _xy(series, "nose")[:, 0] - mid(series, "ear")[:, 0]
        d = d[np.isfinite(d)]
        if d.size >= 3 and abs(np.median(d)) > 1.0:
            return int(np.sign(np.median(d)))
        d = mid(series, "wrist")[:, 0] - mid(series, "hip")[:, 0]
        d = d[np.isfinite(d)]
    return int(np.sign(np.median(d))) if d.size >= 3 else 0


def lean_back_deg(series: KeypointSeries, face: int) -> np.ndarray:
    """(T,) deg the hip->shoulder line leans *back* past vertical (negative = leaning forward)."""
    d = mid(series, "shoulder") - mid(series, "hip")
    with np.errstate(all="ignore"):
        return np.degrees(np.arctan2(-face * d[:, 0], -d[:, 1]))


def camera_yaw_deg(series: KeypointSeries, torso: np.ndarray, standing: float) -> float:
    """Camera yaw from a side-on view, deg (0 = side, 90 = front), read while the lifter stands upright."""
    ratio = width_ratio(series)
    upright = np.isfinite(ratio) & (torso >= 0.9 * standing)
    if upright.sum() < 3:
        return 0.0
    r = float(np.median(ratio[upright]))
    sin_yaw = np.clip((r - YAW_SIDE_RATIO) / (YAW_FRONT_RATIO - YAW_SIDE_RATIO), 0.0, 1.0)
    return float(min(np.degrees(np.arcsin(sin_yaw)), YAW_MAX_DEG))


def torso_chord_shortening(series: KeypointSeries) -> tuple[np.ndarray, float]:
    """(T,) shoulder-hip distance shortening vs standing (fraction), with the camera's foreshortening of the
    torso's horizontal component undone; and the yaw (deg) used for that."""
    t = mid(series, "shoulder") - mid(series, "hip")
    torso = np.hypot(t[:, 0], t[:, 1])
    if not np.isfinite(torso).any():
        return np.full(len(torso), np.nan), 0.0
    standing = float(np.nanpercentile(torso, 95))
    yaw = camera_yaw_deg(series, torso, standing)
    chord = np.hypot(t[:, 0] / np.cos(np.radians(yaw)), t[:, 1])
    return 1.0 - chord / standing, yaw


def head_drop(series: KeypointSeries, face: int) -> np.ndarray:
    """(T,) ear offset toward the chest side of the torso line, torso lengths (+ = head flexed down)."""
    sh, hip, ear = mid(series, "shoulder"), mid(series, "hip"), mid(series, "ear")
    t = sh - hip
    length = np.hypot(t[:, 0], t[:, 1])
    with np.errstate(all="ignore"):
        normal = face * np.stack([-t[:, 1], t[:, 0]], axis=1) / length[:, None]
        return ((ear - sh) * normal).sum(axis=1) / length


def thigh_angle_deg(series: KeypointSeries) -> np.ndarray:
    """(T,) thigh angle above horizontal, deg: + = hip above knee, 0 = parallel (mean of the seen sides).

    The hip-over-knee height is divided by the thigh's *longest seen* length
    (standing, least foreshortened), so the angle stays right from the front,
    where a thigh pointing at the camera looks short.
    """
    vals = []
    for s in ("left", "right"):
        d = _xy(series, f"{s}_knee") - _xy(series, f"{s}_hip")
        length = np.hypot(d[:, 0], d[:, 1])
        full = _nanpct(length, 95)
        with np.errstate(all="ignore"):
            vals.append(np.degrees(np.arcsin(np.clip(d[:, 1] / full, -1.0, 1.0))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(vals), axis=0)


def spread(series: KeypointSeries, base: str) -> np.ndarray:
    """(T,) horizontal pixels between the left and right ``base`` keypoints."""
    return np.abs(_xy(series, f"left_{base}")[:, 0] - _xy(series, f"right_{base}")[:, 0])


def _nanmed(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _window(a: int, b: int, n: int) -> slice:
    return slice(max(0, a), min(n, b + 1))


def _at(x: np.ndarray, i: int, half: int = 2) -> float:
    """Median of ``x`` over ``i`` +- ``half`` samples (robust single-moment reading)."""
    return _nanmed(x[max(0, i - half):i + half + 1])



def _nanpct(x: np.ndarray, q: float) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else float("nan")


def _rolling_median(x: np.ndarray, size: int = 3) -> np.ndarray:
    """NaN-aware centred rolling median, so a one-frame keypoint jump is not read as a fault."""
    from numpy.lib.stride_tricks import sliding_window_view

    if x.size < size:
        return x
    pad = np.pad(np.asarray(x, dtype=np.float64), size // 2, mode="edge")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(sliding_window_view(pad, size), axis=1)



# --- per-rep context ----------------------------------------------------------------------

@dataclass(frozen=True)
class RepContext:
    """What every per-rep rule reads; arrays are whole-clip, indexed by sample."""

    series: KeypointSeries
    angles: AngleSeries
    rep: Rep
    face: int  # +1 lifter faces image right, -1 left, 0 unknown
    body_height: float  # pixels
    concentric_first: bool
    metrics: dict | None = None  # the rep's metrics when known (bar_* from the bar tracker)
    style: str | None = None

    @property
    def span(self) -> slice:
        return slice(self.rep.start, self.rep.end + 1)

    @property
    def n(self) -> int:
        return self.series.n_frames

    @property
    def fps(self) -> float:
        return self.series.fps

    def s(self, seconds: float) -> int:
        return _sec(self.fps, seconds)

    def concentric(self) -> tuple[int, int]:
        r = self.rep
        return (r.start, r.turn) if self.concentric_first else (r.turn, r.end)

    def frames(self, a: int, b: int) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        m[_window(a, b, self.n)] = True
        return m

    def pull_start(self) -> int:
        """Deadlift: the sample the pull leaves the floor (lowest hip angle in the lifting phase)."""
        c0, c1 = self.concentric()
        seg = self.angles["hip"][c0:c1 + 1]
        return c0 + int(np.nanargmin(seg)) if np.isfinite(seg).any() else c0

    def top(self) -> int:
        """Deadlift: lockout sample (the rep's turn when lifting comes first)."""
        return self.rep.turn if self.concentric_first else self.rep.end


def _below_above(x: float) -> str:
    return "above" if x > 0.5 else "below" if x < -0.5 else "level with"


# --- deadlift -----------------------------------------------------------------------------

def measure_hips_too_low(ctx: RepContext) -> Measurement:
    """Set-up: thigh angle above horizontal as the bar leaves the floor (lower = hips lower)."""
    th = thigh_angle_deg(ctx.series)
    c0 = ctx.pull_start()
    x = _at(th, c0, ctx.s(0.1))
    ev = (f"as the bar left the floor your hips were {_below_above(x)} knee height "
          f"(thigh {_fmt(abs(x))}° {'above' if x >= 0 else 'below'} horizontal)")
    return Measurement(x, ev, th, ctx.frames(c0 - ctx.s(SETUP_WINDOW_S), c0 + ctx.s(SETUP_WINDOW_S)),
                       lambda v: f"thigh {_fmt(v)}° above horizontal")


def measure_rounded_upper_back(ctx: RepContext) -> Measurement:
    """Set-up: the head dropped toward the chest from the hip-shoulder line (torso lengths)."""
    drop = head_drop(ctx.series, ctx.face)
    c0 = ctx.pull_start()
    w = ctx.frames(c0 - ctx.s(SETUP_WINDOW_S), c0 + ctx.s(SETUP_WINDOW_S))
    x = _nanmed(drop[w])
    ev = (f"at the set-up your head sat {_fmt(abs(x) * 100)} % of a torso length "
          f"{'below' if x >= 0 else 'above'} the line of your back")
    return Measurement(x, ev, drop, w, lambda v: f"head {_fmt(abs(v) * 100)} % of a torso "
                                                 f"{'below' if v >= 0 else 'above'} the back line")


def measure_early_hip_rise(ctx: RepContext) -> Measurement:
    """Off the floor: the back angle tipping forward, or the knees straightening ahead of the hips
    (deg; the larger of the two, the knee lead scaled by KNEE_LEAD_WEIGHT)."""
    a = ctx.angles
    trunk, knee, hip = a["trunk_lean"], a["knee"], a["hip"]
    c0, c1 = ctx.concentric()
    w1 = c0 + max(ctx.s(0.1), int(round(OFF_FLOOR_SHARE * (c1 - c0))))
    tipping = trunk - _at(trunk, c0, 1)
    lead = KNEE_LEAD_WEIGHT * ((knee - _at(knee, c0, 1)) - (hip - _at(hip, c0, 1)))
    d_trunk, d_lead = _at(tipping, w1, 1), _at(lead, w1, 1)
    x = float(np.nanmax([d_trunk, d_lead])) if np.isfinite([d_trunk, d_lead]).any() else float("nan")
    if d_trunk >= d_lead or not np.isfinite(d_lead) or d_lead < 4.0:
        ev = (f"early in the pull your back angle tipped {_fmt(abs(d_trunk))}° "
              f"{'further forward' if d_trunk >= 0 else 'more upright'}: "
              f"{'your hips rose before your chest' if d_trunk >= 2 else 'your chest and hips rose together'}")
    else:
        ev = (f"early in the pull your knees straightened {_fmt(d_lead / KNEE_LEAD_WEIGHT)}° more than your hips "
              "opened: your hips rose before your chest")
    frames = np.fmax(tipping, lead)
    return Measurement(x, ev, frames, ctx.frames(c0, w1),
                       lambda v: f"hips {_fmt(max(v, 0))}° ahead of the chest since the floor")


def measure_rounded_lower_back(ctx: RepContext) -> Measurement:
    """Off the floor and lowering: the shoulder-hip distance shortening vs standing (yaw corrected)."""
    shortening, yaw = torso_chord_shortening(ctx.series)
    w = ctx.frames(ctx.rep.start, ctx.rep.end)
    x = _nanpct(shortening[w], 80)
    ev = (f"while the bar was low your shoulders came {_fmt(abs(x) * 100)} % "
          f"{'closer to' if x >= 0 else 'further from'} your hips than when standing "
          "(a rounding back shortens that distance)")
    return Measurement(x, ev, shortening, w, lambda v: f"shoulder-hip distance {_fmt(abs(v) * 100)} % "
                                                       f"{'shorter' if v >= 0 else 'longer'} than standing")


def measure_bar_away(ctx: RepContext) -> Measurement:
    """Off the floor: the bar's horizontal drift (cm) from the bar tracker's rep metrics."""
    m = ctx.metrics or {}
    drift = m.get("bar_drift_cm")
    if not isinstance(drift, int | float) or not math.isfinite(drift):
        return Measurement(float("nan"), "can't judge: the bar was not tracked in this clip")
    x = abs(float(drift))
    return Measurement(x, f"the bar drifted {_fmt(x)} cm forward and back during the rep (close to the legs is "
                          "under 5 cm)")


def measure_hips_not_locked(ctx: RepContext) -> Measurement:
    """Lockout: how far the hips stayed short of straight (180° minus the best hip angle at the top)."""
    hip = ctx.angles["hip"]
    top = ctx.top()
    w = ctx.frames(top - ctx.s(TOP_WINDOW_S), top + ctx.s(TOP_WINDOW_S))
    best = _nanpct(hip[w], 90)
    x = 180.0 - best
    ev = f"at the top your hips opened to {_fmt(best)}° ({_fmt(max(x, 0))}° short of standing straight)"
    return Measurement(x, ev, 180.0 - hip, w, lambda v: f"hips {_fmt(max(v, 0))}° short of straight")


def measure_leaning_back(ctx: RepContext) -> Measurement:
    """Lockout: torso lean behind vertical (shoulders behind the hips and bar)."""
    if ctx.face == 0:
        return Measurement(float("nan"), "can't judge: the way the lifter faces is unclear")
    lean = lean_back_deg(ctx.series, ctx.face)
    top = ctx.top()
    x = _at(lean, top, ctx.s(0.07))
    ev = f"at the top you finished {_fmt(abs(x))}° {'behind' if x >= 0 else 'in front of'} vertical"
    return Measurement(x, ev, lean, ctx.frames(top - ctx.s(0.1), top + ctx.s(0.1)),
                       lambda v: f"{_fmt(abs(v))}° {'behind' if v >= 0 else 'in front of'} vertical")


def measure_bent_arms(ctx: RepContext) -> Measurement:
    """Off the floor: how far the elbows bend while pulling (arms should hang straight)."""
    elbow = ctx.angles["elbow"]
    c0 = ctx.pull_start()
    _, c1 = ctx.concentric()
    w = ctx.frames(c0, c1)
    x = 180.0 - _nanmed(elbow[w])
    ev = f"while pulling your elbows were bent by about {_fmt(max(x, 0))}° (straight arms: under 15°)"
    return Measurement(x, ev, 180.0 - elbow, w, lambda v: f"elbows bent {_fmt(max(v, 0))}°")


def measure_heel_rise(ctx: RepContext) -> Measurement:
    """Heels lifting: the ankle rising above its height at the rep's start/end (shin lengths)."""
    s = ctx.series
    side = max(("left", "right"), key=lambda sd: np.nan_to_num(np.nanmean(s.conf[ctx.span, KP[f"{sd}_ankle"]])))
    ankle_y = _xy(s, f"{side}_ankle")[:, 1]
    shin = _nanmed(np.hypot(*(_xy(s, f"{side}_knee") - _xy(s, f"{side}_ankle")).T))
    k = ctx.s(0.1)
    ends = np.r_[ankle_y[ctx.rep.start:ctx.rep.start + k], ankle_y[max(ctx.rep.end - k + 1, 0):ctx.rep.end + 1]]
    rise = (_nanmed(ends) - ankle_y) / shin
    x = _nanpct(_rolling_median(rise[ctx.span], max(3, ctx.s(0.1) | 1)), 95)
    cm = x * 40.0  # a shin is ~40 cm (Winter 2009, table 4.1: 0.246 x body height for a 1.65 m adult)
    return Measurement(x, f"your ankles rose about {_fmt(max(cm, 0))} cm off their starting height",
                       rise, ctx.frames(ctx.rep.start, ctx.rep.end),
                       lambda v: f"ankle {_fmt(max(v * 40, 0))} cm up")


# --- squat --------------------------------------------------------------------------------

def _bottom(ctx: RepContext) -> int:
    th = thigh_angle_deg(ctx.series)[ctx.span]
    return ctx.rep.start + int(np.nanargmin(th)) if np.isfinite(th).any() else ctx.rep.turn


def measure_depth(ctx: RepContext) -> Measurement:
    """Bottom: thigh angle above horizontal at the deepest point (0 = parallel)."""
    th = thigh_angle_deg(ctx.series)
    b = _bottom(ctx)
    x = _at(th, b, 1)
    ev = (f"at the bottom your hips stayed {_fmt(abs(x))}° {'above' if x >= 0 else 'below'} parallel "
          f"(hips {_below_above(x)} the knees)")
    return Measurement(x, ev, th, ctx.frames(b - ctx.s(0.1), b + ctx.s(0.1)),
                       lambda v: f"thigh {_fmt(abs(v))}° {'above' if v >= 0 else 'below'} parallel")


def measure_knee_cave(ctx: RepContext) -> Measurement:
    """Bottom: knee spread over ankle spread (lower = knees inside the feet)."""
    s = ctx.series
    ankles = spread(s, "ankle")
    with np.errstate(all="ignore"):
        ratio = np.where(ankles > 0.03 * ctx.body_height, spread(s, "knee") / ankles, np.nan)
    b = _bottom(ctx)
    x = _at(ratio, b, ctx.s(0.07))
    ev = (f"at the bottom your knees were {_fmt(abs(x) * 100)} % of your feet's width apart "
          f"({'inside' if x < 1 else 'over or outside'} your feet)")
    descended = thigh_angle_deg(s) < 45.0
    return Measurement(x, ev, ratio, descended, lambda v: f"knees {_fmt(v * 100)} % of feet width")


def measure_forward_lean(ctx: RepContext) -> Measurement:
    """Bottom: trunk angle from vertical."""
    trunk = ctx.angles["trunk_lean"]
    b = _bottom(ctx)
    x = _at(trunk, b, 1)
    return Measurement(x, f"at the bottom your chest leaned {_fmt(x)}° forward from upright", trunk,
                       ctx.frames(ctx.rep.start, ctx.rep.end), lambda v: f"chest {_fmt(v)}° from upright")


# --- bench --------------------------------------------------------------------------------

def measure_press_lockout(ctx: RepContext) -> Measurement:
    """Top: how far the straighter arm stays short of straight at its best moment near the top.

    A straight arm projects to a straight line from any camera, so the best 2-D elbow angle near the
    top is ~180° for locked arms whatever the view (the arm is foreshortened, not bent)."""
    a = ctx.angles
    ends = [ctx.rep.start, ctx.rep.end] if not ctx.concentric_first else [ctx.rep.turn]
    w = np.zeros(ctx.n, dtype=bool)
    for e in ends:
        w |= ctx.frames(e - ctx.s(TOP_WINDOW_S), e + ctx.s(TOP_WINDOW_S))
    best = np.fmax(a["left_elbow"], a["right_elbow"])
    top = _nanpct(best[w], 90)
    x = 180.0 - top
    return Measurement(x, f"at the top your arms straightened to {_fmt(top)}° ({_fmt(max(x, 0))}° short of "
                          "straight)", 180.0 - best, w, lambda v: f"arms {_fmt(max(v, 0))}° short of straight")


def measure_asymmetry(ctx: RepContext) -> Measurement:
    """Whole rep: left/right wrist height difference (shoulder widths)."""
    s = ctx.series
    width = _nanmed(np.hypot(*(_xy(s, "left_shoulder") - _xy(s, "right_shoulder")).T))
    wrist_dy = (_xy(s, "left_wrist")[:, 1] - _xy(s, "right_wrist")[:, 1]) / width
    x = _nanmed(np.abs(wrist_dy[ctx.span]))
    lower = "left" if _nanmed(wrist_dy[ctx.span]) > 0 else "right"
    return Measurement(x, f"your {lower} hand was lower by {_fmt(x * 100)} % of your shoulder width on average",
                       np.abs(wrist_dy), ctx.frames(ctx.rep.start, ctx.rep.end),
                       lambda v: f"hands {_fmt(v * 100)} % of shoulder width apart in height")


# --- the table ----------------------------------------------------------------------------

SIDEISH = ("side", "oblique")
ANY_VIEW = ("side", "oblique", "front")
_REFIT = "; prior only, refitted on labelled real clips of other lifters (core.judgment.calibration)"

FAULT_TABLE: tuple[FaultRow, ...] = (
    # deadlift: set-up
    FaultRow("hips_too_low", "Hips too low at the start", ("deadlift",), "set-up", SIDEISH, ("hip", "knee"),
             Threshold(25.0, 5.0, "deg thigh above horizontal",
                       "conventional pulls start with the hips between knees and shoulders (Rippetoe, Starting "
                       "Strength 3rd ed.); a thigh near horizontal is a squat start" + _REFIT),
             measure_hips_too_low, "Set your hips higher: shins touch the bar, shoulders just in front of it.",
             styles_excluded=("sumo",)),
    FaultRow("rounded_upper_back", "Rounded upper back at the start", ("deadlift",), "set-up", SIDEISH,
             ("shoulder", "hip", "ear"),
             Threshold(0.0, 0.2, "torso lengths head below the back line",
                       "neutral head continues the back line (0); S0's head-drop cue" + _REFIT),
             measure_rounded_upper_back, "Chest up and shoulders back before you pull; keep your neck in line "
             "with your back."),
    # deadlift: off the floor
    FaultRow("early_hip_rise", "Hips rise first", ("deadlift",), "off the floor", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(4.0, 14.0, "deg the back angle tips forward (or 0.7 x the knees' lead over the hips) in the "
                       "first 40 % of the pull",
                       "a good pull keeps the back angle constant off the floor (Rippetoe, Starting Strength "
                       "3rd ed.)" + _REFIT),
             measure_early_hip_rise, "Push the floor away and lift your chest and hips together."),
    FaultRow("rounded_lower_back", "Rounded lower back", ("deadlift",), "off the floor and lowering", SIDEISH,
             ("shoulder", "hip"),
             Threshold(0.10, 0.22, "fraction the shoulder-hip distance shortens vs standing",
                       "flat-backed pulls show up to ~12 % from pelvis tilt" + _REFIT),
             measure_rounded_lower_back, "Brace your core and pull your lats down before the bar leaves the "
             "floor; keep your back flat all the way up and down."),
    FaultRow("bar_away_from_body", "Bar drifts away from the legs", ("deadlift",), "off the floor", SIDEISH,
             ("wrist",),
             Threshold(4.0, 10.0, "cm horizontal bar drift",
                       "the bar should travel in a near-vertical line over mid-foot, touching the legs "
                       "(Rippetoe, Starting Strength 3rd ed.); prior only"),
             measure_bar_away, "Keep the bar touching your shins and thighs all the way up."),
    FaultRow("bent_arms", "Arms bent while pulling", ("deadlift",), "off the floor", SIDEISH,
             ("shoulder", "elbow", "wrist"),
             Threshold(15.0, 35.0, "deg elbow bend while pulling",
                       "arms hang straight as hooks in a deadlift (Rippetoe); 2-D angle noise ~10°" + _REFIT),
             measure_bent_arms, "Keep your arms straight like hooks; pull with your legs and hips, not your arms."),
    FaultRow("heel_rise", "Heels come up", ("deadlift", "squat"), "whole rep", ANY_VIEW, ("knee", "ankle"),
             Threshold(0.03, 0.11, "shin lengths the ankle rises",
                       "a 2-3 cm heel lift on a ~40 cm shin is ~0.06; ankle jitter ~0.02" + _REFIT),
             measure_heel_rise, "Keep your whole foot on the floor, with your weight over mid-foot."),
    # deadlift: lockout
    FaultRow("hips_not_locked", "Hips not locked out at the top", ("deadlift",), "lockout", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(10.0, 25.0, "deg the hips stay short of straight at the top",
                       "lockout = hips and knees extended (IPF technical rules)" + _REFIT),
             measure_hips_not_locked, "Finish tall: squeeze your glutes until your hips are straight."),
    FaultRow("lockout_overextension", "Leaning back at the top", ("deadlift",), "lockout", SIDEISH,
             ("shoulder", "hip", "knee"),
             Threshold(5.0, 15.0, "deg behind vertical at lockout",
                       "the IPF asks only for an upright finish; keypoint noise gives up to ~8°" + _REFIT),
             measure_leaning_back, "Stand tall at the top and stop there; don't lean back behind the bar."),
    # squat
    FaultRow("insufficient_depth", "Not deep enough", ("squat",), "bottom", ANY_VIEW, ("hip", "knee"),
             Threshold(-5.0, 15.0, "deg thigh above parallel at the bottom",
                       "IPF depth: hip crease below the knee top" + _REFIT),
             measure_depth, "Sit down until your hip crease drops below the top of your knee."),
    FaultRow("knee_cave", "Knees cave in", ("squat",), "bottom", ("front", "oblique"), ("knee", "ankle"),
             Threshold(1.0, 0.7, "knee spread / ankle spread at the bottom",
                       "knees should track over the feet (Myer et al. 2014)" + _REFIT),
             measure_knee_cave, "Push your knees out over your toes on the way up.", both_sides=True,
             needs_body_height=True),
    FaultRow("forward_lean", "Too much forward lean", ("squat",), "bottom", SIDEISH, ("shoulder", "hip"),
             Threshold(40.0, 60.0, "deg trunk from vertical at the bottom",
                       "back squats run ~30-50° (Glassbrook et al. 2017)" + _REFIT),
             measure_forward_lean, "Keep your chest up and drive your upper back into the bar."),
    # bench
    FaultRow("incomplete_lockout", "Arms not locked at the top", ("bench",), "top", ANY_VIEW,
             ("shoulder", "elbow", "wrist"),
             Threshold(10.0, 30.0, "deg the straighter arm stays short of straight at the top",
                       "IPF: arms locked at the finish; a straight arm projects straight from any view" + _REFIT),
             measure_press_lockout, "Finish every rep: press until your elbows are straight."),
    FaultRow("asymmetry", "One side lower than the other", ("bench",), "whole rep", ("front",),
             ("shoulder", "elbow", "wrist"),
             Threshold(0.06, 0.25, "shoulder widths between the hands' heights",
                       "a level bar; prior only (no labelled uneven press in the real data)"),
             measure_asymmetry, "Press evenly with both arms and keep the bar level.", both_sides=True),
    # whole set
    FaultRow("stance_width", "Stance width", ("deadlift", "squat"), "whole set", ("front", "oblique"),
             ("shoulder", "ankle"),
             Threshold(0.0, STANCE_RAMP, "shoulder widths outside the neutral band for the lift and style",
                       "NSCA Essentials 4th ed. ch. 15; sumo is wide by design; prior only"),
             None, "Set your feet for the lift: about hip width for a conventional pull, shoulder width or a "
             "little wider for a squat.", both_sides=True, per_rep=False),
    FaultRow("lateral_lean", "Leaning to one side", ("deadlift", "squat"), "whole set", ("front",),
             ("shoulder",),
             Threshold(2.0, 8.0, "deg shoulder-line tilt", "S2 lateral-lean score; prior only"),
             None, "Keep your shoulders level and stay centred over your feet.", both_sides=True, per_rep=False),
)
ROWS: dict[str, FaultRow] = {r.name: r for r in FAULT_TABLE}
# Stance: ankle spread / shoulder width, neutral band by lift and style (NSCA Essentials 4th ed. ch. 15;
# sumo is set wide by design, ~1.5-3x shoulder width).
STANCE_NEUTRAL: dict[tuple[str, str | None], tuple[float, float]] = {
    ("deadlift", None): (0.45, 1.25), ("deadlift", "sumo"): (1.2, 3.5), ("deadlift", "trap bar"): (0.45, 1.4),
    ("squat", None): (0.8, 1.7),
}


def faults_for(lift: str | None, style: str | None = None, per_rep: bool = True) -> tuple[FaultRow, ...]:
    """The table rows that apply to a lift (and deadlift style)."""
    return tuple(r for r in FAULT_TABLE if lift in r.lifts and r.per_rep == per_rep
                 and (style is None or style not in r.styles_excluded))


def title_of(name: str) -> str:
    row = ROWS.get(name)
    return row.title if row else name.replace("_", " ").capitalize()


def curve_of(name: str, params: dict | None = None) -> tuple[float, float]:
    """(c, k) of a row's calibration curve: fitted in ``params`` (default: the shipped file), else its prior."""
    t = ROWS[name].threshold
    return curve(name, t.ok, t.bad, params)


def verdict_fields(name: str, x: float | None, params: dict | None = None) -> dict:
    """verdict / p / confidence for a measurement (the one path the pipeline, live and the evaluation use)."""
    if x is None or not np.isfinite(x):
        return {"verdict": "cannot_judge", "p": None, "confidence": None}
    p = probability(curve_of(name, params), float(x))
    v = "fault" if p >= P_FAULT else "fine" if p <= P_FINE else "not_sure"
    if confirmed(name, params) is False:  # the labelled clips say this cue does not tell good from bad
        v = "not_sure"
    words = ("not sure" if v == "not_sure" else
             "clear" if (p >= P_CLEAR_FAULT or p <= P_CLEAR_FINE) else "likely")
    return {"verdict": v, "p": p, "confidence": words}


def confirmed(name: str, params: dict | None = None) -> bool | None:
    """Whether the labelled real clips confirmed a row's cue (None: no labelled data, the prior speaks)."""
    row = (shipped() if params is None else params).get(name)
    return None if row is None else row.get("confirmed")


def ramp(x: float | np.ndarray, ok: float, bad: float) -> np.ndarray:
    """0 at ``ok``, 1 at ``bad`` (either direction), linear between, clipped; NaN stays NaN."""
    return np.clip((np.asarray(x, dtype=np.float64) - ok) / (bad - ok), 0.0, 1.0)


def not_judgeable(name: str, why: str) -> Fault:
    row = ROWS.get(name)
    return Fault(name, 0.0, False, why, judgeable=False, verdict="cannot_judge", p=None, confidence=None,
                 phase=row.phase if row else None, title=title_of(name))


def judged(name: str, x: float, evidence: str, label: str | None = None, params: dict | None = None,
           source: str = "rule") -> Fault:
    """A judged fault from a measurement: prior ramp score, calibrated p, verdict and words."""
    row = ROWS[name]
    vf = verdict_fields(name, x, params)
    if vf["verdict"] == "cannot_judge":
        return not_judgeable(name, evidence if evidence.startswith("can't") else f"can't judge: {evidence}")
    score = float(np.nan_to_num(ramp(x, row.threshold.ok, row.threshold.bad)))
    return Fault(name, round(score, 3), vf["verdict"] == "fault", evidence, True, source, label,
                 vf["verdict"], vf["p"], vf["confidence"], row.phase, row.title, float(x))


# --- judging ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleResult:
    """A fault plus its per-frame probabilities over the rep (for the good/bad strip).

    ``frame_score``: (end - start + 1,) in [0, 1] or NaN where the rule says nothing;
    ``frame_reason(i)`` explains sample ``start + i`` in words.
    """

    fault: Fault
    start: int
    frame_score: np.ndarray
    frame_reason: Callable[[int], str]


def gate(name: str, series: KeypointSeries, view: ViewEstimate, sl: slice) -> Fault | None:
    """A not-judgeable Fault when the view cannot show ``name`` or its joints are poorly seen, else None."""
    row = ROWS[name]
    if view.label not in row.views:
        return not_judgeable(name, f"can't judge this from this angle: the camera looks {view.label}-on, "
                                   f"and this needs a {' or '.join(row.views)} view")
    for base in row.needs:
        c = seen(series, base, sl, both=row.both_sides)
        if c < MIN_CONFIDENCE:
            return not_judgeable(name, f"can't judge: your {base}s are hard to see in this clip")
    return None


def _rule(row: FaultRow, ctx: RepContext, params: dict | None) -> RuleResult | Fault:
    m = row.measure(ctx)
    f = judged(row.name, m.value, m.evidence, params=params)
    if not f.judgeable:
        return f
    if m.frames is None:
        frame = np.full(ctx.rep.end - ctx.rep.start + 1, np.nan)
    else:
        p = probabilities(curve_of(row.name, params), np.asarray(m.frames, dtype=np.float64))
        if m.mask is not None:
            p = np.where(m.mask, p, np.nan)
        frame = p[ctx.span].copy()
    text = m.frame_text or (lambda v: "")
    values = m.frames
    return RuleResult(f, ctx.rep.start, frame,
                      lambda i: f"{row.title.lower()}? {text(float(values[ctx.rep.start + i]))}"
                      if values is not None else row.title.lower())


def judge_rep_detailed(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep,
                       view: ViewEstimate, concentric_first: bool, style: str | None = None,
                       metrics: dict | None = None, params: dict | None = None) -> list[RuleResult | Fault]:
    """Every row of ``lift`` (and style) on one rep: a RuleResult when judged, a not-judgeable Fault otherwise.

    ``params``: calibration parameters (default: the committed ``models/fault_calibration.json``)."""
    rows = faults_for(lift, style)
    height = body_height_px(series)
    ctx = RepContext(series, angles, rep, facing(series), height, concentric_first, metrics, style)
    out: list[RuleResult | Fault] = []
    for row in rows:
        blocked = gate(row.name, series, view, ctx.span)
        if blocked is None and row.needs_body_height and not np.isfinite(height):
            blocked = not_judgeable(row.name, "can't judge: the lifter's body size could not be measured")
        if blocked is None:
            try:
                blocked = _rule(row, ctx, params)
            except (ValueError, IndexError) as err:  # a degenerate rep must not stop the other rules
                logger.debug("rule %s failed: %s", row.name, err)
                blocked = not_judgeable(row.name, "can't judge: this rep could not be measured")
        out.append(blocked)
    return out


def as_fault(item: RuleResult | Fault) -> Fault:
    return item.fault if isinstance(item, RuleResult) else item


def judge_rep(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep, view: ViewEstimate,
              concentric_first: bool, style: str | None = None, metrics: dict | None = None) -> tuple[Fault, ...]:
    """The faults of one rep (see :func:`judge_rep_detailed`)."""
    return tuple(as_fault(x) for x in judge_rep_detailed(lift, series, angles, rep, view, concentric_first,
                                                          style, metrics))


# --- whole-set judgments: stance and lateral lean, against the lift and style done ------------

def _set_frames(series: KeypointSeries, reps: list[Rep]) -> slice | np.ndarray:
    if not reps:
        return slice(0, series.n_frames)
    m = np.zeros(series.n_frames, dtype=bool)
    for r in reps:
        m[r.start:r.end + 1] = True
    return m


def stance_width(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep],
                 style: str | None = None, params: dict | None = None) -> Fault | None:
    """Ankle spread over shoulder width against the band for this lift and style; None for a bench press
    or an unknown lift (no stance verdict there)."""
    if lift not in ROWS["stance_width"].lifts:
        return None
    blocked = gate("stance_width", series, view, slice(0, series.n_frames))
    if blocked is not None:
        return blocked
    with np.errstate(all="ignore"):
        ratio = spread(series, "ankle") / spread(series, "shoulder")
    r = _nanmed(ratio[_set_frames(series, reps)])
    if not np.isfinite(r):
        return not_judgeable("stance_width", "can't judge: your feet and shoulders were not seen together")
    lo, hi = STANCE_NEUTRAL.get((lift, style), STANCE_NEUTRAL[(lift, None)])
    label = "narrow" if r < lo else "wide" if r > hi else "neutral"
    outside = lo - r if r < lo else r - hi if r > hi else 0.0
    what = f"{style} {lift}" if style and lift == "deadlift" else lift
    evidence = (f"your feet were {_fmt(r, 1)}× your shoulder width apart (usual for a {what}: "
                f"{_fmt(lo, 1)}-{_fmt(hi, 1)}×)")
    return judged("stance_width", outside, evidence, label, params)


def lateral_lean(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep],
                 params: dict | None = None) -> Fault | None:
    """Shoulder-line tilt from horizontal; None for a bench press (lying down, no sideways lean)."""
    if lift not in ROWS["lateral_lean"].lifts:
        return None
    blocked = gate("lateral_lean", series, view, slice(0, series.n_frames))
    if blocked is not None:
        return blocked
    d = _xy(series, "left_shoulder") - _xy(series, "right_shoulder")
    with np.errstate(all="ignore"):
        tilt = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))  # + = left shoulder lower (image y grows down)
    t = _nanmed(tilt[_set_frames(series, reps)])
    if not np.isfinite(t):
        return not_judgeable("lateral_lean", "can't judge: both shoulders were not seen together")
    label = "neutral" if abs(t) < TILT_NEUTRAL_DEG else ("left" if t > 0 else "right")
    evidence = f"your shoulders tilted {_fmt(abs(t), 1)}° with the {'left' if t > 0 else 'right'} one lower"
    return judged("lateral_lean", abs(t), evidence, label, params)


def judge_set(lift: str | None, series: KeypointSeries, angles: AngleSeries, reps: list[Rep],
              view: ViewEstimate, style: str | None = None) -> list[Fault]:
    """Whole-set judgments that apply to the lift and style done (none for a bench press)."""
    return [f for f in (stance_width(lift, series, view, reps, style), lateral_lean(lift, series, view, reps))
            if f is not None]


# --- per-frame good/bad from the verdicts --------------------------------------------------

def frame_scores(series: KeypointSeries, reps: list[Rep], details: list[list[RuleResult | Fault]]) -> dict:
    """Per-sample P(bad form): the worst calibrated rule probability at each sample.

    Only faults whose rep verdict is "fault" or "fine" speak (a "not sure" verdict colours nothing).
    None where nothing was judged: outside reps, poorly seen samples, or reps whose faults the view
    cannot show. ``reason`` says which fault and what was measured, in words.
    """
    n = series.n_frames
    p_bad: list[float | None] = [None] * n
    reason = ["not in a rep"] * n
    best = series.conf[:, KEY_JOINTS].reshape(n, 4, 2).max(axis=2)  # better side per joint pair
    frame_seen = np.nan_to_num(best).mean(axis=1) >= MIN_CONFIDENCE
    for rep, items in zip(reps, details, strict=True):
        results = [x for x in items if isinstance(x, RuleResult) and x.fault.verdict in ("fault", "fine")]
        for t in range(rep.start, rep.end + 1):
            p_bad[t], reason[t] = _one_frame(t, results, bool(frame_seen[t]), items)
    return {"p_bad": p_bad, "reason": reason, "source": "rule"}


def _one_frame(t: int, results: list[RuleResult], visible: bool,
               items: list[RuleResult | Fault]) -> tuple[float | None, str]:
    if not visible:
        return None, "lifter poorly seen in this frame"
    scored = [(float(r.frame_score[t - r.start]), r) for r in results
              if 0 <= t - r.start < r.frame_score.size and np.isfinite(r.frame_score[t - r.start])]
    if not scored:
        why = next((as_fault(x).evidence for x in items if not as_fault(x).judgeable), "")
        return (None, why) if not results else (0.0, "nothing to judge at this moment of the rep: looks fine")
    score, worst = max(scored, key=lambda p: p[0])
    text = worst.frame_reason(t - worst.start)
    return round(score, 3), (text if score >= P_FAULT else f"looks fine ({text})")
