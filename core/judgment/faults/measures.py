"""Per-rep measurements of the fault table's rules: what each rule reads on one rep, in the unit of its threshold.

:class:`RepContext` holds what every rule reads (whole-clip arrays, the rep, facing, body height); each
``measure_*`` returns a :class:`Measurement` (the rep's value, evidence in plain words, per-sample values and the
samples they count over). Rows of :data:`core.judgment.faults.table.FAULT_TABLE` name these functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.judgment.faults.geometry import (
    head_drop,
    lean_back_deg,
    median_at,
    nanmed,
    nanpct,
    rolling_median,
    spread,
    thigh_angle_deg,
    torso_chord_shortening,
    xy,
)
from core.skeleton import KP
from core.types import AngleSeries, KeypointSeries, Rep

KNEE_LEAD_WEIGHT = 0.7  # deg of back-angle tip per deg the knees straighten ahead of the hips (14/20: the
# old rules' two bad values, Rippetoe's constant back angle and S0's early hip elevation)
OFF_FLOOR_SHARE = 0.4  # share of the lifting phase that counts as "off the floor" (a phase boundary, not a window)
TOP_WINDOW_S = 0.3  # s either side of a rep's top (lockout) or bottom that counts as "at" that moment
SETUP_WINDOW_S = 0.3  # s before and after the pull starts that count as the set-up position


@dataclass(frozen=True)
class Measurement:
    """One rep's reading of a rule: ``value`` in the row's unit (NaN = could not be measured),
    ``evidence`` in plain words, per-sample ``frames`` (whole clip, same unit) inside ``mask``."""

    value: float
    evidence: str
    frames: np.ndarray | None = None
    mask: np.ndarray | None = None
    frame_text: Callable[[float], str] | None = None


def fmt(x: float, nd: int = 0) -> str:
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


def _window(a: int, b: int, n: int) -> slice:
    return slice(max(0, a), min(n, b + 1))


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
    x = median_at(th, c0, ctx.s(0.1))
    ev = (f"as the bar left the floor your hips were {_below_above(x)} knee height "
          f"(thigh {fmt(abs(x))}° {'above' if x >= 0 else 'below'} horizontal)")
    return Measurement(x, ev, th, ctx.frames(c0 - ctx.s(SETUP_WINDOW_S), c0 + ctx.s(SETUP_WINDOW_S)),
                       lambda v: f"thigh {fmt(v)}° above horizontal")


def measure_rounded_upper_back(ctx: RepContext) -> Measurement:
    """Set-up: the head dropped toward the chest from the hip-shoulder line (torso lengths)."""
    drop = head_drop(ctx.series, ctx.face)
    c0 = ctx.pull_start()
    w = ctx.frames(c0 - ctx.s(SETUP_WINDOW_S), c0 + ctx.s(SETUP_WINDOW_S))
    x = nanmed(drop[w])
    ev = (f"at the set-up your head sat {fmt(abs(x) * 100)} % of a torso length "
          f"{'below' if x >= 0 else 'above'} the line of your back")
    return Measurement(x, ev, drop, w, lambda v: f"head {fmt(abs(v) * 100)} % of a torso "
                                                 f"{'below' if v >= 0 else 'above'} the back line")


def measure_early_hip_rise(ctx: RepContext) -> Measurement:
    """Off the floor: the back angle tipping forward, or the knees straightening ahead of the hips
    (deg; the larger of the two, the knee lead scaled by KNEE_LEAD_WEIGHT)."""
    a = ctx.angles
    trunk, knee, hip = a["trunk_lean"], a["knee"], a["hip"]
    c0, c1 = ctx.concentric()
    w1 = c0 + max(ctx.s(0.1), int(round(OFF_FLOOR_SHARE * (c1 - c0))))
    tipping = trunk - median_at(trunk, c0, 1)
    lead = KNEE_LEAD_WEIGHT * ((knee - median_at(knee, c0, 1)) - (hip - median_at(hip, c0, 1)))
    d_trunk, d_lead = median_at(tipping, w1, 1), median_at(lead, w1, 1)
    x = float(np.nanmax([d_trunk, d_lead])) if np.isfinite([d_trunk, d_lead]).any() else float("nan")
    if d_trunk >= d_lead or not np.isfinite(d_lead) or d_lead < 4.0:
        ev = (f"early in the pull your back angle tipped {fmt(abs(d_trunk))}° "
              f"{'further forward' if d_trunk >= 0 else 'more upright'}: "
              f"{'your hips rose before your chest' if d_trunk >= 2 else 'your chest and hips rose together'}")
    else:
        ev = (f"early in the pull your knees straightened {fmt(d_lead / KNEE_LEAD_WEIGHT)}° more than your hips "
              "opened: your hips rose before your chest")
    frames = np.fmax(tipping, lead)
    return Measurement(x, ev, frames, ctx.frames(c0, w1),
                       lambda v: f"hips {fmt(max(v, 0))}° ahead of the chest since the floor")


def measure_rounded_lower_back(ctx: RepContext) -> Measurement:
    """Off the floor and lowering: the shoulder-hip distance shortening vs standing (yaw corrected)."""
    shortening, yaw = torso_chord_shortening(ctx.series)
    w = ctx.frames(ctx.rep.start, ctx.rep.end)
    x = nanpct(shortening[w], 80)
    ev = (f"while the bar was low your shoulders came {fmt(abs(x) * 100)} % "
          f"{'closer to' if x >= 0 else 'further from'} your hips than when standing "
          "(a rounding back shortens that distance)")
    return Measurement(x, ev, shortening, w, lambda v: f"shoulder-hip distance {fmt(abs(v) * 100)} % "
                                                       f"{'shorter' if v >= 0 else 'longer'} than standing")


def measure_bar_away(ctx: RepContext) -> Measurement:
    """Off the floor: the bar's horizontal drift (cm) from the bar tracker's rep metrics."""
    m = ctx.metrics or {}
    drift = m.get("bar_drift_cm")
    if not isinstance(drift, int | float) or not math.isfinite(drift):
        return Measurement(float("nan"), "can't judge: the bar was not tracked in this clip")
    x = abs(float(drift))
    return Measurement(x, f"the bar drifted {fmt(x)} cm forward and back during the rep (close to the legs is "
                          "under 5 cm)")


def measure_hips_not_locked(ctx: RepContext) -> Measurement:
    """Lockout: how far the hips stayed short of straight (180° minus the best hip angle at the top)."""
    hip = ctx.angles["hip"]
    top = ctx.top()
    w = ctx.frames(top - ctx.s(TOP_WINDOW_S), top + ctx.s(TOP_WINDOW_S))
    best = nanpct(hip[w], 90)
    x = 180.0 - best
    ev = f"at the top your hips opened to {fmt(best)}° ({fmt(max(x, 0))}° short of standing straight)"
    return Measurement(x, ev, 180.0 - hip, w, lambda v: f"hips {fmt(max(v, 0))}° short of straight")


def measure_leaning_back(ctx: RepContext) -> Measurement:
    """Lockout: torso lean behind vertical (shoulders behind the hips and bar)."""
    if ctx.face == 0:
        return Measurement(float("nan"), "can't judge: the way the lifter faces is unclear")
    lean = lean_back_deg(ctx.series, ctx.face)
    top = ctx.top()
    x = median_at(lean, top, ctx.s(0.07))
    ev = f"at the top you finished {fmt(abs(x))}° {'behind' if x >= 0 else 'in front of'} vertical"
    return Measurement(x, ev, lean, ctx.frames(top - ctx.s(0.1), top + ctx.s(0.1)),
                       lambda v: f"{fmt(abs(v))}° {'behind' if v >= 0 else 'in front of'} vertical")


def measure_bent_arms(ctx: RepContext) -> Measurement:
    """Off the floor: how far the elbows bend while pulling (arms should hang straight)."""
    elbow = ctx.angles["elbow"]
    c0 = ctx.pull_start()
    _, c1 = ctx.concentric()
    w = ctx.frames(c0, c1)
    x = 180.0 - nanmed(elbow[w])
    ev = f"while pulling your elbows were bent by about {fmt(max(x, 0))}° (straight arms: under 15°)"
    return Measurement(x, ev, 180.0 - elbow, w, lambda v: f"elbows bent {fmt(max(v, 0))}°")


def measure_heel_rise(ctx: RepContext) -> Measurement:
    """Heels lifting: the ankle rising above its height at the rep's start/end (shin lengths)."""
    s = ctx.series
    side = max(("left", "right"), key=lambda sd: np.nan_to_num(np.nanmean(s.conf[ctx.span, KP[f"{sd}_ankle"]])))
    ankle_y = xy(s, f"{side}_ankle")[:, 1]
    shin = nanmed(np.hypot(*(xy(s, f"{side}_knee") - xy(s, f"{side}_ankle")).T))
    k = ctx.s(0.1)
    ends = np.r_[ankle_y[ctx.rep.start:ctx.rep.start + k], ankle_y[max(ctx.rep.end - k + 1, 0):ctx.rep.end + 1]]
    rise = (nanmed(ends) - ankle_y) / shin
    x = nanpct(rolling_median(rise[ctx.span], max(3, ctx.s(0.1) | 1)), 95)
    cm = x * 40.0  # a shin is ~40 cm (Winter 2009, table 4.1: 0.246 x body height for a 1.65 m adult)
    return Measurement(x, f"your ankles rose about {fmt(max(cm, 0))} cm off their starting height",
                       rise, ctx.frames(ctx.rep.start, ctx.rep.end),
                       lambda v: f"ankle {fmt(max(v * 40, 0))} cm up")


