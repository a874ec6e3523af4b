"""Referee standards and coach's measurements, per rep.

A *standard* is a rule a powerlifting referee applies and a side view can measure (squat depth, lockout,
the bar moving down during the ascent, the bench pause, a squat's double bounce). Each row of
:data:`STANDARDS` says which lifts it applies to, its unit, its threshold, its borderline band (where the
keypoint or bar-track error is larger than the margin) and where the number comes from. For one rep every
standard answers ``pass``, ``fail``, ``borderline`` or ``cant_see`` with the value, its unit and a plain-words
reason (for ``cant_see``: the view, occlusion, or the bar not being tracked).

*Measurements* are numbers with units (bar speed, range of motion, drift, trunk angle, tempo, depth margin),
each compared with the median of the lifter's earlier reps in the set (``baseline_delta``).

Nothing here is fitted to labels: thresholds are the published rule where one exists (IPF technical rules)
plus a band for measurement error, which is a judgement call said as such in the row.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.judgment.faults.geometry import MIN_CONFIDENCE, YAW_FRONT_RATIO, YAW_SIDE_RATIO, seen
from core.judgment.faults.measures import TOP_WINDOW_S
from core.movement.angles import compute_joint_angles
from core.movement.metrics import body_height_px, wrist_midpoint
from core.movement.reps import bar_moves_with
from core.perception.bar.measure import MIN_SEEN_SHARE, choose_scale, on_grid, rep_bar_metrics, smooth_path
from core.perception.bar.types import BarTrack
from core.perception.view import width_ratio
from core.skeleton import KP
from core.types import AngleSeries, KeypointSeries, Rep

CALLS = ("pass", "fail", "borderline", "cant_see")
SIDEISH = ("side", "oblique")  # core.perception.view labels from which a sagittal angle can be read
ANY_VIEW = ("side", "oblique", "front")
DEFAULT_PAUSE_S = 0.3  # s; the labels protocol's "motionless for a visible moment (about 0.3 s or more)"
# (data/real labels README); AnalysisConfig.standard_pause_s overrides it (e.g. 1.0 for a competition-like pause)
STILL_SPEED_M_S = 0.03  # m/s; the bar (else the hands) moving slower than this counts as "motionless" (bench
# pause, bench tempo). The leave-one-source-out pick on the labelled bench reps (bench/accuracy/pause_still.py,
# bench/results/pause_still.md: 0.03 in 5 of 6 folds); the labels barely constrain it (4 paused / 7 touch-and-go
# reps, 6 sources) and the held-out calls are poor (1 right, 5 wrong), so the pause standard is untested
STILL_SPEED_SHARE = 0.2  # of the rep's peak speed (95th percentile): "motionless" where no ruler turns px into m
# (a squat's hip path in thigh lengths). A touch-and-go bottom with a 1 s descent is that slow for ~0.13 s
STILL_SMOOTH_HZ = 3.0  # Hz; low-pass of the path before its speed is read for stillness: lifts move below 3 Hz
# (Winter 2009), the hands' keypoints and a hand-held camera wobble faster
FOREARM_M = 0.26  # m; elbow-to-wrist length of an adult, 0.146 x stature at 1.75 m (Drillis & Contini 1966, in
# Winter 2009 table 4.1): the hands' ruler where no plate is measured. On the 11 cached bench clips with both,
# the longest seen forearm reads 0.18-0.57 m through the plate (median 0.28 m): a ruler good to about +-40 %
BOTTOM_ZONE_SHARE = 0.15  # of the rep's vertical range: the part nearest the lowest point that counts as "the
# bottom" (where a pause or a double bounce happens)
TOP_ZONE_SHARE = 0.03  # of the bar's rise: the ascent ends where the bar first gets this close to its highest point
TOP_HOLD_S = 0.6  # s after a rep's top (deadlift) or end (squat, bench) in which the lockout is looked for
HOLD_S = 0.15  # s a joint angle must be held to count as reached (running median over this long)
MIN_TRACK_SHARE = MIN_SEEN_SHARE  # share of the ascent's samples in which the bar must be seen to judge it
DEPTH_MAX_YAW_DEG = 60.0  # deg from a side-on view; beyond it depth is not judged. Hip and knee heights are
# compared in the image: from the side both lie at the camera's distance, but turned by yaw the horizontal thigh
# reaches L sin(yaw) towards the camera and the camera's height offset dh at distance D shifts the nearer knee
# against the hip by ~(dh / D) sin(yaw) thigh lengths (pinhole geometry): ~0.13 at 60 deg for a phone 0.5 m
# above or below the thighs 3-4 m away, the size of the whole borderline band; and from the front the thigh
# hides the hip crease (labels README: front views "depth cannot be judged"). 60 deg = faults.YAW_MAX_DEG
UPRIGHT_TORSO_SHARE = 0.9  # of the longest seen torso: the lifter stands upright (the yaw is read there, as in
# core.judgment.faults.camera_yaw_deg: a leaning torso shortens and inflates the width ratio)
EDGE_MARGIN_THIGH = 0.2  # thigh lengths; a hip or knee keypoint this close to the picture's edge is cut off: the
# knee's front lies ~half its depth (~5 cm = 0.12 thigh lengths) ahead of the joint centre, plus the keypoint's
# own error (~0.08); the model places a cut-off knee inside the frame (docs/decisions.md, squat depth, issue 24).
# A judgement call, not fitted


@dataclass(frozen=True)
class Standard:
    """One referee standard: ``fail`` beyond ``threshold`` by more than ``band``, ``pass`` on the good side by
    more than ``band``, ``borderline`` between. ``higher_passes``: a value above the threshold is the good side."""

    name: str
    title: str  # plain words for the lifter
    lifts: tuple[str, ...]
    unit: str
    threshold: float
    band: float
    higher_passes: bool
    views: tuple[str, ...]  # core.perception.view labels from which it can be judged
    source: str  # the rule and where each number comes from; "judgement call" marks numbers that are not published
    cue: str = ""  # what to teach a lifter who fails it (classroom teaching panel, coaching)
    replaces: tuple[str, ...] = ()  # fault names (core.judgment.faults) this standard judges instead: where a rep
    # has this standard, pages and coaches read the standard's call, not the fault's (one call per question)

    def call(self, value: float | None, threshold: float | None = None) -> str:
        """The call for ``value``; ``threshold`` replaces the row's (a setting such as the pause time)."""
        if value is None or not np.isfinite(value):
            return "cant_see"
        t = self.threshold if threshold is None else threshold
        margin = (value - t) if self.higher_passes else (t - value)
        return "pass" if margin >= self.band else "fail" if margin <= -self.band else "borderline"


