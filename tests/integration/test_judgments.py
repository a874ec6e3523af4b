"""Fault judgments on real clips: evidence, view awareness, gold scoring, per-frame scores."""

from __future__ import annotations

import pytest

from core.pipeline import analyze_trace
from tests.conftest import REAL


@pytest.fixture(scope="module")
def judged_config(config):
    return config.update(gold_dir=str(REAL / "keypoints" / "liftingpose_gold"))


def faults_by_name(report, rep: int = 0) -> dict:
    """The rule-based faults of one rep (learned models may add their own, with source "model:...")."""
    return {f["name"]: f for f in report.reps[rep].faults if f["source"] == "rule"}


def test_side_view_deadlift_gets_judgeable_faults_with_evidence(real_trace, judged_config):
    report = analyze_trace(real_trace("jeffchen_good"), judged_config).report
    assert report.view["label"] == "side" and report.rep_count == 1
    f = faults_by_name(report)
    assert set(f) == {"rounded_back", "early_hip_rise", "lockout_overextension"}
    assert all(x["judgeable"] and x["source"] == "rule" and 0 <= x["score"] <= 1 for x in f.values())
    assert not any(x["detected"] for x in f.values())  # the labelled good pull
    assert "trunk tipped" in f["early_hip_rise"]["evidence"] and "°" in f["early_hip_rise"]["evidence"]
    assert {s["name"]: s["judgeable"] for s in report.set_faults} == {"stance_width": False, "lateral_lean": False}
    scores = report.extras["frame_scores"]
    assert len(scores["p_bad"]) == len(report.series["t"]) == len(scores["reason"])
    assert any(p is not None for p in scores["p_bad"]) and "rule" in scores["source"]
    assert report.extras["gold"]["lift"] == "deadlift" and report.extras["gold"]["views_present"] == ["front", "left"]


def test_visibly_rounded_deadlift_is_flagged(real_trace, judged_config):
    f = faults_by_name(analyze_trace(real_trace("jeffchen_bad"), judged_config).report)
    assert f["rounded_back"]["detected"] and "shorter than standing" in f["rounded_back"]["evidence"]


def test_front_view_deadlift_cannot_judge_the_back(real_trace, judged_config):
    # bichraix_good006 (1.5 s, straight front view) rather than kantesh_deadlift_front (15 s): same check,
    # a tenth of the pose time
    report = analyze_trace(real_trace("bichraix_good006"), judged_config).report
    assert report.view["label"] == "front" and report.rep_count == 1
    for rep in range(1):
        f = faults_by_name(report, rep)
        assert not f["rounded_back"]["judgeable"] and not f["rounded_back"]["detected"]
        assert "can't judge this from this angle" in f["rounded_back"]["evidence"]
    stance = {s["name"]: s for s in report.set_faults}["stance_width"]
    assert stance["judgeable"] and stance["label"] in ("narrow", "neutral", "wide")
    assert "shoulder width" in stance["evidence"]


def test_squat_depth_is_judged(real_trace, judged_config):
    report = analyze_trace(real_trace("formfit_squat"), judged_config).report
    assert report.lift["label"] == "squat" and report.rep_count == 3
    for rep in range(3):
        depth = faults_by_name(report, rep)["insufficient_depth"]
        assert depth["judgeable"] and "parallel" in depth["evidence"]
        assert not faults_by_name(report, rep)["knee_cave"]["judgeable"]  # side view
