"""Biomechanical lift simulator: COCO-17 keypoint clips with known lift, style and fault.

Why: there is no real sumo, Romanian, knee-cave or heel-rise footage in the development
set, so the learned models need labelled motion they can generalise from. The body is a
kinematic chain in a sagittal (x forward, y up) plane plus lateral offsets (z, to the
lifter's left). Joint-angle trajectories per lift/style/fault drive the chain; a camera
with yaw, roll, distance, noise and dropout projects it to image pixels.

Segment lengths are fractions of standing height (Winter, *Biomechanics and Motor Control
of Human Movement*, 4th ed., table 4.1), varied per simulated lifter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.labels import BENCH_FAULTS, DEADLIFT_STYLES, FORMS_BY_STYLE, SQUAT_FAULTS
from core.skeleton import KP, LIFTS
from core.types import FramePeople, KeypointSeries, PoseTrace, VideoInfo

# Segment lengths as a fraction of standing height (Winter 2009, table 4.1).
SEGMENTS = {"shank": 0.246, "thigh": 0.245, "trunk": 0.288, "neck": 0.10, "upper_arm": 0.186,
            "forearm": 0.146, "hip_half": 0.085, "shoulder_half": 0.115}


@dataclass(frozen=True)
class Body:
    """One simulated lifter: segment lengths in metres (height * fraction * jitter)."""

    lengths: dict

    @staticmethod
    def sample(rng: np.random.Generator) -> Body:
        height = rng.uniform(1.55, 1.95)  # m, adult lifters
        return Body({k: height * v * rng.uniform(0.92, 1.08) for k, v in SEGMENTS.items()})


@dataclass(frozen=True)
class SimClip:
    """A simulated clip: series in pixels plus its labels and the per-sample fault flag."""

    series: KeypointSeries
    lift: str
    style: str
    form: str  # "corr" or a fault name (deadlift: rb/oe/ehe; squat/bench: shared fault names)
    frame_bad: np.ndarray  # (T,) bool, True where the fault shows in this sample
    yaw_deg: float
    rep_bounds: tuple[tuple[int, int, int], ...]  # (start, turn, end) sample indices


def _depth_profile(rng: np.random.Generator, fps: float, n_reps: int) -> tuple[np.ndarray, list]:
    """Movement depth d(t) in [0, 1] (0 = standing/lockout, 1 = bottom) with idle time and pauses."""
    parts = [np.zeros(int(rng.uniform(0.3, 1.5) * fps))]
    bounds, cursor = [], len(parts[0])
    for _ in range(n_reps):
        down = int(rng.uniform(0.7, 1.6) * fps)
        hold = int(rng.uniform(0.0, 0.6) * fps)
        up = int(rng.uniform(0.6, 1.4) * fps)
        rest = int(rng.uniform(0.1, 0.8) * fps)
        seg = np.concatenate([(1 - np.cos(np.linspace(0, np.pi, down))) / 2, np.ones(hold),
                              (1 + np.cos(np.linspace(0, np.pi, up))) / 2, np.zeros(rest)])
        bounds.append((cursor, cursor + down + hold // 2, cursor + down + hold + up))
        cursor += len(seg)
        parts.append(seg)
    parts.append(np.zeros(int(rng.uniform(0.2, 1.0) * fps)))
    return np.concatenate(parts), bounds


def _lerp(a: float, b: float, w: np.ndarray) -> np.ndarray:
    return a + (b - a) * w


def _deadlift_angles(d: np.ndarray, style: str, form: str, rng: np.random.Generator) -> dict:
    """Segment angles from vertical (deg) for a deadlift at depth d; faults reshape the timing."""
    j = lambda: rng.uniform(0.85, 1.15)  # noqa: E731 - per-clip variation of each target angle
    if style == "romanian":  # knees soft and nearly fixed, hinge at the hips
        shank, thigh, trunk = 6 * j() * d, 18 * j() * d, 72 * j() * d
    elif style == "sumo":  # upright torso, wide knees
        shank, thigh, trunk = 8 * j() * d, 58 * j() * d, 32 * j() * d
    else:
        shank, thigh, trunk = 14 * j() * d, 68 * j() * d, 50 * j() * d
    neck = np.zeros_like(d)
    rounding = np.zeros_like(d)
    bad = np.zeros(d.shape, bool)
    if form == "ehe":  # knees extend first, trunk stays bent: hips shoot up (S0 class ehe)
        thigh = thigh * d ** 1.8  # knees straighten early in the pull...
        trunk = trunk * d ** 0.45  # ...while the torso stays bent
        bad = (d > 0.15) & (d < 0.85)
    elif form == "rb":  # spine flexes: chord shortens, shoulders and head drop
        rounding = 35 * j() * np.clip(d * 1.3, 0, 1)
        neck = 25 * j() * d
        bad = d > 0.3
    elif form == "oe":  # leaning back past vertical at lockout
        lean = np.clip(1 - d / 0.25, 0, 1)
        trunk = trunk - 16 * j() * lean
        neck = -15 * j() * lean
        bad = d < 0.15
    return {"shank": shank, "thigh": thigh, "trunk": trunk, "neck": neck, "rounding": rounding,
            "bad": bad, "stance": {"sumo": 0.24, "romanian": 0.1, "conventional": 0.11}[style] * j()}


def _squat_angles(d: np.ndarray, form: str, rng: np.random.Generator) -> dict:
    j = lambda: rng.uniform(0.88, 1.12)  # noqa: E731
    depth = 45 if form == "insufficient_depth" else 95
    lean = 62 if form == "forward_lean" else 38
    out = {"shank": 30 * j() * d, "thigh": depth * j() * d, "trunk": lean * j() * d, "neck": -10 * d,
           "rounding": np.zeros_like(d), "stance": 0.14 * j(), "knee_in": np.zeros_like(d),
           "heel": np.zeros_like(d)}
    bad = np.zeros(d.shape, bool)
    if form in ("insufficient_depth", "forward_lean"):
        bad = d > 0.5
    elif form == "knee_cave":
        out["knee_in"] = 0.08 * j() * d
        bad = d > 0.4
    elif form == "heel_rise":
        out["heel"] = 0.05 * j() * d
        out["shank"] = out["shank"] + 10 * d
        bad = d > 0.5
    out["bad"] = bad
    return out


def _chain(body: Body, a: dict, lift: str) -> np.ndarray:
    """Joint positions (T, 17, 3) in metres, x forward, y up, z to the lifter's left."""
    L = body.lengths
    T = len(a["shank"])
    r = np.radians
    out = np.zeros((T, 17, 3))
    heel = a.get("heel", np.zeros(T))
    ankle = np.stack([np.zeros(T), 0.08 + heel, np.zeros(T)], -1)
    knee = ankle + L["shank"] * np.stack([np.sin(r(a["shank"])), np.cos(r(a["shank"])), np.zeros(T)], -1)
    hip = knee + L["thigh"] * np.stack([-np.sin(r(a["thigh"])), np.cos(r(a["thigh"])), np.zeros(T)], -1)
    chord = L["trunk"] * np.cos(r(a["rounding"]) / 2)  # a flexed spine spans a shorter chord
    tr = r(a["trunk"] + a["rounding"] / 2)
    shoulder = hip + chord[:, None] * np.stack([np.sin(tr), np.cos(tr), np.zeros(T)], -1)
    head_dir = tr + r(a["rounding"] / 2 + a["neck"])
    ear = shoulder + L["neck"] * np.stack([np.sin(head_dir), np.cos(head_dir), np.zeros(T)], -1)
    face = ear + 0.09 * np.stack([np.cos(head_dir), -np.sin(head_dir), np.zeros(T)], -1)  # nose ahead of ears
    if lift == "squat":  # bar on the back: hands beside the shoulders, elbows down and back
        elbow = shoulder + L["upper_arm"] * np.stack([-np.sin(tr + 0.6), -np.cos(tr + 0.6), np.zeros(T)], -1)
        wrist = elbow + L["forearm"] * np.stack([np.sin(tr + 0.1), np.cos(tr + 0.1), np.zeros(T)], -1)
    else:  # arms hang from the shoulders under gravity
        elbow = shoulder + np.stack([np.zeros(T), -L["upper_arm"] * np.ones(T), np.zeros(T)], -1)
        wrist = elbow + np.stack([np.zeros(T), -L["forearm"] * np.ones(T), np.zeros(T)], -1)
    stance, hw, sw = a["stance"] * 1.75, L["hip_half"], L["shoulder_half"]
    knee_in = a.get("knee_in", np.zeros(T))
    grip = 0.16 if a["stance"] < 0.2 else 0.1  # m; sumo grips inside the knees
    for side, s in (("left", 1.0), ("right", -1.0)):
        def put(name: str, p: np.ndarray, z, side: str = side, s: float = s) -> None:
            """Place one joint of this side: the sagittal track ``p`` plus a lateral offset ``z`` (m)."""
            out[:, KP[f"{side}_{name}"]] = p + np.stack([np.zeros(T), np.zeros(T), s * np.broadcast_to(z, (T,))], -1)

        put("ankle", ankle, stance / 2)
        put("knee", knee, np.maximum(stance / 2 + 0.03 - knee_in, 0.02))
        put("hip", hip, hw)
        put("shoulder", shoulder, sw)
        put("elbow", elbow, sw + 0.03 if lift == "squat" else grip + 0.02)
        put("wrist", wrist, sw + 0.05 if lift == "squat" else grip)
        put("ear", ear, 0.07)
        put("eye", face - 0.02 * np.stack([np.zeros(T), -np.ones(T), np.zeros(T)], -1), 0.03)
    out[:, KP["nose"]] = face
    return out


