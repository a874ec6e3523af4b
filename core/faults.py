"""Rule-based form faults per rep and per set, each with a score, evidence in numbers, and view awareness.

Why rules: they explain themselves in measured numbers and need no training
data, which is thin for squat and bench. Every rule measures one 2-D proxy
from the keypoints, maps it to a 0-1 score with a linear ramp between an
"ok" and a "bad" value (detected when the score reaches 0.5, i.e. halfway),
and says which camera views can show it. A fault the view cannot show, or a
rep where the lifter is poorly seen, is returned with ``judgeable=False``.

Every per-rep rule also gives a per-frame score over the rep, so the
per-frame good/bad strip shows *where* in the rep the fault happens.
Limits of 2-D keypoints: the spine is not a keypoint, so "rounded back" is
read from the shoulder-hip distance and the head's drop toward the chest;
COCO-17 has no heel or toe, so "heel rise" is read from the ankle rising.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.metrics import body_height_px
from core.skeleton import KP
from core.types import AngleSeries, Fault, KeypointSeries, Rep
from core.view import ViewEstimate, width_ratio

logger = logging.getLogger(__name__)

DETECT_SCORE = 0.5  # score at which a fault counts as detected (halfway up the ok->bad ramp)
MIN_CONFIDENCE = 0.35  # mean keypoint confidence below which a joint is "poorly seen" (= pipeline LOW_VISIBILITY)

LIFT_FAULTS: dict[str, tuple[str, ...]] = {
    "deadlift": ("rounded_back", "early_hip_rise", "lockout_overextension"),
    "squat": ("insufficient_depth", "knee_cave", "forward_lean", "heel_rise"),
    "bench": ("incomplete_lockout", "asymmetry"),
}
SET_FAULTS: tuple[str, ...] = ("stance_width", "lateral_lean")

# Which estimated camera views can show each fault. Sagittal-plane faults need a side
# (or oblique) view; left/right (frontal-plane) faults need a front (or oblique) view.
JUDGEABLE_VIEWS: dict[str, tuple[str, ...]] = {
    "rounded_back": ("side", "oblique"),
    "early_hip_rise": ("side", "oblique"),
    "lockout_overextension": ("side", "oblique"),
    "insufficient_depth": ("side", "oblique", "front"),  # hip vs knee height is visible from the front too
    "knee_cave": ("front", "oblique"),
    "forward_lean": ("side", "oblique"),
    "heel_rise": ("side", "oblique", "front"),
    "incomplete_lockout": ("side", "oblique"),
    "asymmetry": ("front",),  # a lying lifter seen at an angle shows depth, not height, as image y
    "stance_width": ("front", "oblique"),
    "lateral_lean": ("front",),  # from an oblique camera above/below the shoulders, perspective tilts the line
}
NEEDS_BODY_HEIGHT = {"early_hip_rise", "lockout_overextension", "knee_cave"}  # rules measuring in body heights

# Keypoints (by base name; either body side counts) each rule needs to see.
NEEDS: dict[str, tuple[str, ...]] = {
    "rounded_back": ("shoulder", "hip", "ear"),
    "early_hip_rise": ("shoulder", "hip", "knee"),
    "lockout_overextension": ("shoulder", "hip", "knee"),
    "insufficient_depth": ("hip", "knee"),
    "knee_cave": ("knee", "ankle"),
    "forward_lean": ("shoulder", "hip"),
    "heel_rise": ("knee", "ankle"),
    "incomplete_lockout": ("shoulder", "elbow", "wrist"),
    "asymmetry": ("shoulder", "elbow", "wrist"),
    "stance_width": ("shoulder", "ankle"),
    "lateral_lean": ("shoulder",),
}
BOTH_SIDES = {"knee_cave", "asymmetry", "stance_width", "lateral_lean"}  # need left AND right seen

# --- thresholds: (ok value, bad value); the score ramps linearly between them -------------
ROUNDED_CHORD = (0.10, 0.22)  # shoulder-hip distance shortening vs standing, fraction. Flat-backed pulls on our
# real clips (jeffchen_good, mattiolato_good_*) already show 12-14 % (the hip keypoint slides as the pelvis
# tilts), so only more than that counts; set by hand on those clips (not a held-out calibration)
# An oblique camera foreshortens the torso's forward (depth-ward) component as the lifter hinges, which
# reads as "shorter" without any rounding (at 45 deg yaw and a 70 deg hinge: 25 % shorter). The chord is
# corrected with the yaw read from the width ratio (core.view) while the lifter stands upright: 0 deg at
# YAW_SIDE_RATIO, 90 deg at YAW_FRONT_RATIO. Measured on the real clips (upright frames): side views
# 0.05-0.09 (jeffchen_good, mattiolato_good_01, bichraix_bad007), front views 0.46-0.51
# (kantesh_deadlift_front, bichraix_good005/006/010), the "angled" clips 0.36-0.37 (-> ~44 deg). Capped at
# YAW_MAX_DEG, where the correction stops being trustworthy (beyond it the view reads as front anyway).
YAW_SIDE_RATIO = 0.05
YAW_FRONT_RATIO = 0.50
YAW_MAX_DEG = 60.0
ROUNDED_HEAD = (0.08, 0.25)  # ear offset toward the chest side of the hip->shoulder line, torso lengths
# (0 = ear on the line = neutral head; looking up is negative). The head-drop cue S0's LSTM relied on
# (seeds.md S0); jeffchen_bad (visibly rounded) reaches ~0.2, jeffchen_good stays below 0
EARLY_HIP_TRUNK = (4.0, 14.0)  # deg the trunk tips further forward in the first 40 % of the pull; a good
# pull keeps the back angle constant off the floor (Rippetoe, Starting Strength 3rd ed., deadlift ch.)
EARLY_KNEE_LEAD = (0.0, 20.0)  # deg the knees extend *more* than the hips open in that window: the hips
# rise while the chest stays down (S0's "early hip elevation"); jeffchen_rdl (stiff-legged pull) shows +14
EARLY_WINDOW = 0.4  # fraction of the concentric time that counts as "off the floor"
LEAN_BACK = (5.0, 15.0)  # deg the torso leans back past vertical at lockout; the IPF asks only for an
# upright finish. Keypoint noise and a normal finish give up to ~8 deg on our real side-view clips, so
# detection starts at 10 deg
DEPTH_THIGH = (-5.0, 15.0)  # thigh angle above horizontal at the bottom, deg; 0 = hip joint at knee height
# (parallel; IPF depth needs the hip crease below the knee top, slightly deeper than this)
KNEE_CAVE_RATIO = (1.0, 0.7)  # knee spread / ankle spread at the bottom; knees should track over the
# feet (ratio >= 1); valgus pulls them inside (Myer et al. 2014, frontal-plane knee-to-ankle separation)
FORWARD_LEAN = (40.0, 60.0)  # trunk from vertical at the bottom, deg; back squats run ~30-50 deg
# (Glassbrook et al. 2017, J Strength Cond Res 31(9), squat kinematics review)
HEEL_RISE = (0.03, 0.11)  # ankle rise vs standing, shin lengths; a 2-3 cm heel lift on a ~40 cm shin is
# ~0.06; pose jitter of the ankle is ~0.02 shin lengths on our real clips
LOCKOUT_ELBOW = (170.0, 145.0)  # elbow angle at the top of a press, deg; 180 = straight (IPF: arms locked)
ASYM_WRIST = (0.06, 0.25)  # left/right wrist height difference, shoulder widths (a tilted bar)
ASYM_ELBOW = (8.0, 25.0)  # left/right elbow angle difference, deg
LEAN_TILT = (2.0, 8.0)  # shoulder-line tilt from horizontal, deg (S2 lateral-lean score)
TILT_NEUTRAL_DEG = 3.0  # |tilt| below this is labelled "neutral"
# Stance: ankle spread / shoulder width (COCO shoulder keypoints ~ biacromial width). Neutral bands by lift:
# conventional deadlift about hip width, squat about shoulder width or a little wider (NSCA Essentials of
# Strength Training, 4th ed., ch. 15). Outside the band the score ramps to 1 over STANCE_RAMP.
STANCE_NEUTRAL: dict[str | None, tuple[float, float]] = {
    "deadlift": (0.45, 1.25), "squat": (0.8, 1.7), "bench": (0.6, 2.2), None: (0.6, 1.8)}
STANCE_RAMP = 0.4  # shoulder widths beyond the band where the score reaches 1


@dataclass(frozen=True)
class RuleResult:
    """A fault plus its per-frame scores over the rep (for the good/bad strip).

    ``frame_score``: (end - start + 1,) in [0, 1] or NaN where the rule says
    nothing; ``frame_reason(i)`` explains sample ``start + i`` in words.
    """

    fault: Fault
    start: int
    frame_score: np.ndarray
    frame_reason: Callable[[int], str]


def ramp(x: float | np.ndarray, ok: float, bad: float) -> np.ndarray:
    """0 at ``ok``, 1 at ``bad`` (either direction), linear between, clipped; NaN stays NaN."""
    return np.clip((np.asarray(x, dtype=np.float64) - ok) / (bad - ok), 0.0, 1.0)


def not_judgeable(name: str, why: str) -> Fault:
    return Fault(name, 0.0, False, why, judgeable=False)


def judged(name: str, score: float, evidence: str, label: str | None = None) -> Fault:
    s = float(np.nan_to_num(score))
    return Fault(name, round(s, 3), s >= DETECT_SCORE, evidence, judgeable=True, label=label)


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


# --- per-rep rules ------------------------------------------------------------------------

@dataclass(frozen=True)
class RepContext:
    """What every per-rep rule reads; arrays are whole-clip, indexed by sample."""

    series: KeypointSeries
    angles: AngleSeries
    rep: Rep
    face: int  # +1 lifter faces image right, -1 left, 0 unknown
    body_height: float  # pixels
    concentric_first: bool

    @property
    def span(self) -> slice:
        return slice(self.rep.start, self.rep.end + 1)

    @property
    def n(self) -> int:
        return self.series.n_frames

    def concentric(self) -> tuple[int, int]:
        r = self.rep
        return (r.start, r.turn) if self.concentric_first else (r.turn, r.end)

    def over_rep(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Per-frame scores over the rep; NaN outside ``mask`` (whole-clip boolean)."""
        out = np.asarray(values, dtype=np.float64)[self.span].copy()
        if mask is not None:
            out[~mask[self.span]] = np.nan
        return out

    def frames(self, a: int, b: int) -> np.ndarray:
        m = np.zeros(self.n, dtype=bool)
        m[_window(a, b, self.n)] = True
        return m


