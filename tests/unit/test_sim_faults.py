"""Squat and bench fault rows on simulated lifts: each row fires on a simulated fault and stays
quiet on a clean rep, from a camera view that can show it.

SIMULATED, not real evidence: the development set has no labelled squat or bench faults, so these rows speak
from their textbook priors (or are capped at "not sure" where the real clips did not confirm the cue); these
tests only check that the rows measure the right thing in the right direction, with the shipped calibration.
"""

from __future__ import annotations

import pytest

from core.config import AnalysisConfig
from core.judgment.faults import judge_rules, table
from core.judgment.learned.sim import BENCH_FAULTS, SQUAT_FAULTS, simulate
from core.movement.angles import compute_joint_angles
from core.movement.cleaning import clean_series
from core.perception.view import estimate_view
from core.types import Fault, Rep

pytestmark = pytest.mark.simulated
SIDE_YAW, FRONT_YAW = 0.0, 80.0  # deg camera yaw of the simulator: side-on, and nearly facing the lifter
VIEW_OF = {"insufficient_depth": SIDE_YAW, "knee_cave": FRONT_YAW, "forward_lean": SIDE_YAW, "heel_rise": SIDE_YAW,
           "incomplete_lockout": SIDE_YAW, "asymmetry": FRONT_YAW}
SEEDS = (0, 1)


def rep_verdicts(lift: str, form: str, name: str, yaw: float, seed: int) -> list[Fault]:
    """The ``name`` verdict of every rep of one simulated clip, judged as the app judges it."""
    clip = simulate(lift, form=form, seed=seed, yaw_deg=yaw, n_reps=2)
    series = clean_series(clip.series, AnalysisConfig())
    angles, view = compute_joint_angles(series), estimate_view(series)
    out = []
    for i, (start, turn, end) in enumerate(clip.rep_bounds):
        results = judge_rules.judge_rep_detailed(lift, series, angles, Rep(i, start, turn, end), view, False)
        out += [f for f in map(judge_rules.as_fault, results) if f.name == name]
    return out


@pytest.mark.parametrize(("lift", "name"), [*(("squat", f) for f in SQUAT_FAULTS),
                                            *(("bench", f) for f in BENCH_FAULTS)])
def test_a_simulated_fault_fires_and_a_clean_rep_stays_quiet(lift, name):
    bad = [f for s in SEEDS for f in rep_verdicts(lift, name, name, VIEW_OF[name], s)]
    clean = [f for s in SEEDS for f in rep_verdicts(lift, "corr", name, VIEW_OF[name], s)]
    assert bad and clean and all(f.verdict != "cannot_judge" for f in bad + clean)
    assert not any(f.verdict == "fault" for f in clean), [f.evidence for f in clean]
    assert min(f.p for f in bad) > max(f.p for f in clean)  # the measurement points the right way
    if table.confirmed(name) is False:  # the real clips did not confirm the cue: it may only say "not sure"
        assert {f.verdict for f in bad} == {"not_sure"}
    else:
        assert any(f.verdict == "fault" for f in bad), [f.evidence for f in bad]


@pytest.mark.parametrize(("lift", "name", "yaw"), [
    ("squat", "knee_cave", SIDE_YAW), ("squat", "forward_lean", FRONT_YAW), ("bench", "asymmetry", SIDE_YAW)])
def test_a_view_that_cannot_show_the_fault_says_so(lift, name, yaw):
    assert {f.verdict for f in rep_verdicts(lift, name, name, yaw, 0)} == {"cannot_judge"}