STANDARDS: tuple[Standard, ...] = (
    Standard("depth", "Squat depth", ("squat",), "thigh lengths hip below knee", 0.03, 0.15, True, SIDEISH,
             "IPF Technical Rules (squat): the top surface of the legs at the hip joint lower than the top of the "
             "knees. Measured between the hip and knee keypoints (joint centres) where the hips are lowest, in "
             "thigh lengths (+ = hip below knee); with the crease above the hip centre and the knee top above the "
             "knee centre, the rule sits about at the centres being level: 0.03 (~1 cm lower) is a judgement "
             "call. Band 0.15 thigh lengths (~6 cm on a 42 cm thigh) = one standard deviation of the hip-minus-"
             "knee height from the COCO keypoint spread (OKS sigmas: hip 0.107, knee 0.087 of the person's scale "
             "sqrt(area) ~1.5 thigh lengths, per axis / sqrt 2; cocodataset.org keypoints-eval): within it the "
             "keypoints cannot tell the hip from level with the knee, so the call is too close to call",
             cue="Sit until the hip crease is below the top of the knee on every rep.",
             replaces=("insufficient_depth",)),
    Standard("lockout", "Lockout", ("squat", "deadlift", "bench"), "deg short of straight", 25.0, 8.0, False,
             ANY_VIEW,
             "IPF Technical Rules: knees straight and hips extended at completion (squat, deadlift); elbows locked "
             "(bench). Squat/deadlift: the larger of the hip and knee angles' shortfall from 180 deg at their best "
             "moment at the top (2-D, side or angled views only: from the front a bent joint looks straight); "
             "bench: the straighter arm. No published number: 25 deg short is a judgement call, the band 8 deg "
             "is the 2-D noise of a keypoint joint angle; chosen knowing that labelled locked-out real reps read "
             "1-18 deg and the two labelled unfinished ones 35 and 64 deg (core.evaluation.standards)",
             cue="Finish every rep: knees and hips straight (arms straight on the bench) before the next one.",
             replaces=("incomplete_lockout", "hips_not_locked")),
    Standard("bar_down", "Bar kept rising", ("squat", "deadlift", "bench"), "cm the bar sank during the ascent",
             3.0, 1.0, False, ANY_VIEW,
             "IPF Technical Rules: no downward movement of the bar during the ascent (deadlift: any downward "
             "movement before reaching the final position; squat/bench: the bar must not dip on the way up). "
             "Measured on the smoothed bar track through the plate ruler (45 cm plates). 3 +- 1 cm is a judgement "
             "call above the bar-track noise: labelled reps without a hitch read 0-3 cm",
             cue="Once the bar starts up, keep driving it up: no hitch, no sink."),
    Standard("pause", "Pause on the chest", ("bench",), "s the bar stayed still at the bottom", DEFAULT_PAUSE_S,
             0.1, True, ANY_VIEW,
             "IPF Technical Rules (bench): the bar held motionless on the chest before the press command. The time "
             "is a setting (AnalysisConfig.standard_pause_s; default 0.3 s, the labels protocol's visible pause); "
             "band 0.1 s = 3 samples at 30 fps (judgement call). Still = the smoothed bar (else the hands, when the "
             "wrists are seen) slower than STILL_SPEED_M_S = 0.03 m/s near the lowest point, through the plate "
             "ruler, else the forearm (0.26 m, Drillis & Contini 1966); 0.03 m/s picked leave-one-source-out on "
             "the pause labels, which do not confirm it (bench/results/pause_still.md)",
             cue="Let the bar settle on the chest and hold it still before you press."),
    Standard("double_bounce", "Single bottom", ("squat",), "thigh lengths the hips rose and sank again",
             0.06, 0.03, False, ANY_VIEW,
             "Referees red-light a squat with a second dip at the bottom (IPF: more than one attempt to recover / "
             "downward movement during the ascent). Read from the hips' height: the deepest re-dip between two "
             "low points, in thigh lengths; 0.06 +- 0.03 (~2.5 +- 1.3 cm) is a judgement call",
             cue="Turn once at the bottom: one smooth reversal, no second bounce."),
)
BY_NAME: dict[str, Standard] = {s.name: s for s in STANDARDS}


CALL_WORDS = {"pass": "pass", "fail": "fail", "borderline": "too close to call", "cant_see": "can't see"}
LIGHT_WORDS = {"white": "white light", "red": "red light"}


def referee_light(standards: dict[str, dict]) -> str | None:
    """A referee's light for a rep from its report ``standards``: "red" when any standard fails, "white" when
    every one passes, None otherwise (something could not be seen or is too close to call)."""
    calls = [v.get("call") for v in standards.values()]
    if not calls:
        return None
    if "fail" in calls:
        return "red"
    return "white" if all(c == "pass" for c in calls) else None


def light_line(standards: dict[str, dict]) -> str | None:
    """The referee's light as one line of plain ASCII for a video overlay (OpenCV draws no emoji): "WHITE LIGHT",
    "RED LIGHT: squat depth, lockout" (the standards that failed), or None when no light can be given."""
    light = referee_light(standards)
    if light is None:
        return None
    if light == "white":
        return "WHITE LIGHT"
    failed = [BY_NAME[k].title.lower() if k in BY_NAME else k for k, v in standards.items() if v.get("call") == "fail"]
    return "RED LIGHT: " + ", ".join(failed)


