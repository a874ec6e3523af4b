import numpy as np
import pytest

from core.movement.angles import angle_from_vertical, compute_joint_angles, joint_angle
from core.skeleton import ANGLE_NAMES, KP
from core.types import KeypointSeries


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        pytest.param((1, 0), (0, 0), (0, 1), 90.0, id="right-angle"),
        pytest.param((1, 0), (0, 0), (-1, 0), 180.0, id="straight"),
        pytest.param((1, 0), (0, 0), (1, 1), 45.0, id="45"),
        pytest.param((2, 0), (0, 0), (1, 1e-9), 0.0, id="folded"),
        pytest.param((1, 0), (0, 0), (0, -1), 90.0, id="orientation-free"),
    ],
)
def test_joint_angle_known_answers(a, b, c, expected):
    got = joint_angle(np.array(a, float), np.array(b, float), np.array(c, float))
    assert got == pytest.approx(expected, abs=1e-6)


def test_joint_angle_nan_and_degenerate():
    assert np.isnan(joint_angle(np.array([np.nan, 0]), np.zeros(2), np.array([0, 1.0])))
    assert np.isnan(joint_angle(np.zeros(2), np.zeros(2), np.array([0, 1.0])))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param((0, 10), (0, 0), 0.0, id="straight-up"),  # image y grows downwards
        pytest.param((0, 0), (10, 0), 90.0, id="horizontal"),
        pytest.param((0, 0), (0, 10), 180.0, id="straight-down"),
        pytest.param((0, 10), (10, 0), 45.0, id="45-forward"),
        pytest.param((0, 10), (-10, 0), 45.0, id="45-backward"),
    ],
)
def test_angle_from_vertical(a, b, expected):
    assert angle_from_vertical(np.array(a, float), np.array(b, float)) == pytest.approx(expected, abs=1e-6)


def _standing_pose(knee_bend_deg: float = 0.0) -> np.ndarray:
    """A side-view stick figure; the right side is hidden (low confidence, offset)."""
    xyc = np.zeros((17, 3), np.float32)
    xyc[:, 2] = 0.9
    pts = {"shoulder": (100, 100), "hip": (100, 200), "knee": (100, 300), "elbow": (100, 150),
           "wrist": (100, 200), "ear": (100, 70)}
    for name, (x, y) in pts.items():
        xyc[KP[f"left_{name}"], :2] = (x, y)
        xyc[KP[f"right_{name}"], :2] = (x + 30, y + 40)  # wrong on purpose
        xyc[KP[f"right_{name}"], 2] = 0.3
    t = np.radians(knee_bend_deg)
    xyc[KP["left_ankle"], :2] = (100 + 100 * np.sin(t), 300 + 100 * np.cos(t))
    xyc[KP["right_ankle"], :2] = (0, 0)
    xyc[KP["right_ankle"], 2] = 0.3
    return xyc


def test_compute_joint_angles_reads_the_visible_side():
    xyc = np.stack([_standing_pose(0), _standing_pose(90)])
    angles = compute_joint_angles(KeypointSeries(xyc, fps=30, width=640, height=480))
    assert set(ANGLE_NAMES) <= set(angles.names)
    assert angles["knee"] == pytest.approx([180.0, 90.0], abs=1e-4)
    assert angles["hip"] == pytest.approx([180.0, 180.0], abs=1e-4)
    assert angles["trunk_lean"] == pytest.approx([0.0, 0.0], abs=1e-4)
    assert angles.side[angles.names.index("knee")] == "left"
    finite = angles.values[np.isfinite(angles.values)]
    assert ((finite >= 0) & (finite <= 180)).all()