# --- squat --------------------------------------------------------------------------------

def _bottom(ctx: RepContext) -> int:
    th = thigh_angle_deg(ctx.series)[ctx.span]
    return ctx.rep.start + int(np.nanargmin(th)) if np.isfinite(th).any() else ctx.rep.turn


def measure_depth(ctx: RepContext) -> Measurement:
    """Bottom: thigh angle above horizontal at the deepest point (0 = parallel)."""
    th = thigh_angle_deg(ctx.series)
    b = _bottom(ctx)
    x = median_at(th, b, 1)
    ev = (f"at the bottom your hips stayed {fmt(abs(x))}° {'above' if x >= 0 else 'below'} parallel "
          f"(hips {_below_above(x)} the knees)")
    return Measurement(x, ev, th, ctx.frames(b - ctx.s(0.1), b + ctx.s(0.1)),
                       lambda v: f"thigh {fmt(abs(v))}° {'above' if v >= 0 else 'below'} parallel")


def measure_knee_cave(ctx: RepContext) -> Measurement:
    """Bottom: knee spread over ankle spread (lower = knees inside the feet)."""
    s = ctx.series
    ankles = spread(s, "ankle")
    with np.errstate(all="ignore"):
        ratio = np.where(ankles > 0.03 * ctx.body_height, spread(s, "knee") / ankles, np.nan)
    b = _bottom(ctx)
    x = median_at(ratio, b, ctx.s(0.07))
    ev = (f"at the bottom your knees were {fmt(abs(x) * 100)} % of your feet's width apart "
          f"({'inside' if x < 1 else 'over or outside'} your feet)")
    descended = thigh_angle_deg(s) < 45.0
    return Measurement(x, ev, ratio, descended, lambda v: f"knees {fmt(v * 100)} % of feet width")