def _bench_chain(body: Body, d: np.ndarray, form: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lying on a bench, pressing: d = 1 bar on the chest, 0 arms locked out. Head toward -x."""
    L = body.lengths
    T = len(d)
    bench_y = 0.45  # m, bench top
    out = np.zeros((T, 17, 3))
    hip = np.array([0.0, bench_y + 0.1, 0.0])
    shoulder = hip + np.array([-L["trunk"], 0.06, 0.0])  # slight arch
    knee = hip + np.array([L["thigh"] * 0.85, 0.05, 0.0])
    ankle = knee + np.array([0.05, -L["shank"] * 0.95, 0.0])
    lock = 0.6 if form == "incomplete_lockout" else 0.0  # share of the range left unpressed at the top
    bad = np.zeros(T, bool)
    for side, s in (("left", 1.0), ("right", -1.0)):
        dd = np.clip(d + lock * (1 - d), 0, 1) if form != "asymmetry" or side == "left" else \
            np.clip(d + 0.35 * np.sin(np.pi * d) + 0.15, 0, 1)
        upper = np.radians(_lerp(0, 100, dd))  # upper arm from vertical; > 90 = elbow below the shoulder
        elbow = shoulder + L["upper_arm"] * np.stack([0.3 * np.sin(upper), np.cos(upper), np.zeros(T)], -1)
        wrist = elbow + np.array([0.0, L["forearm"], 0.0])  # forearm stays vertical under the bar
        for name, p, z in (("shoulder", shoulder, 0.115), ("hip", hip, 0.085), ("knee", knee, 0.15),
                           ("ankle", ankle, 0.2), ("elbow", elbow, 0.22), ("wrist", wrist, 0.24),
                           ("ear", shoulder + np.array([-L["neck"], 0.02, 0]), 0.07),
                           ("eye", shoulder + np.array([-L["neck"] - 0.02, 0.07, 0]), 0.03)):
            out[:, KP[f"{side}_{name}"]] = p + np.array([0, 0, s * z])
    out[:, KP["nose"]] = shoulder + np.array([-L["neck"], 0.1, 0])
    if form == "incomplete_lockout":
        bad = d < 0.3
    elif form == "asymmetry":
        bad = (d > 0.1) & (d < 0.9)
    return out, bad


def _project(joints: np.ndarray, yaw_deg: float, rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """Camera: yaw about the vertical axis (0 = side view, 90 = front), random distance, roll, mirroring."""
    yaw = np.radians(yaw_deg)
    u = joints[..., 0] * np.cos(yaw) + joints[..., 2] * np.sin(yaw)
    v = joints[..., 1]
    roll = np.radians(rng.uniform(-3, 3))  # deg; a hand-held phone is rarely level
    u, v = u * np.cos(roll) - v * np.sin(roll), u * np.sin(roll) + v * np.cos(roll)
    if rng.random() < 0.5:
        u = -u  # lifter faces left
    width, height = ((1280, 720), (720, 1280), (1920, 1080))[rng.integers(3)]
    px_per_m = rng.uniform(0.35, 0.8) * height / 1.9  # lifter fills 35-80 % of the frame height
    cx = width / 2 + rng.uniform(-0.15, 0.15) * width
    base = height * rng.uniform(0.8, 0.95)
    xy = np.stack([cx + px_per_m * (u - np.nanmean(u)), base - px_per_m * v], -1)
    return xy, width, height


def _observe(xy: np.ndarray, joints: np.ndarray, yaw_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Pose-model-like output: jitter scaled to body size, lower confidence on the far side, dropouts."""
    T = xy.shape[0]
    scale = np.nanmax(xy[..., 1]) - np.nanmin(xy[..., 1])
    noisy = xy + rng.normal(0, rng.uniform(0.003, 0.012) * scale, xy.shape)  # 0.3-1.2 % of body size
    conf = rng.uniform(0.7, 0.99, (T, 17))
    if abs(np.cos(np.radians(yaw_deg))) > 0.7:  # side-ish view: the lifter's left (z > 0) is the far side
        far = joints[0, :, 2] * np.sign(np.cos(np.radians(yaw_deg))) > 0.01
        conf[:, far] *= rng.uniform(0.4, 0.9)  # far-side joints are partly hidden
    drop = rng.random((T, 17)) < rng.uniform(0.0, 0.08)
    conf[drop] = 0.0
    noisy[drop] = np.nan
    return np.concatenate([noisy, conf[..., None]], -1).astype(np.float32)


def simulate(lift: str, style: str = "", form: str = "corr", *, seed: int = 0, yaw_deg: float | None = None,
             n_reps: int | None = None, fps: float = 30.0) -> SimClip:
    """One labelled clip. ``style`` is for deadlifts; ``form`` is "corr" or a fault of that lift/style."""
    if lift not in LIFTS:
        raise ValueError(f"lift must be one of {LIFTS}, got {lift!r}")
    if lift == "deadlift" and (style not in DEADLIFT_STYLES or form not in FORMS_BY_STYLE[style]):
        raise ValueError(f"deadlift style/form must be in {FORMS_BY_STYLE}, got {style!r}/{form!r}")
    allowed = {"squat": ("corr", *SQUAT_FAULTS), "bench": ("corr", *BENCH_FAULTS)}
    if lift != "deadlift" and form not in allowed[lift]:
        raise ValueError(f"{lift} form must be one of {allowed[lift]}, got {form!r}")
    rng = np.random.default_rng(seed)
    body = Body.sample(rng)
    d, bounds = _depth_profile(rng, fps, n_reps or int(rng.integers(1, 4)))
    if yaw_deg is None:
        yaw_deg = float(rng.choice([rng.uniform(-25, 25), rng.uniform(-90, 90)], p=[0.7, 0.3]))
    if lift == "bench":
        joints, bad = _bench_chain(body, d, form, rng)
    else:
        a = _deadlift_angles(d, style, form, rng) if lift == "deadlift" else _squat_angles(d, form, rng)
        joints, bad = _chain(body, a, lift), a["bad"]
    xy, width, height = _project(joints, yaw_deg, rng)
    xyc = _observe(xy, joints, yaw_deg, rng)
    series = KeypointSeries(xyc, fps, width, height)
    return SimClip(series, lift, style, form, np.asarray(bad, bool), yaw_deg, tuple(bounds))


def simulate_set(n: int, seed: int = 0, lifts: tuple[str, ...] = LIFTS) -> list[SimClip]:
    """``n`` clips with balanced lift/style/form labels; clip i uses seed ``seed * 100003 + i``."""
    combos = []
    for lift in lifts:
        if lift == "deadlift":
            combos += [(lift, s, f) for s in DEADLIFT_STYLES for f in FORMS_BY_STYLE[s]]
        else:
            faults = SQUAT_FAULTS if lift == "squat" else BENCH_FAULTS
            combos += [(lift, "", f) for f in ("corr", *faults)]
    weights = np.array([1.0 / sum(c[0] == lift for c in combos) for lift, _, _ in combos])
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(combos), size=n, p=weights / weights.sum())
    return [simulate(*combos[k], seed=seed * 100003 + i) for i, k in enumerate(picks)]