def rule_rounded_back(ctx: RepContext) -> RuleResult:
    """Back rounding from two 2-D proxies: the shoulder-hip distance shortening and the head dropping."""
    s = ctx.series
    c0, c1 = ctx.concentric()
    shortening, yaw = torso_chord_shortening(s)
    drop = head_drop(s, ctx.face)
    score_frames = np.fmax(ramp(shortening, *ROUNDED_CHORD), ramp(drop, *ROUNDED_HEAD))
    pull = ctx.frames(c0, c1)
    short_p = _nanpct(shortening[pull], 80)
    drop_p = _nanpct(drop[pull], 80)
    score = np.nanmax([ramp(short_p, *ROUNDED_CHORD), ramp(drop_p, *ROUNDED_HEAD), 0.0])
    head_txt = (f"the ear sat {drop_p:+.2f} torso lengths toward the chest from the back line"
                if np.isfinite(drop_p) else "the head was not seen")
    angle_txt = f", corrected for the camera's {yaw:.0f}° angle," if yaw >= 5 else ""
    evidence = (f"during the pull the shoulder-hip distance{angle_txt} was {short_p:.0%} shorter than standing "
                f"and {head_txt} (2-D proxies: the spine itself is not a keypoint)")
    return RuleResult(judged("rounded_back", score, evidence), ctx.rep.start, ctx.over_rep(score_frames, pull),
                      lambda i: f"rounded back? shoulder-hip distance {shortening[ctx.rep.start + i]:.0%} "
                                f"shorter, head drop {drop[ctx.rep.start + i]:.2f} torso lengths")