def live_rep_standards(lift: str, series: KeypointSeries, rep: Rep, view: str, config) -> dict[str, dict]:
    """One rep's standards for the live overlay (core.live): the report's ``standards`` dict, judged on the series
    so far with no bar track (the bar standard then says can't see, so a live rep gets a red light or none)."""
    if lift not in ("squat", "deadlift", "bench"):
        return {}
    try:
        ctx = SetContext(lift, series, view, None, None, None, config.bar_plate_diameter_m, config.user_height_m,
                         config.standard_pause_s)
        return {k: c.to_dict() for k, c in judge_standards(ctx, rep).items()}
    except (ValueError, IndexError):  # a rep too short to judge yet
        return {}


def standards_for(lift: str | None) -> tuple[Standard, ...]:
    return tuple(s for s in STANDARDS if lift in s.lifts)


@dataclass(frozen=True)
class Call:
    """One standard's answer for one rep (the report's ``standards[name]``)."""

    name: str
    call: str
    value: float | None
    unit: str
    why: str

    def to_dict(self) -> dict:
        v = None if self.value is None or not np.isfinite(self.value) else round(float(self.value), 3)
        return {"call": self.call, "value": v, "unit": self.unit, "why": self.why}


@dataclass(frozen=True)
class Measurement:
    """One number of a rep (the report's ``measurements[name]``); ``baseline_delta`` is set by the set."""

    value: float | None
    unit: str
    baseline_delta: float | None = None

    def to_dict(self) -> dict:
        def r(x: float | None) -> float | None:
            return None if x is None or not np.isfinite(x) else round(float(x), 3)
        return {"value": r(self.value), "unit": self.unit, "baseline_delta": r(self.baseline_delta)}


@dataclass(frozen=True)
class RepJudgement:
    standards: dict[str, Call]
    measurements: dict[str, Measurement]

    def standards_dict(self) -> dict:
        return {k: c.to_dict() for k, c in self.standards.items()}

    def measurements_dict(self) -> dict:
        return {k: m.to_dict() for k, m in self.measurements.items()}