# --- whole scenes: several people, a real camera, set-up around the set --------------------------------------------
# Used by the tests of lifter choice, lift type and rep counting: ``simulate_scene`` returns what the pose pass
# would have seen (a PoseTrace with everyone's detections per frame), so ``analyze_trace`` runs end to end.

BENCH_VIEWS = {  # camera position and aim point (m; x along the bench toward the feet, y up, z to the lifter's left)
    "side": ((-0.2, 0.9, 3.0), (-0.2, 0.6, 0.0)),
    "head_end": ((-1.3, 1.1, 0.1), (0.3, 0.4, 0.0)),  # phone behind the head, above bench height: head lowest
    "foot_end": ((2.3, 1.2, 0.1), (-0.3, 0.6, 0.0)),
    "floor": ((-0.2, 0.12, 2.6), (-0.2, 0.5, 0.0)),  # phone on the floor beside the bench
}
STANDING_VIEWS = {"side": ((0.0, 1.0, 3.5), (0.0, 0.9, 0.0)), "front": ((3.5, 1.0, 0.0), (0.0, 0.9, 0.0)),
                  "front_low": ((2.6, 0.3, 0.2), (0.0, 0.9, 0.0))}


@dataclass(frozen=True)
class SimScene:
    """A simulated clip as the pose pass sees it, with the truth: lift, reps and which person is the lifter."""

    trace: PoseTrace
    lift: str
    reps: int
    lifter_index: int  # index of the lifter among each frame's detections (the lifter is always detected first)
    bar_t: np.ndarray = None  # (T,) s; with bar_y, what a barbell tracker would report
    bar_y: np.ndarray = None  # (T,) px image height of the bar's centre (held: between the hands; let go: stays)


