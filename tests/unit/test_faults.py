"""Calibration checks: the fault rules' measurements and their PRIOR curves (the hand-set thresholds of
core.judgment.faults.FAULT_TABLE, p = 0.1 at ok, 0.9 at bad) on synthetic stick figures with exact geometry.

They check that each rule measures what it says and that the textbook threshold gives the textbook
answer; they are not evidence that the thresholds are right on real lifters (that is
``python -m core evaluate faults``, held out by lifter, and tests/integration/test_fault_verdicts.py)."""

from __future__ import annotations

import numpy as np
import pytest

from core.config import AnalysisConfig
from core.judgment.faults import geometry, judge_rules
from core.judgment.judge import judge
from core.judgment.lift import Label
from core.movement.angles import compute_joint_angles
from core.perception.view import ViewEstimate, estimate_view
from core.skeleton import KP
from core.types import KeypointSeries, Rep

SIDE = ViewEstimate("side", 0.05, 0.9)
FRONT = ViewEstimate("front", 0.9, 0.9)
FPS = 30.0
pytestmark = pytest.mark.calibration_check
PRIOR: dict = {}  # calibration params: {} = every row's prior curve (the hand-set thresholds)
SHIN, THIGH, TORSO, ARM = 100.0, 110.0, 130.0, 150.0  # px, adult proportions (Drillis & Contini)


def side_pose(shin_deg: float, thigh_deg: float, trunk_deg: float, head_drop: float = 0.0,
              elbow: float = 180.0) -> np.ndarray:
    """(17, 3) side-view pose facing image right. Angles in degrees:
    shin forward of vertical, thigh above horizontal, trunk forward of vertical (negative = leaning back);
    ``head_drop`` moves the ear toward the chest, in torso lengths."""
    r = np.radians
    ankle = np.array([300.0, 600.0])
    knee = ankle + SHIN * np.array([np.sin(r(shin_deg)), -np.cos(r(shin_deg))])
    hip = knee + THIGH * np.array([-np.cos(r(thigh_deg)), -np.sin(r(thigh_deg))])
    up = np.array([np.sin(r(trunk_deg)), -np.cos(r(trunk_deg))])
    chest = np.array([-up[1], up[0]])  # perpendicular toward the front (facing +x)
    shoulder = hip + TORSO * up
    ear = shoulder + 0.25 * TORSO * up + head_drop * TORSO * chest
    nose = ear + np.array([15.0, 3.0])
    elbow_pt = shoulder + ARM / 2 * np.array([0.0, 1.0])
    bend = r(180.0 - elbow)
    wrist = elbow_pt + ARM / 2 * np.array([np.sin(bend), np.cos(bend)])
    pts = {"nose": nose, "ear": ear, "eye": nose - [5, 5], "shoulder": shoulder, "elbow": elbow_pt,
           "wrist": wrist, "hip": hip, "knee": knee, "ankle": ankle}
    out = np.zeros((17, 3))
    for name, i in KP.items():
        base = name.split("_", 1)[-1]
        side_shift = 2.0 if name.startswith("left") else 0.0  # the far side almost hidden
        out[i, :2] = pts[base] + [side_shift, 0.0]
        out[i, 2] = 0.9
    return out


def front_pose(knee_ratio: float = 1.1, ankle_spread: float = 100.0, tilt_deg: float = 0.0,
               thigh_deg: float = 60.0, shoulder_w: float = 90.0) -> np.ndarray:
    """(17, 3) front view: left side on image right. ``tilt_deg`` > 0 lowers the left shoulder."""
    out = np.zeros((17, 3))
    cx, ground = 400.0, 600.0
    hip_y = ground - SHIN - THIGH * np.sin(np.radians(thigh_deg))
    knee_y = ground - SHIN
    half_tilt = shoulder_w / 2 * np.tan(np.radians(tilt_deg))
    rows = {"ankle": (ankle_spread / 2, ground, 0.0), "knee": (ankle_spread * knee_ratio / 2, knee_y, 0.0),
            "hip": (35.0, hip_y, 0.0), "shoulder": (shoulder_w / 2, hip_y - TORSO, half_tilt),
            "elbow": (shoulder_w / 2 + 5, hip_y - TORSO + 70, 0.0),
            "wrist": (shoulder_w / 2 + 5, hip_y - TORSO + 140, 0.0),
            "ear": (12.0, hip_y - TORSO - 35, 0.0), "eye": (8.0, hip_y - TORSO - 45, 0.0)}
    for name, i in KP.items():
        if name == "nose":
            out[i] = (cx, hip_y - TORSO - 40, 0.9)
            continue
        side, base = name.split("_", 1)
        dx, y, dy = rows[base]
        sign = 1.0 if side == "left" else -1.0
        out[i] = (cx + sign * dx, y + sign * dy, 0.9)
    return out