def _nanmed(x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _nanpct(x: np.ndarray, q: float) -> float:
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else float("nan")


def _fmt(x: float, nd: int = 0) -> str:
    r = round(float(x), nd)
    return f"{0.0 if r == 0 else r:.{nd}f}"


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [a, b) runs where ``mask`` is True."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


FACE_HIDDEN_CONF = 0.15  # mean nose/eye confidence below which the face is not seen
EARS_SEEN_CONF = 0.35  # mean ear confidence at or above which the head is seen (so the face is turned away)


def seen_from_behind(series: KeypointSeries) -> bool:
    """The camera is behind the lifter: the ears are seen but the face (nose, eyes) is not. COCO's face points
    are visible only from the front half of the head; the view estimate (core.perception.view) cannot tell a
    rear view from a front one, nor a rear-oblique one from an angled one. Thresholds are judgement calls."""
    c = series.conf
    if not c.size:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        face = np.nan_to_num(np.nanmean(c[:, [KP["nose"], KP["left_eye"], KP["right_eye"]]]))
        ears = np.nan_to_num(np.nanmean(c[:, [KP["left_ear"], KP["right_ear"]]]))
    return bool(face < FACE_HIDDEN_CONF and ears >= EARS_SEEN_CONF)


class SetContext:
    """What every standard reads for one set: the lifter's cleaned keypoints, angles, view, bar path and ruler.

    ``bar``: the lifter's BarTrack (None = not tracked); ``view``: a core.perception.view label;
    ``concentric_first``: True when a rep's start->turn is the lifting phase (deadlift), default by lift.
    """

    def __init__(self, lift: str, series: KeypointSeries, view: str, bar: BarTrack | None = None,
                 angles: AngleSeries | None = None, concentric_first: bool | None = None,
                 plate_m: float = 0.45, user_height_m: float | None = None, pause_s: float | None = None) -> None:
        self.lift, self.series, self.view = lift, series, view
        self.angles = angles if angles is not None else compute_joint_angles(series)
        self.concentric_first = (lift == "deadlift") if concentric_first is None else concentric_first
        self.fps = series.fps
        self.n = series.n_frames
        self.pause_s = DEFAULT_PAUSE_S if pause_s is None else float(pause_s)
        height = body_height_px(series)
        self.bar_xy: np.ndarray | None = None
        self.m_per_px: float | None = None
        self.plate_px = bar.plate_px if bar is not None else None
        if bar is not None and len(bar.times):
            self.bar_xy = smooth_path(on_grid(bar, self.n, self.fps), self.fps)
            self.m_per_px = choose_scale(bar.plate_px, plate_m, height, user_height_m, view,
                                        bar.plate_support).m_per_px
        elif user_height_m and np.isfinite(height) and height > 0:
            self.m_per_px = user_height_m / height
        self.still_m_per_px = (plate_m / self.plate_px if self.plate_px and plate_m > 0
                               else FOREARM_M / f if np.isfinite(f := self._forearm_px()) and f > 0 else None)
        self.side = self._better_side()
        self.from_behind = seen_from_behind(series)
        self.yaw_deg = camera_yaw_from_side_deg(series)
        xy = series.xy.astype(np.float64)
        hip, knee = xy[:, KP[f"{self.side}_hip"]], xy[:, KP[f"{self.side}_knee"]]
        thigh = np.hypot(*(knee - hip).T)
        self.thigh_px = _nanpct(thigh, 95)  # longest seen thigh: standing, least foreshortened
        with np.errstate(all="ignore"):
            self.depth_margin = (hip[:, 1] - knee[:, 1]) / self.thigh_px  # + = hip below knee (image y is down)
            self.hip_height = -hip[:, 1] / self.thigh_px  # thigh lengths, up positive

    def _forearm_px(self) -> float:
        """The longest seen forearm (elbow to wrist, 90th percentile over confidently seen samples of either arm):
        the least foreshortened; NaN when no forearm was seen."""
        xy, c = self.series.xy.astype(np.float64), self.series.conf
        best = float("nan")
        for s in ("left", "right"):
            e, w = KP[f"{s}_elbow"], KP[f"{s}_wrist"]
            d = np.hypot(*(xy[:, e] - xy[:, w]).T)
            d = d[(c[:, e] >= MIN_CONFIDENCE) & (c[:, w] >= MIN_CONFIDENCE) & np.isfinite(d)]
            if d.size:
                best = float(np.fmax(best, np.percentile(d, 90)))
        return best

    def _better_side(self) -> str:
        """The side whose hip and knee the pose model saw better (in a side view the far side is guessed)."""
        c = self.series.conf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            left = np.nan_to_num(np.nanmean(c[:, [KP["left_hip"], KP["left_knee"]]]))
            right = np.nan_to_num(np.nanmean(c[:, [KP["right_hip"], KP["right_knee"]]]))
        return "left" if left >= right else "right"

    def s(self, seconds: float) -> int:
        return max(1, int(round(seconds * self.fps)))

    def window(self, a: int, b: int) -> slice:
        return slice(max(0, a), min(self.n, b + 1))

    def concentric(self, rep: Rep) -> tuple[int, int]:
        return (rep.start, rep.turn) if self.concentric_first else (rep.turn, rep.end)

    def top(self, rep: Rep) -> int:
        return rep.turn if self.concentric_first else rep.end

    def bottom(self, rep: Rep) -> int:
        return rep.start if self.concentric_first else rep.turn

    def bar_moves(self, rep: Rep) -> bool:
        """The tracked bar is this lifter's: it moves with the hands over the rep (core.movement.reps)."""
        return self.bar_xy is not None and bar_moves_with(self.series, rep, self.bar_xy[:, 1])

    def bar_y(self, a: int, b: int, rep: Rep | None = None) -> tuple[np.ndarray | None, str]:
        """The bar's (else the hands') image y over samples a..b, and which one it is."""
        if self.bar_xy is not None and (rep is None or self.bar_moves(rep)):
            y = self.bar_xy[a:b + 1, 1]
            if y.size and np.isfinite(y).mean() >= MIN_TRACK_SHARE:
                return y, "bar"
        y = wrist_midpoint(self.series)[a:b + 1, 1]
        return (y, "hands") if y.size and np.isfinite(y).mean() >= MIN_TRACK_SHARE else (None, "")


def _cant(std: Standard, why: str) -> Call:
    return Call(std.name, "cant_see", None, std.unit, why)


def _view_block(std: Standard, ctx: SetContext) -> Call | None:
    views = SIDEISH if (std.name == "lockout" and ctx.lift != "bench") else std.views
    if views == SIDEISH and ctx.from_behind:
        return _cant(std, "the camera is behind the lifter: the hip crease and the bend of the hips are hidden; "
                          "film from the side")
    if ctx.view in views:
        return None
    if ctx.view not in ("side", "oblique", "front"):
        return _cant(std, "the camera angle could not be told from the lifter's pose")
    return _cant(std, f"the camera looks {ctx.view}-on; this needs a side or angled view")


def _hidden(ctx: SetContext, sl: slice, parts: Sequence[str]) -> str | None:
    for base in parts:
        if seen(ctx.series, base, sl) < MIN_CONFIDENCE:
            return f"the {base}s are hidden or poorly seen at that moment"
    return None


def camera_yaw_from_side_deg(series: KeypointSeries) -> float:
    """Camera yaw from a side-on view, deg (0 = side, 90 = front or rear), from the shoulder and hip width over
    the torso length while the lifter stands upright (the mapping of core.judgment.faults.camera_yaw_deg, not
    capped); NaN when the lifter is never seen upright."""
    ratio = width_ratio(series)
    xy = series.xy.astype(np.float64)
    mid = lambda b: (xy[:, KP[f"left_{b}"]] + xy[:, KP[f"right_{b}"]]) / 2  # noqa: E731
    torso = np.hypot(*(mid("shoulder") - mid("hip")).T)
    longest = _nanpct(torso, 95)
    with np.errstate(invalid="ignore"):
        upright = np.isfinite(ratio) & (torso >= UPRIGHT_TORSO_SHARE * longest)
    if upright.sum() < 3:
        return float("nan")
    sin_yaw = np.clip((float(np.median(ratio[upright])) - YAW_SIDE_RATIO) / (YAW_FRONT_RATIO - YAW_SIDE_RATIO), 0, 1)
    return float(np.degrees(np.arcsin(sin_yaw)))


def depth_bottom(ctx: SetContext, rep: Rep) -> int | None:
    """The rep's bottom for the depth call: where the hips are lowest in the picture (through a 3-sample median so
    one stray keypoint is not the bottom), the referee's moment. Not the largest hip-below-knee margin: the
    largest of a noisy difference leans towards "deep enough"."""
    sl = ctx.window(rep.start, rep.end)
    low = _median3(-ctx.hip_height[sl])
    return rep.start + int(np.nanargmax(low)) if np.isfinite(low).any() else None


def at_frame_edge(ctx: SetContext, sl: slice, parts: Sequence[str]) -> str | None:
    """The part (of the side the depth reads) whose keypoint lies within EDGE_MARGIN_THIGH thigh lengths of the
    picture's edge over ``sl`` (median position): cut off, so its keypoint is a guess."""
    pad = EDGE_MARGIN_THIGH * ctx.thigh_px
    w, h = ctx.series.width, ctx.series.height
    for base in parts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            x, y = np.nanmedian(ctx.series.xy[sl, KP[f"{ctx.side}_{base}"]].astype(np.float64), axis=0)
        if np.isfinite(x) and np.isfinite(y) and w > 0 and h > 0 and min(x, y, w - x, h - y) < pad:
            return f"the {base}s are at the edge of the picture at the bottom (film with the whole lifter in view)"
    return None


def judge_depth(ctx: SetContext, rep: Rep) -> Call:
    std = BY_NAME["depth"]
    if (blocked := _view_block(std, ctx)) is not None:
        return blocked
    if np.isfinite(ctx.yaw_deg) and ctx.yaw_deg >= DEPTH_MAX_YAW_DEG:
        return _cant(std, f"the camera looks almost front-on (~{_fmt(ctx.yaw_deg)} deg from the side): the thigh "
                          "hides the hip crease; film from the side or a little angled")
    b = depth_bottom(ctx, rep)
    if b is None or not np.isfinite(ctx.thigh_px) or ctx.thigh_px <= 0:
        return _cant(std, "the hips or knees were not seen at the bottom")
    bot = ctx.window(b - ctx.s(0.1), b + ctx.s(0.1))
    if (why := _hidden(ctx, bot, ("hip", "knee"))) is not None:
        return _cant(std, why)
    if (why := at_frame_edge(ctx, bot, ("hip", "knee"))) is not None:
        return _cant(std, why)
    if behind_plate(ctx, b):
        return _cant(std, "the plate hides the hips at the bottom (film from a little further round, or with "
                          "the hips in sight)")
    x = _nanmed(ctx.depth_margin[bot])
    if not np.isfinite(x):  # hips or knees unseen at the bottom itself (only around it)
        return _cant(std, "the hips or knees were not seen at the bottom")
    call = std.call(x)
    cm = "" if ctx.m_per_px is None else f" (~{_fmt(abs(x) * ctx.thigh_px * ctx.m_per_px * 100)} cm)"
    where = "below" if x >= 0 else "above"
    words = {"pass": "deep enough", "fail": "not deep enough",
             "borderline": "too close to call from the keypoints"}[call]
    return Call(std.name, call, x, std.unit,
                f"at the bottom the hip was {_fmt(abs(x), 2)} thigh lengths{cm} {where} the knee: {words}")


def behind_plate(ctx: SetContext, i: int) -> bool:
    """A hip keypoint lies inside the tracked plate's disc at sample ``i``: the plate hides the hip, and the pose
    model then puts the hip on the plate's rim, above the joint (hips labelled below the knees read 0.24-0.29 thigh
    lengths above them there, at 0.95-0.99 plate radii from the plate's centre: docs/decisions.md)."""
    if ctx.bar_xy is None or not ctx.plate_px or not np.isfinite(ctx.bar_xy[i]).all():
        return False
    xy = ctx.series.xy[i].astype(np.float64)
    d = [np.hypot(*(xy[KP[f"{s}_hip"]] - ctx.bar_xy[i])) for s in ("left", "right")]
    return bool(np.nanmin(d) < ctx.plate_px / 2) if np.isfinite(d).any() else False


def _median3(x: np.ndarray) -> np.ndarray:
    if x.size < 3:
        return x
    pad = np.pad(np.asarray(x, np.float64), 1, mode="edge")
    from numpy.lib.stride_tricks import sliding_window_view

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(sliding_window_view(pad, 3), axis=1)


def _top_window(ctx: SetContext, rep: Rep) -> slice:
    """Where the lockout is looked for: around a deadlift's top; from a squat's or bench's bottom until
    TOP_HOLD_S after the rep's end (the counter ends a rep on the way up, before the lifter stands tall)."""
    if ctx.concentric_first:
        return ctx.window(rep.turn - ctx.s(TOP_WINDOW_S), rep.turn + ctx.s(TOP_HOLD_S))
    return ctx.window(rep.turn, rep.end + ctx.s(TOP_HOLD_S))


def _best(x: np.ndarray, k: int) -> float:
    """The highest value held over ``k`` samples (a running median's maximum), so one stray keypoint is not it."""
    if x.size < k:
        return _nanpct(x, 90)
    from numpy.lib.stride_tricks import sliding_window_view

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(sliding_window_view(np.asarray(x, np.float64), k), axis=1)
    return float(np.nanmax(med)) if np.isfinite(med).any() else float("nan")


def judge_lockout(ctx: SetContext, rep: Rep) -> Call:
    std = BY_NAME["lockout"]
    if (blocked := _view_block(std, ctx)) is not None:
        return blocked
    w = _top_window(ctx, rep)
    k = ctx.s(HOLD_S)
    a = ctx.angles
    if ctx.lift == "bench":
        if (why := _hidden(ctx, w, ("shoulder", "elbow", "wrist"))) is not None:
            return _cant(std, why)
        best = _best(np.fmax(a["left_elbow"], a["right_elbow"])[w], k)
        if not np.isfinite(best):
            return _cant(std, "the arms were not seen at the top")
        x = 180.0 - best
        call = std.call(x)
        return Call(std.name, call, x, std.unit,
                    f"at the top the arms straightened to {_fmt(best)}° ({_fmt(max(x, 0))}° short of straight)")
    if (why := _hidden(ctx, w, ("shoulder", "hip", "knee"))) is not None:
        return _cant(std, why)
    hip, knee = _best(a["hip"][w], k), _best(a["knee"][w], k)
    if not (np.isfinite(hip) and np.isfinite(knee)):
        return _cant(std, "the hips or knees were not seen at the top")
    x = 180.0 - min(hip, knee)
    call = std.call(x)
    return Call(std.name, call, x, std.unit,
                f"at the top the hips opened to {_fmt(hip)}° and the knees to {_fmt(knee)}° "
                f"({_fmt(max(x, 0))}° short of straight)")


def ascent_drawdown(y: np.ndarray) -> tuple[float, int, int]:
    """The largest downward movement (image px, y grows down) of a path during its rise: from its lowest point
    until it first gets within TOP_ZONE_SHARE of its highest point after that. Returns (px, i0, i1)."""
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return float("nan"), 0, 0
    yf = np.where(ok, y, np.interp(np.arange(y.size), np.flatnonzero(ok), y[ok]))
    i0 = int(np.argmax(yf))  # the lowest point
    rest = yf[i0:]
    high = float(np.min(rest))
    rise = yf[i0] - high
    if rise <= 0:
        return float("nan"), i0, i0
    i1 = i0 + int(np.flatnonzero(rest <= high + TOP_ZONE_SHARE * rise)[0])
    seg = yf[i0:i1 + 1]
    best_so_far = np.minimum.accumulate(seg)  # the highest the bar had got (smallest y)
    return float(np.max(seg - best_so_far)), i0, i1


def judge_bar_down(ctx: SetContext, rep: Rep) -> Call:
    std = BY_NAME["bar_down"]
    if ctx.bar_xy is None:
        return _cant(std, "the bar was not tracked in this clip")
    if not ctx.bar_moves(rep):
        return _cant(std, "the bar that was tracked did not move with the lifter's hands")
    a, b = ctx.concentric(rep)
    if ctx.lift != "deadlift":  # the ascent starts at the bottom, a little before the detected turn
        a = max(rep.start, a - ctx.s(0.3))
    y = ctx.bar_xy[a:b + ctx.s(0.3) + 1, 1]
    if y.size < 3 or np.isfinite(y).mean() < MIN_TRACK_SHARE:
        return _cant(std, "the bar was not followed through the ascent (hidden or out of frame)")
    if ctx.m_per_px is None:
        return _cant(std, "no plate was measured to turn the bar's movement into cm")
    px, _, _ = ascent_drawdown(y)
    if not np.isfinite(px):
        return _cant(std, "the bar was not seen rising in this rep")
    x = px * ctx.m_per_px * 100
    call = std.call(x)
    words = {"pass": "it kept rising", "fail": "it moved down on the way up",
             "borderline": "too small to call from the bar track"}[call]
    return Call(std.name, call, x, std.unit, f"during the ascent the bar sank at most {_fmt(x, 1)} cm: {words}")


def still_at_bottom(y: np.ndarray, fps: float, m_per_px: float | None = None,
                    still_m_s: float = STILL_SPEED_M_S) -> tuple[float, int, int]:
    """Seconds a path (image y, down positive) stays motionless at its lowest part: the longest run of samples
    within BOTTOM_ZONE_SHARE of the range from the lowest point and slower than ``still_m_s`` (through
    ``m_per_px``; without a ruler: STILL_SPEED_SHARE of the path's peak speed). Returns (s, first, last sample of
    the run) or NaN."""
    ok = np.isfinite(y)
    if ok.sum() < 5:
        return float("nan"), 0, 0
    yf = np.where(ok, y, np.interp(np.arange(y.size), np.flatnonzero(ok), y[ok]))
    if yf.size > 12 and fps / 2 * 0.95 > STILL_SMOOTH_HZ:  # keypoint wobble is faster than a lift
        from scipy.signal import butter, sosfiltfilt

        yf = sosfiltfilt(butter(2, STILL_SMOOTH_HZ / (fps / 2), output="sos"), yf)
    span = float(np.max(yf) - np.min(yf))
    if span <= 0:
        return float("nan"), 0, 0
    v = np.abs(np.gradient(yf))  # px per sample
    limit = still_m_s / (m_per_px * fps) if m_per_px else STILL_SPEED_SHARE * np.percentile(v, 95)
    still = (v <= limit) & (yf >= np.max(yf) - BOTTOM_ZONE_SHARE * span)
    runs = _runs(still)
    if not runs:
        return 0.0, int(np.argmax(yf)), int(np.argmax(yf))
    a, b = max(runs, key=lambda r: r[1] - r[0])
    return (b - a) / fps, int(a), int(b - 1)


def pause_seconds(ctx: SetContext, rep: Rep, still_m_s: float = STILL_SPEED_M_S) -> tuple[float, str, str | None]:
    """(seconds the bar, else the hands, stayed still at the rep's bottom; which one; why it cannot be seen or
    None). The hands count only where the wrists are confidently seen at the bottom."""
    y, what = ctx.bar_y(rep.start, rep.end, rep)
    if y is None:
        return float("nan"), "", "neither the bar nor the hands were followed through the bottom of the rep"
    if what == "hands" and np.isfinite(y).any():
        low = rep.start + int(np.nanargmax(y))
        if _hidden(ctx, ctx.window(low - ctx.s(0.15), low + ctx.s(0.15)), ("wrist",)) is not None:
            return float("nan"), what, "the bar was not tracked and the hands are poorly seen at the bottom"
    x, _, _ = still_at_bottom(y, ctx.fps, ctx.still_m_per_px, still_m_s)
    if not np.isfinite(x):
        return x, what, f"the {what} did not move in this rep"
    return x, what, None


def judge_pause(ctx: SetContext, rep: Rep) -> Call:
    std = BY_NAME["pause"]
    x, what, why = pause_seconds(ctx, rep)
    if why is not None:
        return _cant(std, why)
    call = std.call(x, ctx.pause_s)
    return Call(std.name, call, x, std.unit,
                f"the {what} stayed still at the bottom for {_fmt(x, 1)} s (asked: {_fmt(ctx.pause_s, 1)} s or more)")


def rebound(h: np.ndarray) -> float:
    """The deepest dip between two higher points of ``h`` (trapped water): for a hip *depth* path, how far the
    hips rose between two low points."""
    ok = np.isfinite(h)
    if ok.sum() < 3:
        return float("nan")
    hf = np.where(ok, h, np.interp(np.arange(h.size), np.flatnonzero(ok), h[ok]))
    left = np.maximum.accumulate(hf)
    right = np.maximum.accumulate(hf[::-1])[::-1]
    return float(np.max(np.minimum(left, right) - hf))


def judge_double_bounce(ctx: SetContext, rep: Rep) -> Call:
    std = BY_NAME["double_bounce"]
    if (blocked := _view_block(std, ctx)) is not None:
        return blocked
    sl = ctx.window(rep.start, rep.end)
    depth = -ctx.hip_height[sl]  # thigh lengths, down positive
    if not np.isfinite(depth).any():
        return _cant(std, "the hips were not seen")
    if (why := _hidden(ctx, sl, ("hip",))) is not None:
        return _cant(std, why)
    d = _median3(depth)
    if not np.isfinite(d).any():
        return _cant(std, "the hips were not seen")
    span = _nanpct(d, 100) - _nanpct(d, 0)
    zone = d >= np.nanmax(d) - max(BOTTOM_ZONE_SHARE * span, 2 * std.threshold)
    a, b = _runs(zone)[0][0], _runs(zone)[-1][1]
    x = rebound(d[a:b])
    if not np.isfinite(x):  # fewer than 3 hip positions seen around the bottom
        return _cant(std, "the hips were not seen through the bottom")
    call = std.call(x)
    words = {"pass": "one bottom", "fail": "two bottoms (a bounce)", "borderline": "a small second dip"}[call]
    return Call(std.name, call, x, std.unit,
                f"at the bottom the hips rose {_fmt(x, 2)} thigh lengths and sank again: {words}")


JUDGES = {"depth": judge_depth, "lockout": judge_lockout, "bar_down": judge_bar_down, "pause": judge_pause,
          "double_bounce": judge_double_bounce}


def judge_standards(ctx: SetContext, rep: Rep) -> dict[str, Call]:
    """Every standard of the lift on one rep."""
    out = {}
    for std in standards_for(ctx.lift):
        if std.name == "pause" and ctx.pause_s <= 0:  # touch-and-go training: no pause asked, none judged
            continue
        try:
            out[std.name] = JUDGES[std.name](ctx, rep)
        except (ValueError, IndexError):  # a degenerate rep (too short, all unseen) must not stop the others
            out[std.name] = _cant(std, "this rep could not be measured")
    return out


# --- measurements -------------------------------------------------------------------------

MEASUREMENT_UNITS: dict[str, str] = {
    "mean_concentric_speed": "m/s", "peak_concentric_speed": "m/s", "range_of_motion": "cm", "bar_drift": "cm",
    "trunk_angle_bottom": "deg from vertical", "tempo_lowering": "s", "tempo_pause": "s", "tempo_lifting": "s",
    "depth_margin": "cm hip below knee",
    "velocity_loss": "% slower than the set's fastest rep",
    "hips_before_shoulders": "cm the hips rose before the shoulders",
}
SHOULDER_MOVE_SHARE = 0.1  # of the shoulders' rise in the lift: they "have moved" once they rose this much; below
# it is keypoint wobble (judgement call: ~2 cm of a 20-50 cm rise). On 54 real deadlift reps labelled "hips not
# first" (labelled windows, cached traces) hips_before_shoulders reads -3.7 to +6.7 cm; no rep is labelled "yes"


@dataclass(frozen=True)
class Departure:
    """When a rep's measurement differs from the median of the lifter's earlier reps by at least ``delta`` (in the
    measurement's unit), the page says so; ``worse``: +1 when a larger value is worse, -1 when a smaller one is."""

    name: str
    words: str  # "{value}" and "{unit}" are filled in
    delta: float
    worse: int
    source: str


DEPARTURES: tuple[Departure, ...] = (
    Departure("hips_before_shoulders", "the hips rose {value} cm before the shoulders moved", 3.0, +1,
              "judgement call: about the keypoint noise of the hip-shoulder difference (real reps labelled not "
              "hips-first read -3.7 to +6.7 cm); no published norm"),
    Departure("velocity_loss", "the bar moved {value} % slower than the set's fastest rep", 10.0, +1,
              "judgement call: half the 20 % loss at which velocity-based training commonly ends a set "
              "(Pareja-Blanco et al. 2017)"),
    Departure("trunk_angle_bottom", "the trunk leaned {value}° from vertical at the bottom", 8.0, +1,
              "judgement call: about twice the 2-D noise of a keypoint segment angle"),
    Departure("bar_drift", "the bar drifted {value} cm", 3.0, +1, "judgement call: above the bar-track noise"),
)
# Which rep metric (core.movement.metrics / core.perception.bar.measure) each bar measurement is.
_FROM_METRICS = {"mean_concentric_speed": "bar_mean_velocity_m_s", "peak_concentric_speed": "bar_peak_velocity_m_s",
                 "range_of_motion": "bar_rom_cm", "bar_drift": "bar_drift_cm"}


def _num(x) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x) else None