def _look_at(joints: np.ndarray, cam: np.ndarray, target: np.ndarray, f: float, size: tuple[int, int]) -> np.ndarray:
    """Pinhole projection of (..., 3) world points to (..., 2) pixels; y is up in the world, down in the image."""
    fwd = (target - cam) / np.linalg.norm(target - cam)
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    rel = joints - cam
    depth = np.maximum(rel @ fwd, 0.05)
    return np.stack([size[0] / 2 + f * (rel @ right) / depth, size[1] / 2 - f * (rel @ up) / depth], -1)


def _standing_joints(body: Body, lift: str, d: np.ndarray, rng: np.random.Generator,
                     hands_hang: np.ndarray | None = None, form: str = "corr") -> np.ndarray:
    """World joints of a standing lift at depth d; ``hands_hang`` (T,) in [0, 1] blends squat hands to hanging;
    ``form``: a squat's form (SQUAT_FAULTS), e.g. "insufficient_depth" for quarter squats."""
    if lift == "squat":
        joints = _chain(body, _squat_angles(d, form, rng), "squat")
        if hands_hang is not None and np.any(hands_hang > 0):
            hang = _chain(body, _squat_angles(d, "corr", np.random.default_rng(0)), "deadlift")
            w = np.asarray(hands_hang, float)[:, None, None]
            arms = [KP[f"{s}_{k}"] for s in ("left", "right") for k in ("elbow", "wrist")]
            joints[:, arms] = (1 - w) * joints[:, arms] + w * hang[:, arms]
        return joints
    return _chain(body, _deadlift_angles(d, "conventional", "corr", rng), "deadlift")


