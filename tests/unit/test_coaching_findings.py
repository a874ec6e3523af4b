"""The coaching findings never contradict themselves (second walk, item 3): a fault found in some reps is not
also listed as "not judged from this view" because other reps could not show it."""

from __future__ import annotations

from core.coaching.findings import build_findings
from core.coaching.offline import OfflineCoach
from core.report import Report, RepReport
from core.types import Fault


def rep(i: int, *faults: Fault) -> RepReport:
    return RepReport(i, i * 3.0, i * 3.0 + 1.0, i * 3.0 + 2.0, {}, faults)


def report(*reps: RepReport) -> Report:
    return Report(video={"fps": 30.0, "duration_s": 10.0}, lift={"label": "squat", "confidence": 0.99},
                  style={"label": "back squat"}, view={"label": "oblique"}, reps=reps, timing={})


LEAN = "forward_lean"


def test_a_fault_found_in_some_reps_is_not_also_not_judged():
    found = Fault(LEAN, 0.9, True, "trunk 52 deg from vertical", verdict="fault")
    hidden = Fault(LEAN, 0.0, False, "trunk not seen", judgeable=False, verdict="cannot_judge")
    f = build_findings(report(rep(0, found), rep(1, hidden), rep(2, found)))
    assert [x["name"] for x in f["faults"]] == [LEAN]
    assert LEAN not in {x["name"] for x in f["not_judgeable_from_this_view"]}
    text = OfflineCoach().write(f).text
    assert "lean" in text.lower()  # the coach names the fault it found...
    assert "Not judged" not in text  # ...and does not also call it unjudgeable


def test_a_fault_no_rep_could_show_is_said_to_be_not_judged():
    hidden = Fault(LEAN, 0.0, False, "trunk not seen", judgeable=False, verdict="cannot_judge")
    f = build_findings(report(rep(0, hidden), rep(1, hidden)))
    assert [x["name"] for x in f["not_judgeable_from_this_view"]] == [LEAN]
    assert f["faults"] == []
