"""The motion gate's three tiers (core.perception.sampling.MotionGate) on a body that stands, moves slowly, moves
fast and stands again: pose runs on every sample only while it moves fast, on every other one while it moves
slowly, every 0.2 s while it stands; every skipped sample is filled on the line between its posed neighbours, so
a steady movement loses nothing."""

from __future__ import annotations

import numpy as np

from core.config import AnalysisConfig
from core.perception.sampling import MotionGate, fill_skipped
from core.types import FramePeople

HZ = 30.0  # samples/s
BODY_PX = 400.0  # box height, px: one body height


def _person(y: float) -> FramePeople:
    """One upright person whose 17 keypoints sit on a column, shifted down by ``y`` px."""
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, :, 0] = 300.0
    kp[0, :, 1] = 100.0 + np.linspace(0, BODY_PX, 17) + y
    kp[0, :, 2] = 0.9
    box = np.array([[250.0, 100.0 + y, 350.0, 100.0 + BODY_PX + y]], np.float32)
    return FramePeople(box, np.array([0.9], np.float32), kp)


def _profile() -> tuple[np.ndarray, dict[str, slice]]:
    """Vertical offset (px) per sample: 2 s still, 2 s slow (0.25 body heights/s), 1 s fast (2 body heights/s),
    2 s still."""
    still1, slow, fast, still2 = (int(s * HZ) for s in (2, 2, 1, 2))
    v_slow, v_fast = 0.25 * BODY_PX / HZ, 2.0 * BODY_PX / HZ  # px per sample
    end = v_slow * slow + v_fast * fast
    y = np.concatenate([np.zeros(still1), v_slow * np.arange(1, slow + 1),
                        v_slow * slow + v_fast * np.arange(1, fast + 1), np.full(still2, end)])
    a, b, c = still1, still1 + slow, still1 + slow + fast
    # the tiers' steady parts (the gate needs a few samples to change tier)
    return y, {"still": slice(0, a), "slow": slice(a + 8, b - 8), "fast": slice(b + 8, c - 8),
               "after": slice(c + 16, None)}


def _run(config: AnalysisConfig):
    y, parts = _profile()
    truth = [_person(v) for v in y]
    gate = MotionGate.for_config(config, HZ)
    calls: list[list[int]] = []

    def pose(idx: list[int]) -> list[FramePeople]:
        calls.append(list(idx))
        return [truth[i] for i in idx]

    out = [p for _, p in gate.run(range(len(y)), pose)]
    posed = np.array([p is not None for p in out])
    filled = fill_skipped(out, np.arange(len(y)) / HZ)
    return y, parts, posed, filled, calls, gate


def test_fast_movement_is_posed_at_every_sample_slow_at_every_other_and_stillness_rarely():
    config = AnalysisConfig(slow_step_s=1 / 15, fast_bh_s=1.0)
    y, parts, posed, filled, _calls, gate = _run(config)
    assert posed[parts["fast"]].all()
    assert 0.4 <= posed[parts["slow"]].mean() <= 0.6
    assert posed[parts["still"]].mean() < 0.35 and posed[parts["after"]].mean() < 0.35
    assert gate.stats.posed == int(posed.sum()) and gate.stats.skipped == len(y) - int(posed.sum())
    # every sample has its person, on the true path where the movement is steady (linear between poses)
    for part in ("still", "slow", "fast", "after"):
        for i in range(len(y))[parts[part]]:
            assert len(filled[i]) == 1
            assert abs(float(filled[i].keypoints[0, 0, 1]) - (100.0 + y[i])) < 0.5, (part, i)


def test_the_slow_tier_off_poses_every_sample_while_anything_moves():
    _y, parts, posed, _filled, _calls, _gate = _run(AnalysisConfig(slow_step_s=0.0))
    assert posed[parts["slow"]].all() and posed[parts["fast"]].all()
    assert posed[parts["still"]].mean() < 0.35


def test_slow_poses_go_to_the_model_in_batches():
    """The slow tier poses its samples four at a time (one model call), as the dense tier does: half the
    samples must not mean twice the calls (the pose backend runs a batch on both cores at once)."""
    _y, parts, _posed, _filled, calls, _gate = _run(AnalysisConfig(slow_step_s=1 / 15, fast_bh_s=1.0))
    lo, hi = parts["slow"].start, parts["slow"].stop
    slow_calls = [c for c in calls if lo <= c[0] and c[-1] < hi]
    assert slow_calls and all(len(c) == 4 and np.all(np.diff(c) == 2) for c in slow_calls)