def _detections(xy: np.ndarray, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """(T, 17, 3) keypoints with pose-model-like jitter; joints outside the picture get low confidence."""
    scale = float(np.nanmax(xy[..., 1]) - np.nanmin(xy[..., 1]))
    noisy = xy + rng.normal(0, 0.004 * max(scale, 50.0), xy.shape)
    conf = rng.uniform(0.75, 0.98, xy.shape[:2])
    out = ((noisy[..., 0] < 0) | (noisy[..., 0] >= size[0]) | (noisy[..., 1] < 0) | (noisy[..., 1] >= size[1]))
    conf[out] = rng.uniform(0.01, 0.1, out.sum())
    return np.concatenate([noisy, conf[..., None]], -1).astype(np.float32)


def _paused(d: np.ndarray, pause_s: float, fps: float) -> np.ndarray:
    """The bar rests on the chest (d = 1) for ``pause_s`` more in every rep."""
    parts, i = [], 0
    for run_start in np.flatnonzero((d[1:] >= 1.0 - 1e-9) & (d[:-1] < 1.0 - 1e-9)) + 1:
        parts += [d[i:run_start], np.ones(int(pause_s * fps))]
        i = run_start
    return np.concatenate([*parts, d[i:]])


def _inclined(joints: np.ndarray, incline_deg: float) -> np.ndarray:
    """An incline bench: the upper body raised by ``incline_deg`` about the hips (the head, toward -x, goes up)."""
    if not incline_deg:
        return joints
    a = np.radians(incline_deg)
    upper = [KP[k] for k in ("nose", "left_eye", "right_eye", "left_ear", "right_ear")] + \
        [KP[f"{s}_{k}"] for s in ("left", "right") for k in ("shoulder", "elbow", "wrist")]
    hip = joints[:, [KP["left_hip"]], :].copy()
    hip[..., 2] = 0.0
    rel = joints[:, upper] - hip
    out = joints.copy()
    out[:, upper, 0] = hip[..., 0] + rel[..., 0] * np.cos(a) + rel[..., 1] * np.sin(a)
    out[:, upper, 1] = hip[..., 1] - rel[..., 0] * np.sin(a) + rel[..., 1] * np.cos(a)
    return out


def _spotter(d: np.ndarray, fps: float, seed: int) -> np.ndarray:
    """A tall spotter standing behind the bench's head end, a step nearer the camera: sways, and the hands
    rise and fall a little with the bar."""
    T = len(d)
    sway = 0.06 * (1 + np.sin(np.linspace(0, 2 * np.pi * T / fps / 3.0, T))) / 2
    sp = _chain(Body({k: 1.95 * v for k, v in SEGMENTS.items()}),
                _deadlift_angles(sway, "conventional", "corr", np.random.default_rng(seed + 1)), "deadlift")
    sp[..., 0] -= 0.95
    sp[..., 2] += 0.6
    for k in ("left_wrist", "right_wrist"):
        sp[:, KP[k], 1] += 0.05 * (1 - d)
    return sp


def simulate_scene(lift: str, *, view: str = "side", n_reps: int = 3, fps: float = 30.0, seed: int = 0,
                   spotter: bool = False, bystander: bool = False, walkout: bool = False,
                   stand_up_without_bar: bool = False, pan_px: float = 0.0, incline_deg: float = 0.0,
                   pause_s: float = 0.0, size: tuple[int, int] = (1280, 720), form: str = "corr") -> SimScene:
    """A set seen through a pinhole camera: ``view`` from BENCH_VIEWS (bench) or STANDING_VIEWS.

    Options: a ``spotter`` standing behind the bench (closer to the camera and taller than the lying lifter,
    swaying, hands following the bar a little); a bigger ``bystander`` standing still nearer the camera;
    ``walkout`` (squat: unrack dip, three steps back before the set, three forward and a re-rack dip after);
    ``stand_up_without_bar`` (squat: the bar is set down at the bottom after the set, hands leave it, the
    lifter stands up empty-handed; deadlift: after the last rep the lifter bends to the bar on the floor, lets
    go and stands up, which only the bar track (``bar_y``) tells from a rep); a camera panning ``pan_px``
    pixels to one side and back every 4 s;
    bench only: an incline bench (upper body raised by ``incline_deg``) and a ``pause_s`` hold of the bar on the
    chest in every rep; squat only: ``form`` (SQUAT_FAULTS; "insufficient_depth" = quarter squats).
    """
    rng = np.random.default_rng(seed)
    body = Body.sample(rng)
    d, _ = _depth_profile(rng, fps, n_reps)
    if pause_s > 0:
        d = _paused(d, pause_s, fps)
    T0 = len(d)
    shift = np.zeros((T0, 3))
    hang = np.zeros(T0)
    if lift == "squat" and walkout:
        def dip(n: int) -> np.ndarray:
            return 0.12 * np.sin(np.linspace(0, np.pi, n)) ** 2

        walk = int(2.0 * fps)
        steps = 0.04 * np.abs(np.sin(np.linspace(0, 3 * np.pi, walk)))  # knees bend a little at each step
        back = np.linspace(0.0, -0.7, walk)
        d = np.concatenate([np.zeros(int(0.5 * fps)), dip(int(1.0 * fps)), steps, d, steps, dip(int(1.0 * fps)),
                            np.zeros(int(0.5 * fps))])
        n_pre = int(0.5 * fps) + int(1.0 * fps)
        x = np.concatenate([np.zeros(n_pre), back, np.full(T0, -0.7), back[::-1],
                            np.zeros(len(d) - n_pre - 2 * walk - T0)])
        shift = np.stack([x, np.zeros_like(x), np.zeros_like(x)], -1)
        hang = np.zeros(len(d))
    released = len(d)  # sample from which the bar is no longer held
    if lift == "deadlift" and stand_up_without_bar:  # the bar is down after the last rep: let go, stand up
        release, up, tail = int(0.8 * fps), int(1.2 * fps), int(1.0 * fps)
        released = len(d)
        d = np.concatenate([d, (1 - np.cos(np.linspace(0, np.pi, int(1.2 * fps)))) / 2, np.ones(release),
                            (1 + np.cos(np.linspace(0, np.pi, up))) / 2, np.zeros(tail)])
        released += int(1.2 * fps)
        shift = np.concatenate([shift, np.repeat(shift[-1:], len(d) - len(shift), 0)])
        hang = np.zeros(len(d))
    if lift == "squat" and stand_up_without_bar:
        down = int(1.2 * fps)
        release = int(0.8 * fps)
        up = int(1.0 * fps)
        tail = int(1.0 * fps)
        d = np.concatenate([d, (1 - np.cos(np.linspace(0, np.pi, down))) / 2, np.ones(release),
                            (1 + np.cos(np.linspace(0, np.pi, up))) / 2, np.zeros(tail)])
        hang = np.concatenate([hang, np.zeros(down), np.linspace(0, 1, release), np.ones(up + tail)])
        released = len(d) - up - tail - release // 2
        shift = np.concatenate([shift, np.repeat(shift[-1:], len(d) - len(shift), 0)])
    T = len(d)
    if lift == "bench":
        joints, _ = _bench_chain(body, d, "corr", rng)
        joints = _inclined(joints, incline_deg)
        cam, target = BENCH_VIEWS[view]
    else:
        joints = _standing_joints(body, lift, d, rng, hang if hang.any() else None, form) + shift[:, None, :]
        cam, target = STANDING_VIEWS[view]
    cam, target = np.asarray(cam, float), np.asarray(target, float)
    f = 0.9 * size[0]
    people = [joints]
    if spotter and lift == "bench":
        people.append(_spotter(d, fps, seed))
    if bystander:
        by = _chain(Body({k: 1.9 * v for k, v in SEGMENTS.items()}),
                    _deadlift_angles(np.zeros(T), "conventional", "corr", np.random.default_rng(seed + 2)), "deadlift")
        by[..., 2] += 1.4  # nearer the camera: bigger in the picture
        by[..., 0] += 0.9
        people.append(by)
    frames = []
    pan = pan_px * np.sin(2 * np.pi * np.arange(T) / fps / 4.0)
    for p in people:
        xy = _look_at(p, cam, target, f, size)
        xy[..., 0] -= pan[:, None]
        frames.append(_detections(xy, rng, size))
    fp = []
    for t in range(T):
        kp = np.stack([k[t] for k in frames])
        lo, hi = np.nanmin(kp[..., :2], axis=1), np.nanmax(kp[..., :2], axis=1)
        pad = 0.08 * (hi - lo)
        boxes = np.concatenate([lo - pad, hi + pad], -1).astype(np.float32)
        fp.append(FramePeople(boxes, np.full(len(kp), 0.9, np.float32), kp))
    info = VideoInfo(fps, T, T / fps, size[0], size[1])
    trace = PoseTrace(info, tuple(fp), np.arange(T), np.arange(T) / fps, fps, "sim", 0.0, 0.0)
    bar_y = np.nanmean(_look_at(people[0][:, [KP["left_wrist"], KP["right_wrist"]]], cam, target, f, size)[..., 1], 1)
    bar_y[released:] = bar_y[released - 1] if 0 < released < T else bar_y[released:]
    return SimScene(trace, lift, n_reps, 0, np.arange(T) / fps, bar_y)