def measure_rep(ctx: SetContext, rep: Rep, metrics: dict | None, calls: dict[str, Call]) -> dict[str, Measurement]:
    """The rep's numbers (no baseline yet). ``metrics``: the report's rep metrics (bar_* from measure.py)."""
    m = dict(metrics or {})
    if not any(key in m for key in _FROM_METRICS.values()) and ctx.bar_xy is not None:  # called without the
        # report's metrics: the same bar measurements (core.perception.bar.measure) from the set's bar path
        m.update(rep_bar_metrics(ctx.bar_xy, ctx.fps, rep.start, rep.turn, rep.end, ctx.concentric_first,
                                 ctx.m_per_px))
    out = {name: Measurement(_num(m.get(key)), MEASUREMENT_UNITS[name]) for name, key in _FROM_METRICS.items()}
    if ctx.lift in ("squat", "deadlift"):
        if ctx.lift == "deadlift":  # lift-off: the lowest hip angle of the pull
            c0, c1 = ctx.concentric(rep)
            seg = ctx.angles["hip"][c0:c1 + 1]
            b = c0 + int(np.nanargmin(seg)) if np.isfinite(seg).any() else c0
        else:
            b = rep.turn
        out["trunk_angle_bottom"] = Measurement(_num(_nanmed(ctx.angles["trunk_lean"][ctx.window(b - 1, b + 1)])),
                                                MEASUREMENT_UNITS["trunk_angle_bottom"])
    lowering, lifting = _num(m.get("eccentric_s")), _num(m.get("concentric_s"))
    if lowering is None:
        lowering = ((rep.end - rep.turn) if ctx.concentric_first else (rep.turn - rep.start)) / ctx.fps
        lifting = ((rep.turn - rep.start) if ctx.concentric_first else (rep.end - rep.turn)) / ctx.fps
    pause = None
    if ctx.lift in ("squat", "bench"):
        y, _ = ctx.bar_y(rep.start, rep.end, rep)
        if y is None and ctx.lift == "squat":
            y = -ctx.hip_height[rep.start:rep.end + 1]
        if y is not None:
            p, i, j = still_at_bottom(y, ctx.fps, ctx.still_m_per_px if ctx.lift == "bench" else None)
            if np.isfinite(p):  # lowering ends where the pause starts, lifting starts where it ends
                pause = p
                lowering, lifting = i / ctx.fps, (len(y) - 1 - j) / ctx.fps
    out["tempo_lowering"] = Measurement(lowering, "s")
    out["tempo_pause"] = Measurement(pause, "s")
    out["tempo_lifting"] = Measurement(lifting, "s")
    if ctx.lift in ("squat", "deadlift"):
        out["hips_before_shoulders"] = hips_before_shoulders(ctx, rep)
    if ctx.lift == "squat":
        d = calls.get("depth")
        v = d.value if d is not None and d.value is not None else None
        if v is not None and ctx.m_per_px is not None:
            out["depth_margin"] = Measurement(v * ctx.thigh_px * ctx.m_per_px * 100, "cm hip below knee")
        else:
            out["depth_margin"] = Measurement(v, "thigh lengths hip below knee")
    return out