def rule_early_hip_rise(ctx: RepContext) -> RuleResult:
    """Hips shooting up first: the trunk tips further forward in the first part of the pull."""
    a = ctx.angles
    c0, c1 = ctx.concentric()
    hip = a["hip"]
    seg = hip[c0:c1 + 1]
    if np.isfinite(seg).any():
        c0 = c0 + int(np.nanargmin(seg))  # the pull starts at the rep's lowest hip angle
    w1 = c0 + max(2, int(round(EARLY_WINDOW * (c1 - c0))))
    trunk = a["trunk_lean"]
    d_trunk = _at(trunk, w1, 1) - _at(trunk, c0, 1)
    hip_y, sh_y = mid(ctx.series, "hip")[:, 1], mid(ctx.series, "shoulder")[:, 1]
    hip_rise = (_at(hip_y, c0, 1) - _at(hip_y, w1, 1)) / ctx.body_height
    sh_rise = (_at(sh_y, c0, 1) - _at(sh_y, w1, 1)) / ctx.body_height
    d_knee = _at(a["knee"], w1, 1) - _at(a["knee"], c0, 1)
    d_hip = _at(hip, w1, 1) - _at(hip, c0, 1)
    evidence = (f"in the first {EARLY_WINDOW:.0%} of the pull the hips rose {hip_rise:.2f} and the shoulders "
                f"{sh_rise:.2f} body heights; the trunk tipped {d_trunk:+.0f}° forward while the knees "
                f"extended {d_knee:.0f}° and the hips opened {d_hip:.0f}°")
    tipping = trunk - _at(trunk, c0, 1)
    lead = (a["knee"] - _at(a["knee"], c0, 1)) - (hip - _at(hip, c0, 1))
    score = np.nanmax([ramp(d_trunk, *EARLY_HIP_TRUNK), ramp(d_knee - d_hip, *EARLY_KNEE_LEAD), 0.0])
    frame = np.fmax(ramp(tipping, *EARLY_HIP_TRUNK), ramp(lead, *EARLY_KNEE_LEAD))
    return RuleResult(judged("early_hip_rise", float(score), evidence), ctx.rep.start,
                      ctx.over_rep(frame, ctx.frames(c0, w1)),
                      lambda i: f"early hip rise? trunk tipped {tipping[ctx.rep.start + i]:+.0f}°, knees ahead of "
                                f"hips by {lead[ctx.rep.start + i]:.0f}° since the floor")


