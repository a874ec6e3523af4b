"""Referee standards on real labelled clips (data/real/labels/rep_labels.csv): the calls the report carries and
the labelled-window judging of ``python -m core evaluate standards``.

Traces come from ``$FORMLENS_TRACES/<stem>.npz`` (or an older ``.pkl``) when that folder is set (with the bar track),
else pose runs here (no bar track: the bar standards are then ``cant_see``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.evaluation.standards import judge_clip, read_labels
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import analyze_trace
from tests.conftest import REAL, manifest_row

pytestmark = [pytest.mark.slow, pytest.mark.needs_data, pytest.mark.needs_model]


@pytest.fixture(scope="module")
def trace_of(real_trace):
    cache = Path(os.environ["FORMLENS_TRACES"]) if os.environ.get("FORMLENS_TRACES") else None

    def get(stem: str):
        if cache is not None and trace_in(cache, stem).is_file():
            return load_trace(trace_in(cache, stem))
        return real_trace(stem)

    return get


def test_a_deep_side_view_squat_passes_depth_in_the_report(trace_of, config):
    # labelled: depth below, lockout yes ("very deep bottom, hips far below the knees")
    report = analyze_trace(trace_of("decrypthor_squat_good"), config, lift_override="squat").report
    assert report.rep_count == 1
    rep = report.to_dict()["reps"][0]
    assert set(rep["standards"]) == {"depth", "lockout", "bar_down", "double_bounce"}
    assert rep["standards"]["depth"]["call"] == "pass" and rep["standards"]["depth"]["value"] > 0.11
    assert rep["standards"]["lockout"]["call"] == "pass"
    assert "below the knee" in rep["standards"]["depth"]["why"]
    m = rep["measurements"]
    assert m["tempo_lowering"]["unit"] == "s" and m["tempo_lowering"]["value"] > 0
    assert m["depth_margin"]["value"] > 0 and m["depth_margin"]["baseline_delta"] is None


def test_a_pull_that_stops_short_fails_lockout_on_its_labelled_window(trace_of, config):
    # labelled: lockout no ("bar creeps to just above the knees ... clip ends without standing up")
    stem = "jeffchen_rdl"
    judged, refusal = judge_clip(stem, manifest_row(stem), read_labels(REAL)[stem], trace_of(stem), config)
    assert refusal is None
    lockout = [j for j in judged if j.standard == "lockout"]
    assert len(lockout) == 1 and lockout[0].truth == "fail"
    assert lockout[0].window == "fail" and lockout[0].value > 40


def test_evaluate_standards_command_on_two_labelled_clips(capsys, tmp_path):
    from core.__main__ import main

    argv = ["evaluate", "standards", "--shared-real", str(REAL), "--only", "jeffchen_rdl", "decrypthor_squat_good",
            "--out", str(tmp_path)]
    if os.environ.get("FORMLENS_TRACES"):
        argv += ["--traces", os.environ["FORMLENS_TRACES"]]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 clips, 2 labelled reps judged." in out
    assert "### lockout" in out and "### depth" in out and "Coverage per lift x view" in out
    assert "- **window**: agreement 2/2 (100 %)" in out  # lockout: the short pull fails, the squat passes
    assert "derived: squat partial (bottom cut out) | depth | 1 | fail | fail 1" in out
    assert "depth calls per label value" in out  # the deep squat's label "below": a pass, window and detected
    assert "| below | 1 | 1 / 1 | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 0 |" in out
    assert "simulated: squat insufficient_depth | depth" in out
    assert (tmp_path / "evaluate_standards.md").read_text().strip() == out.strip()
