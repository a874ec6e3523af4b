"""One verdict per fault per rep, said in a lifter's words: verdict semantics, style-aware stance, no bench
stance, plain evidence (no negative zeros, no keypoint names, no model names or probabilities)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.config import AnalysisConfig
from core.judgment.faults import judge_rules, table
from core.judgment.judge import judge
from core.judgment.lift import Label
from core.judgment.verdicts import rep_fault_names, verdict_of
from core.movement.angles import compute_joint_angles
from core.types import Rep
from tests.unit.test_faults import FRONT, SIDE, bench, deadlift, front_pose, series_of, squat

NEG_ZERO = re.compile(r"(?<![\d.])-0(?:\.0+)?(?![\d.])")
INTERNALS = re.compile(r"left_|right_|keypoint|torso lengths|body heights|model|p\(|p = |score", re.I)


def test_old_report_verdicts_are_derived_and_counted_once_per_rep():
    rep = {"faults": [
        {"name": "rounded_back", "score": 0.7, "detected": True, "judgeable": True, "source": "rule"},
        {"name": "rounded_back", "score": 0.6, "detected": True, "judgeable": True, "source": "model:form"},
        {"name": "early_hip_rise", "score": 0.1, "detected": False, "judgeable": True},
        {"name": "knee_cave", "score": 0.0, "detected": False, "judgeable": False}]}
    assert [verdict_of(f) for f in rep["faults"]] == ["fault", "fault", "fine", "cannot_judge"]
    assert rep_fault_names(rep) == {"rounded_back"}
    assert verdict_of({"name": "x", "detected": False, "verdict": "not_sure"}) == "not_sure"
    assert rep_fault_names({"faults": [{"name": "x", "detected": False, "verdict": "not_sure"}]}) == set()


def test_a_report_keeps_typed_verdicts_and_an_old_saved_set_is_written_back_as_it_was_read():
    from core.judgment.fault_titles import fault_title
    from core.report import Report
    from core.types import Fault

    old_fault = {"name": "rounded_back", "score": 0.7, "detected": True, "judgeable": True, "source": "model:form",
                 "evidence": "p(rounded_back) = 0.70", "p_model": 0.7}  # an old key the type does not know
    old = {"schema": "formlens.report/1", "video": {}, "lift": {"label": "deadlift"}, "style": {}, "view": {},
           "rep_count": 1, "reps": [{"index": 0, "start_s": 0.0, "turn_s": 1.0, "end_s": 2.0, "metrics": {},
                                     "faults": [old_fault]}],
           "set_faults": [{"name": "stance_width", "score": 0.2, "detected": False, "judgeable": True,
                           "evidence": "", "source": "rule", "label": "neutral"}], "timing": {}}
    report = Report.from_dict(old)
    f = report.reps[0].faults[0]
    assert isinstance(f, Fault) and isinstance(report.set_faults[0], Fault)
    assert f.verdict is None and verdict_of(f) == "fault" and rep_fault_names(report.reps[0]) == {"rounded_back"}
    assert fault_title(f) == "Rounded back"  # pages read titles from the typed verdict too
    assert report.to_dict()["reps"][0]["faults"] == [old_fault]  # nothing lost, nothing added
    assert Report.from_json(report.to_json()) == report
    new = judge_rules.judged("hips_not_locked", 30.0, "at the top your hips stayed 30° short of straight")
    again = Report.from_json(Report({}, {}, {}, {}, (), {}, set_faults=(new,)).to_json()).set_faults[0]
    assert (again.verdict, again.name, again.phase) == (new.verdict, new.name, new.phase)


def _all_faults():
    out = []
    for poses, lift, view in ((deadlift(lockout_trunk=-20.0, hips_first=True), "deadlift", SIDE),
                              (deadlift(head_drop=0.3), "deadlift", SIDE), (squat(20.0), "squat", SIDE),
                              (squat(-10.0, bottom_trunk=60.0), "squat", SIDE), (bench(140.0), "bench", SIDE),
                              (bench(178.0), "bench", SIDE)):
        s = series_of(poses)
        rep = Rep(0, 0, 31 if lift == "deadlift" else len(poses) // 2, len(poses) - 1)
        j = judge(s, compute_joint_angles(s), [rep], Label(lift, 1.0), view, None, AnalysisConfig())
        out += [f for rf in j.rep_faults for f in rf] + list(j.set_faults)
    return out


def test_every_fault_has_one_verdict_and_detected_means_fault():
    found = _all_faults()
    assert {f.verdict for f in found} >= {"fault", "fine", "cannot_judge"}
    for f in found:
        d = f.to_dict()
        assert d["verdict"] in ("fault", "fine", "not_sure", "cannot_judge")
        assert d["detected"] is (d["verdict"] == "fault")
        assert (d["p"] is None) is (d["verdict"] == "cannot_judge")
        assert d["title"] and d["phase"]
        if d["verdict"] != "cannot_judge":
            assert d["confidence"] in ("clear", "likely", "not sure")
            assert (d["confidence"] == "not sure") is (d["verdict"] == "not_sure")


def test_evidence_is_plain_words_with_units():
    for f in _all_faults():
        assert not NEG_ZERO.search(f.evidence), f.evidence
        assert not INTERNALS.search(f.evidence), f.evidence
        if f.verdict in ("fault", "fine"):
            assert re.search(r"\d+ ?(°|%|cm|×)", f.evidence), f.evidence  # a number with its unit


def wide_front(n: int = 12):
    return series_of([front_pose(ankle_spread=230.0, shoulder_w=90.0) for _ in range(n)])  # feet 2.6x shoulders


def test_a_sumo_stance_is_not_called_wide_but_the_same_feet_in_a_conventional_pull_are():
    s = wide_front()
    sumo = judge_rules.stance_width("deadlift", s, FRONT, [], style="sumo")
    conventional = judge_rules.stance_width("deadlift", s, FRONT, [], style="conventional")
    assert sumo.judgeable and sumo.label == "neutral" and sumo.verdict == "fine"
    assert conventional.label == "wide" and "sumo" not in conventional.evidence
    assert "sumo deadlift" in sumo.evidence


def test_a_bench_press_gets_no_stance_and_no_lean_verdict():
    s = wide_front()
    assert judge_rules.judge_set("bench", s, compute_joint_angles(s), [], FRONT) == []
    assert judge_rules.judge_set(None, s, compute_joint_angles(s), [], FRONT) == []


@pytest.mark.parametrize("lift", ["deadlift", "squat", "bench"])
def test_the_table_has_one_row_per_name_with_a_cue_and_a_threshold_in_units(lift):
    rows = table.faults_for(lift)
    assert len({r.name for r in rows}) == len(rows) and rows
    for r in rows:
        assert r.cue and r.title and r.threshold.unit and r.threshold.source and r.views and r.needs
        assert r.threshold.ok != r.threshold.bad
    if lift == "deadlift":
        assert {r.phase for r in rows} >= {"set-up", "off the floor", "lockout"}
    assert not table.faults_for("bench", per_rep=False)  # no stance or lean verdict on a bench


def test_bar_row_is_cannot_judge_without_bar_metrics_and_judged_with_them():
    s = series_of(deadlift())
    rep = Rep(0, 0, 31, len(s.xyc) - 1)
    angles = compute_joint_angles(s)
    without = {f.name: f for f in judge_rules.judge_rep("deadlift", s, angles, rep, SIDE, True)}
    with_bar = {f.name: f for f in judge_rules.judge_rep("deadlift", s, angles, rep, SIDE, True,
                                                     metrics={"bar_drift_cm": 14.0})}
    assert without["bar_away_from_body"].verdict == "cannot_judge"
    assert with_bar["bar_away_from_body"].verdict == "fault" and "14 cm" in with_bar["bar_away_from_body"].evidence


def test_not_sure_colours_no_frame_of_the_strip():
    s = series_of(squat(20.0))
    rep = Rep(0, 0, 15, len(s.xyc) - 1)
    angles = compute_joint_angles(s)
    x = next(f.measure for f in judge_rules.judge_rep("squat", s, angles, rep, SIDE, False, )
             if f.name == "insufficient_depth")
    # a curve centred on this rep's own depth: p = 0.5 here, so the verdict is "not sure"
    unsure = {"insufficient_depth": {"c": x, "k": 0.01}, "forward_lean": {"c": 0.0, "k": 0.01},
              "heel_rise": {"c": 0.0, "k": 0.01}}
    details = [judge_rules.judge_rep_detailed("squat", s, angles, rep, SIDE, False, params=unsure)]
    assert {judge_rules.as_fault(d).verdict for d in details[0] if judge_rules.as_fault(d).judgeable} == {"not_sure"}
    strip = judge_rules.frame_scores(s, [rep], details)
    assert all(p is None for p in strip["p_bad"])
    assert np.isfinite(x)