def series_of(poses: list[np.ndarray]) -> KeypointSeries:
    return KeypointSeries(np.stack(poses).astype(np.float32), FPS, 800, 800)


def one_rep(poses: list[np.ndarray], lift: str, view: ViewEstimate, turn: int | None = None):
    s = series_of(poses)
    n = len(poses)
    rep = Rep(0, 0, n // 2 if turn is None else turn, n - 1)
    results = judge_rules.judge_rep_detailed(lift, s, compute_joint_angles(s), rep, view, lift == "deadlift",
                                        params=PRIOR)
    return {judge_rules.as_fault(r).name: judge_rules.as_fault(r) for r in results}, s, rep


def lerp(a: float, b: float, n: int) -> np.ndarray:
    return np.linspace(a, b, n)


# --- deadlift -------------------------------------------------------------------------------

def deadlift(lockout_trunk: float = 0.0, head_drop: float = 0.0, hips_first: bool = False, n: int = 30):
    """A pull from the floor (start) to lockout (last frame = turn)."""
    third = n // 3
    if hips_first:  # knees straighten, thighs rise, chest stays down: trunk tips forward
        shin = np.r_[lerp(25, 5, third), np.full(n - third, 5.0)]
        thigh = np.r_[lerp(10, 45, third), lerp(45, 90, n - third)]
        trunk = np.r_[lerp(55, 70, third), lerp(70, lockout_trunk, n - third)]
    else:  # knees and hips together, back angle constant off the floor
        shin = lerp(25, 0, n)
        thigh = lerp(10, 90, n)
        trunk = np.r_[np.full(third, 55.0), lerp(55, lockout_trunk, n - third)]
    drop = np.r_[np.full(n - 5, head_drop), np.zeros(5)]
    poses = [side_pose(a, b, c, d) for a, b, c, d in zip(shin, thigh, trunk, drop, strict=True)]
    return poses + [poses[-1]] * 5  # hold the lockout for 5 frames


@pytest.mark.parametrize(("trunk", "detected"), [
    pytest.param(-20.0, True, id="leans-back-20deg"),
    pytest.param(0.0, False, id="upright"),
])
def test_lockout_overextension(trunk, detected):
    f, _, _ = one_rep(deadlift(lockout_trunk=trunk), "deadlift", SIDE, turn=31)
    fault = f["lockout_overextension"]
    assert fault.judgeable and fault.detected is detected
    assert f"{abs(trunk):.0f}°" in fault.evidence


@pytest.mark.parametrize(("hips_first", "detected"), [
    pytest.param(True, True, id="hips-shoot-up"), pytest.param(False, False, id="together")])
def test_early_hip_rise(hips_first, detected):
    f, _, _ = one_rep(deadlift(hips_first=hips_first), "deadlift", SIDE, turn=31)
    assert f["early_hip_rise"].detected is detected
    assert "early in the pull your" in f["early_hip_rise"].evidence
    assert ("hips rose before your chest" in f["early_hip_rise"].evidence) is detected


@pytest.mark.parametrize(("drop", "detected"), [
    pytest.param(0.35, True, id="head-dropped"), pytest.param(0.0, False, id="neutral-head")])
def test_rounded_back_head_proxy(drop, detected):
    f, _, _ = one_rep(deadlift(head_drop=drop), "deadlift", SIDE, turn=31)
    assert f["rounded_upper_back"].detected is detected
    assert f"head sat {drop * 100:.0f} % of a torso length" in f["rounded_upper_back"].evidence


HALF_WIDTH = {"shoulder": 52.0, "hip": 35.0, "elbow": 55.0, "wrist": 55.0, "knee": 30.0, "ankle": 30.0,
              "ear": 20.0, "eye": 8.0}  # px left of the sagittal plane, for a 130 px torso (~0.4 m shoulders)


def curl_torso(pose: np.ndarray, chord: float) -> np.ndarray:
    """The upper body moved toward the hips so the shoulder-hip distance is ``chord`` times its length."""
    out = pose.copy()
    hip = (pose[KP["left_hip"], :2] + pose[KP["right_hip"], :2]) / 2
    sh = (pose[KP["left_shoulder"], :2] + pose[KP["right_shoulder"], :2]) / 2
    shift = (hip + chord * (sh - hip)) - sh
    for name, i in KP.items():
        if name.split("_", 1)[-1] in ("nose", "eye", "ear", "shoulder", "elbow", "wrist"):
            out[i, :2] += shift
    return out


def seen_at_yaw(pose: np.ndarray, yaw_deg: float) -> np.ndarray:
    """A side-view pose turned into the picture of a camera ``yaw_deg`` round from the side (0 = side)."""
    out = pose.copy()
    c, s = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
    for name, i in KP.items():
        side, _, base = name.partition("_")
        z = HALF_WIDTH.get(base, 0.0) * (1.0 if side == "left" else -1.0 if side == "right" else 0.0)
        out[i, 0] = 300.0 + (pose[i, 0] - 300.0) * c + z * s
    return out


@pytest.mark.parametrize(("chord", "detected"), [
    pytest.param(1.0, False, id="rigid-torso"), pytest.param(0.7, True, id="chord-30pct-shorter")])
def test_rounded_back_corrects_the_camera_angle(chord, detected, monkeypatch):
    """Seen 50 deg off side-on, a flat back hinged 55 deg looks ~20 % shorter (foreshortening, not rounding);
    only a chord that really shortens is flagged."""
    poses = deadlift()
    pull = len(poses) - 5
    poses = [curl_torso(p, chord) if i < pull - 10 else p for i, p in enumerate(poses)]
    turned = [seen_at_yaw(p, 50.0) for p in poses]
    view = ViewEstimate("oblique", 0.51, 0.8)
    f, _, _ = one_rep(turned, "deadlift", view, turn=31)
    assert f["rounded_lower_back"].judgeable and f["rounded_lower_back"].detected is detected
    monkeypatch.setattr(geometry, "YAW_MAX_DEG", 0.0)  # without the correction every oblique pull is "rounded"
    uncorrected, _, _ = one_rep(turned, "deadlift", view, turn=31)
    assert uncorrected["rounded_lower_back"].detected


def test_front_view_cannot_judge_sagittal_deadlift_faults():
    f, _, _ = one_rep(deadlift(lockout_trunk=-20.0), "deadlift", FRONT, turn=31)
    for name in ("rounded_lower_back", "early_hip_rise", "lockout_overextension"):
        assert not f[name].judgeable and not f[name].detected
        assert "can't judge this from this angle" in f[name].evidence


def test_synthetic_side_pose_is_estimated_side_view():
    assert estimate_view(series_of(deadlift())).label == "side"
    assert estimate_view(series_of([front_pose()] * 10)).label == "front"


# --- squat ---------------------------------------------------------------------------------

def squat(bottom_thigh: float, bottom_trunk: float = 30.0, ankle_rise: float = 0.0, n: int = 31):
    """Standing -> bottom (middle frame) -> standing."""
    half = n // 2
    hold = np.full(5, float(bottom_thigh))  # 5 frames at the bottom
    thigh = np.r_[lerp(90, bottom_thigh, half - 2), hold, lerp(bottom_thigh, 90, n - half - 3)]
    trunk = np.r_[lerp(5, bottom_trunk, half - 2), np.full(5, bottom_trunk), lerp(bottom_trunk, 5, n - half - 3)]
    poses = [side_pose(20, a, b) for a, b in zip(thigh, trunk, strict=True)]
    for k in range(half - 2, half + 3):  # heels off the floor at the bottom: the whole body rises with the ankle
        poses[k][:, 1] -= ankle_rise * SHIN
    return poses


@pytest.mark.parametrize(("thigh", "detected", "text"), [
    pytest.param(20.0, True, "20° above parallel", id="shallow"),
    pytest.param(-10.0, False, "10° below parallel", id="deep"),
])
def test_insufficient_depth(thigh, detected, text):
    f, _, _ = one_rep(squat(thigh), "squat", SIDE)
    assert f["insufficient_depth"].detected is detected
    assert text in f["insufficient_depth"].evidence


@pytest.mark.parametrize(("trunk", "detected"), [pytest.param(60.0, True, id="60deg"),
                                                 pytest.param(30.0, False, id="30deg")])
def test_forward_lean(trunk, detected):
    f, _, _ = one_rep(squat(-5.0, bottom_trunk=trunk), "squat", SIDE)
    assert f["forward_lean"].detected is detected
    assert f"{trunk:.0f}° forward from upright" in f["forward_lean"].evidence


@pytest.mark.parametrize(("rise", "detected"), [pytest.param(0.15, True, id="heels-up"),
                                                pytest.param(0.0, False, id="flat")])
def test_heel_rise(rise, detected):
    f, _, _ = one_rep(squat(-5.0, ankle_rise=rise), "squat", SIDE)
    assert f["heel_rise"].detected is detected
    assert f"rose about {rise * 40:.0f} cm" in f["heel_rise"].evidence  # a shin is ~40 cm


def front_squat(knee_ratio_bottom: float, n: int = 21):
    half = n // 2
    thigh = np.r_[lerp(80, 0, half - 2), np.zeros(5), lerp(0, 80, n - half - 3)]
    ratio = np.r_[lerp(1.1, knee_ratio_bottom, half - 2), np.full(5, knee_ratio_bottom),
                  lerp(knee_ratio_bottom, 1.1, n - half - 3)]
    return [front_pose(knee_ratio=r, thigh_deg=t) for r, t in zip(ratio, thigh, strict=True)]


@pytest.mark.parametrize(("ratio", "detected"), [pytest.param(0.7, True, id="valgus"),
                                                 pytest.param(1.2, False, id="knees-out")])
def test_knee_cave_from_the_front(ratio, detected):
    f, _, _ = one_rep(front_squat(ratio), "squat", FRONT)
    assert f["knee_cave"].judgeable and f["knee_cave"].detected is detected
    assert f"{ratio * 100:.0f} % of your feet's width apart" in f["knee_cave"].evidence
    assert "0° above parallel" in f["insufficient_depth"].evidence  # depth is read right from the front too


def test_knee_cave_not_judgeable_from_the_side():
    f, _, _ = one_rep(front_squat(0.7), "squat", SIDE)
    assert not f["knee_cave"].judgeable and not f["knee_cave"].detected
    assert "can't judge this from this angle" in f["knee_cave"].evidence


def test_poorly_seen_rep_is_not_judged():
    poses = squat(20.0)
    for p in poses:
        p[:, 2] = 0.1  # keypoint confidence far below the gate
    f, _, _ = one_rep(poses, "squat", SIDE)
    assert all(not x.judgeable and not x.detected for x in f.values())
    assert "hard to see" in f["insufficient_depth"].evidence


# --- bench ---------------------------------------------------------------------------------

def bench(top_elbow: float, n: int = 21):
    """Press seen from the side: top -> chest (middle) -> top; elbow angle in degrees."""
    half = n // 2
    elbow = np.r_[lerp(top_elbow, 80, half + 1), lerp(80, top_elbow, n - half - 4), np.full(3, top_elbow)]
    return [side_pose(0, 90, 0, elbow=e) for e in elbow]


@pytest.mark.parametrize(("elbow", "detected"), [pytest.param(140.0, True, id="soft-lockout"),
                                                 pytest.param(178.0, False, id="locked")])
def test_incomplete_lockout(elbow, detected):
    f, _, _ = one_rep(bench(elbow), "bench", SIDE)
    assert f["incomplete_lockout"].detected is detected
    assert f"{elbow:.0f}°" in f["incomplete_lockout"].evidence
    assert not f["asymmetry"].judgeable  # left/right cannot be compared from the side


def test_asymmetry_from_the_front():
    poses = [front_pose() for _ in range(15)]
    for p in poses:
        p[KP["left_wrist"], 1] += 0.3 * 90.0  # left hand 0.3 shoulder widths lower
    f, _, _ = one_rep(poses, "bench", FRONT)
    assert f["asymmetry"].detected and "30 % of your shoulder width" in f["asymmetry"].evidence
    assert "left hand was lower" in f["asymmetry"].evidence


# --- whole set ----------------------------------------------------------------------------

@pytest.mark.parametrize(("spread", "label"), [pytest.param(200.0, "wide", id="wide"),
                                               pytest.param(110.0, "neutral", id="neutral"),
                                               pytest.param(40.0, "narrow", id="narrow")])
def test_stance_width_labels(spread, label):
    s = series_of([front_pose(ankle_spread=spread)] * 10)
    f = judge_rules.stance_width("squat", s, FRONT, [], params=PRIOR)
    assert f.label == label and f.detected is (label != "neutral")
    assert f"{spread / 90:.1f}× your shoulder width" in f.evidence


def test_stance_width_not_judgeable_from_the_side():
    f = judge_rules.stance_width("squat", series_of(deadlift()), SIDE, [])
    assert not f.judgeable and "can't judge this from this angle" in f.evidence


@pytest.mark.parametrize(("tilt", "label", "detected"), [pytest.param(10.0, "left", True, id="left-low"),
                                                         pytest.param(-10.0, "right", True, id="right-low"),
                                                         pytest.param(0.0, "neutral", False, id="level")])
def test_lateral_lean(tilt, label, detected):
    f = judge_rules.lateral_lean("squat", series_of([front_pose(tilt_deg=tilt)] * 10), FRONT, [], params=PRIOR)
    assert f.label == label and f.detected is detected
    assert f"{abs(tilt):.1f}°" in f.evidence


# --- per-frame scores through judge() -------------------------------------------------------

def test_frame_scores_mark_the_bottom_of_a_shallow_squat():
    poses = [side_pose(20, 90, 5)] * 5 + squat(25.0) + [side_pose(20, 90, 5)] * 5
    s = series_of(poses)
    reps = [Rep(0, 5, 20, 35)]
    angles = compute_joint_angles(s)
    details = [judge_rules.judge_rep_detailed("squat", s, angles, reps[0], SIDE, False, params=PRIOR)]
    rule_scores = judge_rules.frame_scores(s, reps, details)
    p, why = rule_scores["p_bad"], rule_scores["reason"]
    assert len(p) == s.n_frames and p[0] is None and why[0] == "not in a rep"
    assert p[20] >= judge_rules.P_FAULT and "above parallel" in why[20]  # at the bottom
    assert p[6] is not None and p[6] < 0.5
    j = judge(s, angles, reps, Label("squat", 1.0), SIDE, None, AnalysisConfig())
    depth = next(f for f in j.rep_faults[0] if f.name == "insufficient_depth" and f.source == "rule")
    assert depth.detected and j.frame_scores is not None
    assert [f.name for f in j.set_faults] == ["stance_width", "lateral_lean"]


@pytest.mark.parametrize(("x", "ok", "bad", "expected"), [
    pytest.param(5.0, 0.0, 10.0, 0.5, id="mid"), pytest.param(-3.0, 0.0, 10.0, 0.0, id="below"),
    pytest.param(130.0, 170.0, 150.0, 1.0, id="reversed-ramp-bad"),
    pytest.param(160.0, 170.0, 150.0, 0.5, id="rev-mid"),
])
def test_ramp_known_answers(x, ok, bad, expected):
    assert float(judge_rules.ramp(x, ok, bad)) == pytest.approx(expected)