def hips_before_shoulders(ctx: SetContext, rep: Rep) -> Measurement:
    """How far the hips rose before the shoulders moved, out of the bottom (squat) or off the floor (deadlift):
    the hips' rise minus the shoulders' rise (image height of the better-seen side) at the first sample where
    the shoulders have risen SHOULDER_MOVE_SHARE of their rise in the lift. ~0 when hips and shoulders rise
    together; positive when the hips lead. In cm through the ruler, else in thigh lengths."""
    a, b = ctx.concentric(rep)
    xy = ctx.series.xy.astype(np.float64)
    hip = -_median3(xy[a:b + 1, KP[f"{ctx.side}_hip"], 1])  # up positive, px
    sh = -_median3(xy[a:b + 1, KP[f"{ctx.side}_shoulder"], 1])
    unit_cm = ctx.m_per_px is not None
    unit = MEASUREMENT_UNITS["hips_before_shoulders"] if unit_cm else "thigh lengths the hips rose before the shoulders"
    if hip.size < 3 or not (np.isfinite(hip).any() and np.isfinite(sh).any()) or \
            _hidden(ctx, ctx.window(a, b), ("hip", "shoulder")) is not None:
        return Measurement(None, unit)
    k0 = int(np.nanargmin(hip))  # the bottom / lift-off: the hips' lowest point in the lifting phase
    hip, sh = hip[k0:] - hip[k0], sh[k0:] - sh[k0]
    rise = _nanpct(sh, 100)
    if not np.isfinite(rise) or rise <= 0:
        return Measurement(None, unit)
    moved = np.flatnonzero(sh >= SHOULDER_MOVE_SHARE * rise)
    lead_px = float(hip[moved[0]] - sh[moved[0]]) if moved.size and np.isfinite(hip[moved[0]]) else float("nan")
    if not np.isfinite(lead_px):
        return Measurement(None, unit)
    return Measurement(lead_px * ctx.m_per_px * 100 if unit_cm else lead_px / ctx.thigh_px, unit)