def rule_lockout_overextension(ctx: RepContext) -> RuleResult | Fault:
    """Leaning back at the top: the hip->shoulder line past vertical, behind the hips."""
    if ctx.face == 0:
        return not_judgeable("lockout_overextension", "can't judge: the lifter's facing direction is unclear")
    lean = lean_back_deg(ctx.series, ctx.face)
    top = ctx.rep.turn if ctx.concentric_first else ctx.rep.end
    at_top = _at(lean, top, 2)
    behind = -ctx.face * (mid(ctx.series, "shoulder")[:, 0] - mid(ctx.series, "hip")[:, 0]) / ctx.body_height
    evidence = (f"at lockout the torso leaned {at_top:.0f}° {'back' if at_top >= 0 else 'forward'} from vertical "
                f"(shoulders {_at(behind, top, 2):+.2f} body heights behind the hips)")
    return RuleResult(judged("lockout_overextension", float(ramp(at_top, *LEAN_BACK)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(lean, *LEAN_BACK), ctx.frames(top - 3, top + 3)),
                      lambda i: f"lean back {lean[ctx.rep.start + i]:.0f}° past vertical")


def _bottom(ctx: RepContext) -> int:
    """Sample of the rep's deepest point (lowest thigh angle; the turn when unknown)."""
    th = thigh_angle_deg(ctx.series)[ctx.span]
    return ctx.rep.start + int(np.nanargmin(th)) if np.isfinite(th).any() else ctx.rep.turn


def rule_insufficient_depth(ctx: RepContext) -> RuleResult:
    """Squat depth: the thigh's angle above horizontal at the deepest point."""
    th = thigh_angle_deg(ctx.series)
    b = _bottom(ctx)
    deepest = _at(th, b, 1)
    where = "above" if deepest >= 0 else "below"
    evidence = (f"at the deepest point the thigh was {abs(deepest):.0f}° {where} parallel "
                f"(hip {'above' if deepest >= 0 else 'below'} the knee)")
    return RuleResult(judged("insufficient_depth", float(ramp(deepest, *DEPTH_THIGH)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(th, *DEPTH_THIGH), ctx.frames(b - 2, b + 2)),
                      lambda i: f"thigh {th[ctx.rep.start + i]:.0f}° above parallel")


def rule_knee_cave(ctx: RepContext) -> RuleResult:
    """Knee valgus from the front: knee spread over ankle spread at the bottom."""
    s = ctx.series
    ankles = spread(s, "ankle")
    with np.errstate(all="ignore"):
        ratio = np.where(ankles > 0.03 * ctx.body_height, spread(s, "knee") / ankles, np.nan)
    b = _bottom(ctx)
    at_bottom, standing = _at(ratio, b, 2), _at(ratio, ctx.rep.start, 2)
    evidence = (f"at the bottom the knees were {at_bottom:.2f}× as far apart as the ankles "
                f"({standing:.2f}× at the start of the rep)")
    descended = thigh_angle_deg(s) < 45.0  # deg; only the lower half of the squat shows valgus
    return RuleResult(judged("knee_cave", float(ramp(at_bottom, *KNEE_CAVE_RATIO)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(ratio, *KNEE_CAVE_RATIO), descended),
                      lambda i: f"knees {ratio[ctx.rep.start + i]:.2f}× ankle width")


def rule_forward_lean(ctx: RepContext) -> RuleResult:
    """Squat trunk lean from vertical at the bottom."""
    trunk = ctx.angles["trunk_lean"]
    b = _bottom(ctx)
    lean = _at(trunk, b, 1)
    limit = np.mean(FORWARD_LEAN)
    evidence = f"at the bottom the trunk was {lean:.0f}° from vertical (>{limit:.0f}° counts as excessive)"
    return RuleResult(judged("forward_lean", float(ramp(lean, *FORWARD_LEAN)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(trunk, *FORWARD_LEAN)),
                      lambda i: f"trunk {trunk[ctx.rep.start + i]:.0f}° from vertical")


def rule_heel_rise(ctx: RepContext) -> RuleResult:
    """Heels lifting, seen as the ankle keypoint rising above its standing height (no heel keypoint in COCO-17)."""
    s = ctx.series
    side = max(("left", "right"), key=lambda sd: np.nan_to_num(np.nanmean(s.conf[ctx.span, KP[f"{sd}_ankle"]])))
    ankle_y = _xy(s, f"{side}_ankle")[:, 1]
    shin = _nanmed(np.hypot(*(_xy(s, f"{side}_knee") - _xy(s, f"{side}_ankle")).T))
    ends = np.r_[ankle_y[ctx.rep.start:ctx.rep.start + 3], ankle_y[max(ctx.rep.end - 2, 0):ctx.rep.end + 1]]
    rise = (_nanmed(ends) - ankle_y) / shin  # shin lengths, + = ankle higher than at the rep's ends
    peak = _nanpct(_rolling_median(rise[ctx.span]), 95)
    evidence = f"the {side} ankle rose up to {peak:.2f} shin lengths above its height at the start/end of the rep"
    return RuleResult(judged("heel_rise", float(ramp(peak, *HEEL_RISE)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(rise, *HEEL_RISE)),
                      lambda i: f"ankle {rise[ctx.rep.start + i]:+.2f} shin lengths up")


def rule_incomplete_lockout(ctx: RepContext) -> RuleResult:
    """Bench lockout: the elbow angle at the top of the press."""
    elbow = ctx.angles["elbow"]
    top_from = ctx.rep.end - max(2, (ctx.rep.end - ctx.rep.turn) // 4)
    top = _nanpct(elbow[_window(top_from, ctx.rep.end, ctx.n)], 90)
    evidence = f"at the top of the press the elbows reached {top:.0f}° (180° = arms straight)"
    return RuleResult(judged("incomplete_lockout", float(ramp(top, *LOCKOUT_ELBOW)), evidence), ctx.rep.start,
                      ctx.over_rep(ramp(elbow, *LOCKOUT_ELBOW), ctx.frames(top_from, ctx.rep.end)),
                      lambda i: f"elbow {elbow[ctx.rep.start + i]:.0f}°")


def rule_asymmetry(ctx: RepContext) -> RuleResult:
    """Bench left/right asymmetry: wrist height difference and elbow angle difference."""
    s, a = ctx.series, ctx.angles
    width = _nanmed(np.hypot(*(_xy(s, "left_shoulder") - _xy(s, "right_shoulder")).T))
    wrist_dy = (_xy(s, "left_wrist")[:, 1] - _xy(s, "right_wrist")[:, 1]) / width  # + = left wrist lower
    elbow_d = np.abs(a["left_elbow"] - a["right_elbow"])
    dy, de = _nanmed(np.abs(wrist_dy[ctx.span])), _nanmed(elbow_d[ctx.span])
    lower = "left" if _nanmed(wrist_dy[ctx.span]) > 0 else "right"
    score = np.nanmax([ramp(dy, *ASYM_WRIST), ramp(de, *ASYM_ELBOW), 0.0])
    evidence = (f"the wrists differed in height by {dy:.2f} shoulder widths on average ({lower} lower) "
                f"and the elbow angles by {de:.0f}°")
    frame = np.fmax(ramp(np.abs(wrist_dy), *ASYM_WRIST), ramp(elbow_d, *ASYM_ELBOW))
    return RuleResult(judged("asymmetry", float(score), evidence), ctx.rep.start, ctx.over_rep(frame),
                      lambda i: f"wrist height gap {abs(wrist_dy[ctx.rep.start + i]):.2f} shoulder widths")


RULES: dict[str, Callable[[RepContext], RuleResult | Fault]] = {
    "rounded_back": rule_rounded_back, "early_hip_rise": rule_early_hip_rise,
    "lockout_overextension": rule_lockout_overextension, "insufficient_depth": rule_insufficient_depth,
    "knee_cave": rule_knee_cave, "forward_lean": rule_forward_lean, "heel_rise": rule_heel_rise,
    "incomplete_lockout": rule_incomplete_lockout, "asymmetry": rule_asymmetry,
}


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


def gate(name: str, series: KeypointSeries, view: ViewEstimate, sl: slice) -> Fault | None:
    """A not-judgeable Fault when the view cannot show ``name`` or its joints are poorly seen, else None."""
    views = JUDGEABLE_VIEWS[name]
    if view.label not in views:
        shown = "/".join(views)
        return not_judgeable(name, f"can't judge this from this angle: the camera view looks {view.label}, "
                                   f"and {name.replace('_', ' ')} needs a {shown} view")
    for base in NEEDS[name]:
        c = seen(series, base, sl, both=name in BOTH_SIDES)
        if c < MIN_CONFIDENCE:
            return not_judgeable(name, f"can't judge: the lifter's {base}s are poorly seen "
                                       f"(keypoint confidence {c:.2f} < {MIN_CONFIDENCE})")
    return None


def judge_rep_detailed(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep,
                       view: ViewEstimate, concentric_first: bool) -> list[RuleResult | Fault]:
    """Every rule of ``lift`` on one rep: a RuleResult when judged, a not-judgeable Fault otherwise."""
    names = LIFT_FAULTS.get(lift or "", ())
    height = body_height_px(series)
    ctx = RepContext(series, angles, rep, facing(series), height, concentric_first)
    out: list[RuleResult | Fault] = []
    for name in names:
        blocked = gate(name, series, view, ctx.span)
        if blocked is None and name in NEEDS_BODY_HEIGHT and not np.isfinite(height):
            blocked = not_judgeable(name, "can't judge: the lifter's body size could not be measured")
        out.append(blocked if blocked is not None else RULES[name](ctx))
    return out


def as_fault(item: RuleResult | Fault) -> Fault:
    return item.fault if isinstance(item, RuleResult) else item


def judge_rep(lift: str | None, series: KeypointSeries, angles: AngleSeries, rep: Rep, view: ViewEstimate,
              concentric_first: bool) -> tuple[Fault, ...]:
    """The faults of one rep (see :func:`judge_rep_detailed`)."""
    return tuple(as_fault(x) for x in judge_rep_detailed(lift, series, angles, rep, view, concentric_first))


# --- whole-set judgments (S2: stance and lateral lean) --------------------------------------

def _set_frames(series: KeypointSeries, reps: list[Rep]) -> slice | np.ndarray:
    """Samples the set judgments read: inside reps, or the whole clip when no rep was found."""
    if not reps:
        return slice(0, series.n_frames)
    m = np.zeros(series.n_frames, dtype=bool)
    for r in reps:
        m[r.start:r.end + 1] = True
    return m


def stance_width(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep]) -> Fault:
    """Ankle spread over shoulder width: narrow / neutral / wide for this lift, with a 0-1 score."""
    sl = slice(0, series.n_frames)
    blocked = gate("stance_width", series, view, sl)
    if blocked is not None:
        return blocked
    with np.errstate(all="ignore"):
        ratio = spread(series, "ankle") / spread(series, "shoulder")
    r = _nanmed(ratio[_set_frames(series, reps)])
    lo, hi = STANCE_NEUTRAL.get(lift, STANCE_NEUTRAL[None])
    if not np.isfinite(r):
        return not_judgeable("stance_width", "can't judge: ankles and shoulders were not seen together")
    label = "narrow" if r < lo else "wide" if r > hi else "neutral"
    score = float(ramp(lo - r, 0.0, STANCE_RAMP) if r < lo else ramp(r - hi, 0.0, STANCE_RAMP))
    evidence = f"feet {r:.2f}× shoulder width apart (neutral for a {lift or 'lift'}: {lo:.2f}-{hi:.2f}×)"
    return Fault("stance_width", round(score, 3), label != "neutral", evidence, True, "rule", label)


def lateral_lean(lift: str | None, series: KeypointSeries, view: ViewEstimate, reps: list[Rep]) -> Fault:
    """Shoulder-line tilt from horizontal: left / right / neutral, with a 0-1 score."""
    blocked = gate("lateral_lean", series, view, slice(0, series.n_frames))
    if blocked is not None:
        return blocked
    if lift == "bench":
        return not_judgeable("lateral_lean", "can't judge: lying on a bench, the shoulder line's tilt in the "
                                             "picture is not a sideways lean")
    d = _xy(series, "left_shoulder") - _xy(series, "right_shoulder")
    with np.errstate(all="ignore"):
        tilt = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))  # + = left shoulder lower (image y grows down)
    t = _nanmed(tilt[_set_frames(series, reps)])
    if not np.isfinite(t):
        return not_judgeable("lateral_lean", "can't judge: both shoulders were not seen together")
    label = "neutral" if abs(t) < TILT_NEUTRAL_DEG else ("left" if t > 0 else "right")
    score = float(ramp(abs(t), *LEAN_TILT))
    lower = "left" if t > 0 else "right"
    evidence = f"shoulders tilted {abs(t):.1f}° from horizontal, {lower} shoulder lower (median over the reps)"
    return Fault("lateral_lean", round(score, 3), score >= DETECT_SCORE, evidence, True, "rule", label)


def judge_set(lift: str | None, series: KeypointSeries, angles: AngleSeries, reps: list[Rep],
              view: ViewEstimate) -> list[Fault]:
    """Whole-set judgments for any lift: stance width and lateral lean."""
    return [stance_width(lift, series, view, reps), lateral_lean(lift, series, view, reps)]


# --- per-frame good/bad from the rules ------------------------------------------------------

KEY_JOINTS = (5, 6, 11, 12, 13, 14, 15, 16)  # shoulders, hips, knees, ankles


def frame_scores(series: KeypointSeries, reps: list[Rep],
                 details: list[list[RuleResult | Fault]]) -> dict:
    """Per-sample P(bad form) from the per-rep rules: the worst judgeable rule at each sample.

    It is a rule score in [0, 1] (not a calibrated probability). None where
    nothing was judged: outside reps, poorly seen samples, or reps whose faults
    the view cannot show. ``reason`` says which rule and what it measured.
    """
    n = series.n_frames
    p_bad: list[float | None] = [None] * n
    reason = ["not in a rep"] * n
    best = series.conf[:, KEY_JOINTS].reshape(n, 4, 2).max(axis=2)  # better side per joint pair
    frame_seen = np.nan_to_num(best).mean(axis=1) >= MIN_CONFIDENCE
    for rep, items in zip(reps, details, strict=True):
        results = [x for x in items if isinstance(x, RuleResult)]
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
    return round(score, 3), (text if score >= DETECT_SCORE else f"looks fine (closest: {text})")