def measure_forward_lean(ctx: RepContext) -> Measurement:
    """Bottom: trunk angle from vertical."""
    trunk = ctx.angles["trunk_lean"]
    b = _bottom(ctx)
    x = median_at(trunk, b, 1)
    return Measurement(x, f"at the bottom your chest leaned {fmt(x)}° forward from upright", trunk,
                       ctx.frames(ctx.rep.start, ctx.rep.end), lambda v: f"chest {fmt(v)}° from upright")


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
    top = nanpct(best[w], 90)
    x = 180.0 - top
    return Measurement(x, f"at the top your arms straightened to {fmt(top)}° ({fmt(max(x, 0))}° short of "
                          "straight)", 180.0 - best, w, lambda v: f"arms {fmt(max(v, 0))}° short of straight")


def measure_asymmetry(ctx: RepContext) -> Measurement:
    """Whole rep: left/right wrist height difference (shoulder widths)."""
    s = ctx.series
    width = nanmed(np.hypot(*(xy(s, "left_shoulder") - xy(s, "right_shoulder")).T))
    wrist_dy = (xy(s, "left_wrist")[:, 1] - xy(s, "right_wrist")[:, 1]) / width
    x = nanmed(np.abs(wrist_dy[ctx.span]))
    lower = "left" if nanmed(wrist_dy[ctx.span]) > 0 else "right"
    return Measurement(x, f"your {lower} hand was lower by {fmt(x * 100)} % of your shoulder width on average",
                       np.abs(wrist_dy), ctx.frames(ctx.rep.start, ctx.rep.end),
                       lambda v: f"hands {fmt(v * 100)} % of shoulder width apart in height")