def with_velocity_loss(per_rep: list[dict[str, Measurement]]) -> list[dict[str, Measurement]]:
    """Each rep's velocity loss: how much slower its mean concentric bar speed was than the set's fastest rep, in %
    (velocity-based training ends a set at a chosen loss, e.g. 20 %: Pareja-Blanco et al. 2017)."""
    speeds = [ms["mean_concentric_speed"].value for ms in per_rep if "mean_concentric_speed" in ms]
    best = max((v for v in speeds if v is not None and v > 0), default=None)
    out = []
    for ms in per_rep:
        v = ms.get("mean_concentric_speed", Measurement(None, "m/s")).value
        loss = None if best is None or v is None or v <= 0 else 100.0 * (best - v) / best
        out.append({**ms, "velocity_loss": Measurement(loss, MEASUREMENT_UNITS["velocity_loss"])})
    return out


def with_baseline(per_rep: list[dict[str, Measurement]]) -> list[dict[str, Measurement]]:
    """Each value minus the median of the same measurement over the lifter's earlier reps (None for rep 1)."""
    out = []
    for i, ms in enumerate(per_rep):
        row = {}
        for name, m in ms.items():
            earlier = [p[name].value for p in per_rep[:i]
                       if name in p and p[name].value is not None and p[name].unit == m.unit]
            delta = None if m.value is None or not earlier else m.value - float(np.median(earlier))
            row[name] = Measurement(m.value, m.unit, delta)
        out.append(row)
    return out


