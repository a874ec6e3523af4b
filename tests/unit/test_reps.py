import numpy as np
import pytest

from core.config import AnalysisConfig
from core.movement.reps import (
    WorkSignal,
    baseline_hip_rule,
    bottom_bounds,
    keep_long_reps,
    merge_reps,
    phase_labels,
    segment_reps,
    split_rep,
)
from core.types import Rep

FPS = 30.0
CFG = AnalysisConfig()


def hip_profile(segments: list[tuple[float, float, float]]) -> np.ndarray:
    """Piecewise-cosine hip angle: each segment goes from a to b over s seconds."""
    out = []
    for a, b, s in segments:
        n = int(s * FPS)
        out.append(a + (b - a) * (1 - np.cos(np.linspace(0, np.pi, n))) / 2)
    return np.concatenate(out)


def deadlift(x: np.ndarray) -> WorkSignal:
    return WorkSignal(x, "hip angle", "deg", CFG.min_range_deadlift_deg, True)


def squat(x: np.ndarray) -> WorkSignal:
    return WorkSignal(x, "thigh depth", "sin", CFG.min_range_squat, False)


def test_three_deadlifts_with_walk_in_and_setup():
    rng = np.random.default_rng(1)
    walk = 172 + 3 * np.sin(np.linspace(0, 12, 90))  # walking: small hip wiggle
    x = np.concatenate([
        walk, hip_profile([(172, 70, 1.0), (70, 75, 1.0), (75, 70, 0.5)]),  # bend down, set up
        hip_profile([(70, 175, 1.0), (175, 70, 1.2), (70, 176, 1.0), (176, 70, 1.2), (70, 174, 1.0),
                     (174, 70, 1.2), (70, 72, 0.6)]),
    ])
    x = x + rng.normal(0, 1.5, len(x))  # keypoint jitter
    reps = segment_reps(deadlift(x), FPS, CFG)
    assert len(reps) == 3
    assert all(r.start < r.turn < r.end for r in reps)
    assert all(x[r.turn] > 165 for r in reps)
    assert all(a.end <= b.start for a, b in zip(reps, reps[1:], strict=False))


def test_concentric_only_deadlift_counts_and_is_incomplete():
    reps = segment_reps(deadlift(hip_profile([(75, 75, 0.5), (75, 175, 1.0), (175, 176, 0.3)])), FPS, CFG)
    assert len(reps) == 1 and not reps[0].complete


@pytest.mark.parametrize(("start", "turn", "end", "kept"), [
    pytest.param(100, 108, 108, False, id="still-rising-on-the-last-sample-for-0.27s"),
    pytest.param(100, 108, 112, True, id="lockout-seen-after-0.27s-of-pull"),
    pytest.param(100, 118, 118, True, id="still-rising-at-the-end-after-0.6s"),
])
def test_an_unfinished_rep_needs_its_lockout_seen_or_a_full_pull(start, turn, end, kept):
    """At 30 fps: an unfinished rep needs 0.2 s to its turn, or 0.4 s when it was still rising at the end
    (kantesh_deadlift_front at 15 fps ended on a 0.2 s rise and was counted as a 4th rep)."""
    reps = keep_long_reps([Rep(0, start, turn, end, complete=False)], FPS, CFG)
    assert len(reps) == int(kept)


@pytest.mark.parametrize(
    "segments",
    [
        pytest.param([(175, 176, 0.5), (176, 70, 1.2), (70, 71, 0.5)], id="lowering-only"),
        pytest.param([(174, 178, 0.5), (178, 173, 0.5), (173, 177, 0.5)], id="lockout-hold"),
        pytest.param([(150, 110, 0.1), (110, 150, 0.1), (150, 110, 0.1)], id="too-fast-twitch"),
    ],
)
def test_fragments_are_not_reps(segments):
    assert segment_reps(deadlift(hip_profile(segments)), FPS, CFG) == []


def test_squat_must_come_back_up():
    full = hip_profile([(-1, -1, 0.5), (-1, 0.1, 1.0), (0.1, -1, 1.0), (-1, -1, 0.5), (-1, 0.1, 1.0)])
    reps = segment_reps(squat(full), FPS, CFG)
    assert len(reps) == 1  # the second descent never stands back up
    assert reps[0].complete


