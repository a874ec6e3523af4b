"""The leave-one-source-out machinery of ``python -m core evaluate clips``: a fitted key is derived exactly from one
run with it off, and ties go to the hand-set value, never to a value fitted on the held-out source."""

from __future__ import annotations

from core.evaluation.clips import FITTED, ClipResult, best_value


def clip(source: str, reps_true: int, reps: int, **kw) -> ClipResult:
    return ClipResult(f"{source}_x", source, "squat", "side", reps_true, lift="squat", reps=reps, counted_as="squat",
                      **kw)


def test_a_gate_drops_only_the_reps_it_measured_below_the_value():
    derive = FITTED["rep_gate_squat_hands_min"][2]
    res = clip("a", 3, 4, gates=(-1.1, -0.3))  # walk-out read with hanging hands, last rep on the bar
    assert derive(res, -0.8).reps == 3 and derive(res, float("-inf")).reps == 4
    assert FITTED["rep_gate_bench_arms_up"][2](res, 0.15).reps == 4  # a bench gate leaves a squat alone


def test_a_rep_cut_off_before_its_top_is_dropped_by_the_share_left():
    derive = FITTED["rep_top_left_max"][2]
    res = clip("a", 0, 1, top_left=(0.6,))
    assert derive(res, 0.35).reps == 0 and derive(res, float("inf")).reps == 1


def test_ties_go_to_the_hand_set_value_and_a_held_out_source_does_not_pick_its_own_value():
    grid = (0.1, 0.2, 0.3)
    by_value = {0.1: [clip("a", 1, 1), clip("b", 1, 2)], 0.2: [clip("a", 1, 1), clip("b", 1, 2)],
                0.3: [clip("a", 1, 1), clip("b", 1, 1)]}  # only source b pays for 0.3
    assert best_value(grid, by_value, lambda r: True, prior=0.1) == 0.3
    assert best_value(grid, by_value, lambda r: r.source != "b", prior=0.1) == 0.1
    assert best_value(grid, by_value, lambda r: r.source != "b") == 0.2  # no hand-set value: the middle one