def judge_set(ctx: SetContext, reps: Sequence[Rep], metrics: Sequence[dict] | None = None) -> list[RepJudgement]:
    """Standards and measurements (with baselines) of every rep of a set, in order."""
    metrics = list(metrics) if metrics is not None else [{} for _ in reps]
    calls = [judge_standards(ctx, r) for r in reps]
    ms = with_baseline(with_velocity_loss([measure_rep(ctx, r, m, c)
                                           for r, m, c in zip(reps, metrics, calls, strict=True)]))
    return [RepJudgement(c, m) for c, m in zip(calls, ms, strict=True)]


def report_standards(lift: str | None, series: KeypointSeries, angles: AngleSeries, reps: Sequence[Rep],
                     view: str, bar: BarTrack | None, metrics: Sequence[dict], config,
                     concentric_first: bool | None = None) -> list[RepJudgement]:
    """The pipeline's one call (core.pipeline._build_report): empty judgements for a lift without standards."""
    if lift not in ("squat", "deadlift", "bench"):
        return [RepJudgement({}, {}) for _ in reps]
    ctx = SetContext(lift, series, view, bar, angles, concentric_first, config.bar_plate_diameter_m,
                     config.user_height_m, getattr(config, "standard_pause_s", None))
    return judge_set(ctx, reps, metrics)
