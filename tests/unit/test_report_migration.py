"""Reports saved by any FormLens version open through one function (core.report.migrate_report): the oldest shape
gets today's fields with "not there then" values, today's shape passes unchanged, old faults keep their words and
are read with a verdict, and a dict that is no report is refused in words."""

from __future__ import annotations

import json

import pytest

from core.evaluation.faults import OLD_NAMES
from core.judgment.fault_titles import SUPERSEDED, fault_title
from core.judgment.verdicts import rep_fault_names, verdict_of
from core.report import Report, RepReport, migrate_report
from core.types import Fault

OLD_FAULTS = [{"name": "rounded_back", "score": 0.7, "detected": True, "judgeable": True, "evidence": "curved",
               "source": "rule"},
              {"name": "knee_cave", "score": 0.1, "detected": False, "judgeable": False, "evidence": "front view",
               "source": "rule"},
              {"name": "forward_lean", "score": 0.2, "detected": False, "judgeable": True, "evidence": "ok",
               "source": "rule"}]
OLDEST = {"schema": "formlens.report/1", "video": {"fps": 30}, "lift": {"label": "deadlift"}, "style": {},
          "view": {"label": "side"}, "timing": {},
          "reps": [{"index": 0, "start_s": 0.0, "turn_s": 1.0, "end_s": 2.0, "faults": OLD_FAULTS}]}


def test_the_oldest_report_gets_todays_fields_meaning_not_there_then():
    d = migrate_report(json.loads(json.dumps(OLDEST)))
    rep = d["reps"][0]
    assert rep["rep_source"] == "body" and rep["standards"] == {} and rep["measurements"] == {}
    assert rep["visibility"] == 1.0 and rep["metrics"] == {} and rep["start_frame"] == rep["end_frame"] == 0
    assert d["warnings"] == [] and d["set_faults"] == [] and d["lifter"] == {} and d["series"] == {}
    assert rep["faults"] == OLD_FAULTS  # fault dicts as written
    report = Report.from_dict(OLDEST)
    assert report.rep_count == 1 and report.reps[0].rep_source == "body"
    assert Report.from_json(report.to_json()).to_dict() == report.to_dict()


def test_old_faults_read_with_a_verdict_and_their_old_title():
    report = Report.from_dict(OLDEST)
    assert [verdict_of(f) for f in report.reps[0].faults] == ["fault", "cannot_judge", "fine"]
    assert rep_fault_names(report.reps[0]) == {"rounded_back"}
    assert fault_title("rounded_back") == "Rounded back"
    assert OLD_NAMES["rounded_back"] == frozenset(SUPERSEDED["rounded_back"])
    assert report.to_dict()["reps"][0]["faults"] == OLD_FAULTS  # a re-saved set: nothing added


def test_todays_report_passes_unchanged():
    rep = RepReport(0, 0.0, 1.0, 2.0, {"duration_s": 2.0},
                    (Fault("knee_cave", 0.8, True, "in", verdict="fault", p=0.8, confidence="clear"),),
                    visibility=0.9, start_frame=3, turn_frame=30, end_frame=60,
                    standards={"depth": {"call": "pass", "value": 0.2, "unit": "thigh", "why": ""}},
                    measurements={"range_of_motion": {"value": 40.0, "unit": "cm", "baseline_delta": None}},
                    rep_source="bar")
    d = Report({"fps": 30}, {"label": "squat"}, {}, {"label": "side"}, (rep,), {"total_s": 1.0}, "onnx",
               lifter={"track_id": 1}, warnings=("w",), series={"t": [0.0]}, extras={"coaching": "x"}).to_dict()
    assert migrate_report(d) == d
    assert Report.from_dict(d).to_dict() == d


@pytest.mark.parametrize("bad", [{}, {"schema": "something/2", "reps": []}])
def test_a_dict_that_is_no_report_is_refused_in_words(bad):
    with pytest.raises(ValueError, match="not a FormLens report"):
        migrate_report(bad)
