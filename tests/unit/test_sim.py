"""The simulator gives anatomically sane clips, and each fault changes the motion as designed."""

from __future__ import annotations

import numpy as np
import pytest

from core.judgment.learned.features import normalize_pose
from core.judgment.learned.sim import simulate, simulate_set
from core.movement.angles import compute_joint_angles
from core.skeleton import KP


def _bone(xyc: np.ndarray, a: str, b: str) -> np.ndarray:
    return np.linalg.norm(xyc[:, KP[a], :2] - xyc[:, KP[b], :2], axis=1)


@pytest.mark.parametrize("lift,style", [("deadlift", "conventional"), ("deadlift", "sumo"), ("squat", "")])
def test_segment_lengths_constant_in_side_view(lift, style):
    xyc = simulate(lift, style, "corr", seed=3, yaw_deg=0.0).series.xyc
    for a, b in (("right_hip", "right_knee"), ("right_knee", "right_ankle"), ("right_shoulder", "right_elbow")):
        length = _bone(xyc, a, b)
        length = length[np.isfinite(length)]
        assert np.std(length) / np.mean(length) < 0.08, (a, b)  # px jitter only (noise <= 1.2 % of body)


def test_angles_in_range_and_deadlift_reaches_floor_and_lockout():
    clip = simulate("deadlift", "conventional", "corr", seed=5, yaw_deg=0.0, n_reps=2)
    angles = compute_joint_angles(clip.series)
    hip, knee = angles["hip"], angles["knee"]
    for a in (hip, knee):
        assert np.nanmin(a) >= 0 and np.nanmax(a) <= 180
    assert np.nanmin(hip) < 90 < 160 < np.nanmax(hip)  # floor set-up and lockout (S0's 85/160 deg rule)
    assert len(clip.rep_bounds) == 2 and clip.frame_bad.sum() == 0


def _lockout_lean(xyc: np.ndarray) -> float:
    """Shoulder ahead of hip at the most upright frame, torso units (facing +x)."""
    p = normalize_pose(xyc)
    sh = p[:, [5, 6], 0].mean(1) - p[:, [11, 12], 0].mean(1)
    height = p[:, [5, 6], 1].mean(1)
    top = height >= np.quantile(height, 0.9)
    return float(np.median(sh[top]))


def test_overextension_leans_back_at_lockout():
    good = simulate("deadlift", "conventional", "corr", seed=11, yaw_deg=0.0).series.xyc
    over = simulate("deadlift", "conventional", "oe", seed=11, yaw_deg=0.0).series.xyc
    assert _lockout_lean(over) < _lockout_lean(good) - 0.1  # shoulders behind the hips at the top


def test_rounded_back_drops_the_head_at_the_floor():
    def lowest_head(form):
        p = normalize_pose(simulate("deadlift", "conventional", form, seed=12, yaw_deg=0.0).series.xyc)
        return np.min(p[:, 0, 1] - p[:, [5, 6], 1].mean(1))  # nose above the shoulders, torso units

    assert lowest_head("rb") < lowest_head("corr") - 0.1


def test_shallow_squat_keeps_the_hips_higher():
    def lowest_hip(form):
        p = normalize_pose(simulate("squat", "", form, seed=13, yaw_deg=0.0).series.xyc)
        return p[:, [11, 12], 1].mean(1).min()

    assert lowest_hip("insufficient_depth") > lowest_hip("corr") + 0.2  # torso units


def test_set_is_balanced_and_reproducible():
    a, b = simulate_set(30, seed=4), simulate_set(30, seed=4)
    assert [c.form for c in a] == [c.form for c in b]
    assert np.array_equal(np.nan_to_num(a[0].series.xyc), np.nan_to_num(b[0].series.xyc))
    assert {c.lift for c in a} == {"deadlift", "squat", "bench"}


def test_bad_labels_raise():
    with pytest.raises(ValueError, match="deadlift style/form"):
        simulate("deadlift", "romanian", "ehe")
    with pytest.raises(ValueError, match="lift must be one of"):
        simulate("clean")