def test_touch_and_go_reps_are_split():
    x = hip_profile([(70, 175, 1.0), (175, 90, 0.8), (90, 175, 0.8), (175, 70, 1.0)])
    # the dip to 90 deg never reaches the rest zone of the clip's range, but is deep enough to split
    reps = segment_reps(deadlift(x), FPS, CFG)
    assert len(reps) == 2


def test_baseline_rule_known_answer():
    x = hip_profile([(170, 80, 1), (80, 165, 1), (165, 80, 1), (80, 150, 1), (150, 80, 1)])
    reps = baseline_hip_rule(x, FPS, CFG)
    assert len(reps) == 1  # the second pull never passes 160 deg
    assert x[reps[0].turn] > 160 and x[reps[0].start] < 85


def test_phase_labels():
    reps = segment_reps(deadlift(hip_profile([(70, 175, 1.0), (175, 70, 1.0)])), FPS, CFG)
    ph = phase_labels(reps, 60, concentric_first=True)
    assert ph[reps[0].start] == "up" and ph[reps[0].end] == "down"


def test_merge_and_split_are_inverse_in_count():
    x = hip_profile([(70, 175, 1.0), (175, 70, 1.0)] * 2)
    sig = deadlift(x)
    reps = segment_reps(sig, FPS, CFG)
    assert len(reps) == 2
    merged = merge_reps(reps, 0, sig)
    assert len(merged) == 1 and merged[0].start == reps[0].start and merged[0].end == reps[1].end
    again = split_rep(merged, 0, reps[0].end, sig)
    assert [(r.start, r.end) for r in again] == [(reps[0].start, reps[0].end), (reps[0].end, reps[1].end)]
    with pytest.raises(ValueError, match="strictly inside"):
        split_rep(merged, 0, merged[0].start, sig)


def test_a_deadlift_band_starts_at_the_bottom_of_the_pull():
    """The quoted lowest hip angle must lie inside the rep's band: the rep starts where the hips are lowest,
    not where the hip angle climbs back through the rest zone (35 % of its range)."""
    x = hip_profile([(172, 172, 1.0), (172, 60, 1.2), (60, 60, 0.3), (60, 175, 1.0), (175, 175, 0.5),
                     (175, 60, 1.2), (60, 172, 1.0)])
    detected = segment_reps(deadlift(x), FPS, CFG)
    r = bottom_bounds(detected, deadlift(x), FPS, CFG)[0]
    assert x[detected[0].start] > 90  # detection starts where the hips re-enter the rest zone (kept for the rules)
    assert x[r.start] <= 60 + 2  # in the bottom hold (the rest-zone crossing is at ~100 deg)
    assert min(x[r.start:r.end + 1]) == pytest.approx(60, abs=0.5)  # the lowest hip angle is inside the band
    assert r.start >= int(2.2 * FPS) - 1  # not back into the set-up descent before it


def test_a_lockout_the_lifter_vanishes_into_is_not_held():
    """jf9ss9_deadlift fades to an end card: one garbled sample reads as standing, then the lifter is gone.
    A lockout the clip ends in counts only for the time the lifter is seen holding it."""
    from core.movement.reps import drop_short_unfinished_top

    config = AnalysisConfig()
    s = np.r_[np.linspace(0.0, 1.0, 30), np.ones(60)]  # gaps filled: the last seen value held to the end
    rep = Rep(0, 0, 29, 89, complete=False)
    seen_held = np.ones(90, bool)
    gone = np.r_[np.ones(31, bool), np.zeros(59, bool)]
    kept = drop_short_unfinished_top([rep], s, FPS, config, True, seen=seen_held)
    assert len(kept) == 1 and kept[0].top_s >= config.min_unfinished_top_s
    assert drop_short_unfinished_top([rep], s, FPS, config, True, seen=gone) == []
    assert len(drop_short_unfinished_top([rep], s, FPS, config, True)) == 1  # without ``seen``: as before
