"""Every page and coach reads a set the same way (core.judgment.reading): the referee's calls and lights, the
faults called, measurements without a call instead of "not sure", what this view cannot judge said once, and a
standard replacing the fault that asks the same question (no "lockout: too close to call" next to "arms not
locked: found")."""

from __future__ import annotations

from datetime import datetime

from core.coaching.findings import build_findings
from core.coaching.offline import OfflineCoach
from core.judgment.reading import read_rep, read_report, rep_status
from core.records.classroom import summarise_class
from core.records.compare import best_rep, compare_standards
from core.records.history import set_trend, trend_rows
from core.report import Report, RepReport
from ui.render import form_summary, rep_lines

PASS = {"call": "pass", "value": 0.1, "unit": "thigh lengths hip below knee", "why": "deep enough"}
FAIL = {"call": "fail", "value": -0.2, "unit": "thigh lengths hip below knee",
        "why": "at the bottom the hip was 0.20 thigh lengths above the knee: not deep enough"}
LOCK_OK = {"call": "pass", "value": 3.0, "unit": "deg short of straight", "why": "straight"}
LOCK_CLOSE = {"call": "borderline", "value": 30.0, "unit": "deg short of straight",
              "why": "at the top the arms straightened to 150° (30° short of straight)"}
UNSEEN = {"call": "cant_see", "value": None, "unit": "cm", "why": "the bar was not tracked in this clip"}

LEAN_UNSURE = {"name": "forward_lean", "score": 0.5, "detected": False, "judgeable": True, "source": "rule",
               "evidence": "the trunk leaned 41° from vertical", "measure": 41.0, "verdict": "not_sure"}
CAVE_BLIND = {"name": "knee_cave", "score": 0.0, "detected": False, "judgeable": False, "source": "rule",
              "evidence": "knees overlap in a side view", "verdict": "cannot_judge"}


def rep(i: int, standards: dict, *faults: dict) -> RepReport:
    return RepReport(i, 3.0 * i, 3.0 * i + 1, 3.0 * i + 2, {"complete": True}, faults, standards=standards)


def squat(*reps: RepReport, lift: str = "squat") -> Report:
    return Report(video={"fps": 30.0}, lift={"label": lift}, style={}, view={"label": "side"}, reps=reps,
                  timing={})


def test_the_summary_gives_lights_and_says_once_what_cannot_be_judged_never_not_sure():
    report = squat(rep(0, {"depth": PASS, "lockout": LOCK_OK}, LEAN_UNSURE, CAVE_BLIND),
                   rep(1, {"depth": FAIL, "lockout": LOCK_OK}, LEAN_UNSURE, CAVE_BLIND),
                   rep(2, {"depth": PASS, "lockout": LOCK_CLOSE}, CAVE_BLIND))
    text = form_summary(report)
    assert "not sure" not in text.lower()
    assert "1 white light" in text and "1 red (rep 2: squat depth)" in text and "1 rep without a light" in text
    assert text.count("knees cave in") == 1  # said once, not per rep
    lines = "\n".join(rep_lines(report.reps[0]))
    assert "measured, no call" in lines and "41° from vertical" in lines and "not sure" not in lines.lower()
    assert "knees overlap" not in lines  # the per-rep panel does not repeat what the view cannot judge
    assert [rep_status(r) for r in read_report(report).reps] == ["white", "red", "unjudged"]


def test_a_standard_replaces_the_fault_asking_the_same_question():
    arms = {"name": "incomplete_lockout", "score": 0.9, "detected": True, "judgeable": True, "source": "rule",
            "evidence": "at the top your arms straightened to 127°", "verdict": "fault"}
    report = squat(rep(0, {"lockout": LOCK_CLOSE, "bar_down": UNSEEN}, arms), lift="bench")
    reading = read_report(report)
    assert reading.reps[0].faults == () and reading.reps[0].light is None
    f = build_findings(report)
    assert f["faults"] == [] and f["standards"][0]["calls"]["lockout"]["call"] == "borderline"
    old = squat(rep(0, {}, arms), lift="bench")  # a report saved before the standards keeps its fault
    assert [x["name"] for x in build_findings(old)["faults"]] == ["incomplete_lockout"]


def test_a_fault_found_in_one_rep_is_not_also_not_judged():
    cave = dict(CAVE_BLIND, verdict="fault", judgeable=True, detected=True, evidence="knees 8 cm in")
    reading = read_report(squat(rep(0, {}, cave), rep(1, {}, CAVE_BLIND)))
    assert reading.not_judged == ()


def test_the_offline_coach_names_only_the_calls_made():
    report = squat(rep(0, {"depth": PASS, "bar_down": UNSEEN}), rep(1, {"depth": FAIL, "bar_down": UNSEEN}),
                   rep(2, {"depth": PASS, "bar_down": UNSEEN}, LEAN_UNSURE))
    text = OfflineCoach().write(build_findings(report)).text
    assert "Red light: rep 2." in text and "White light" not in text  # can't-see leaves reps 1 and 3 unlit
    assert "Rep 2, squat depth failed: at the bottom the hip was 0.20 thigh lengths above the knee" in text
    assert "bar kept rising could not be seen: the bar was not tracked" in text
    assert "single bottom" not in text.lower() and "not sure" not in text.lower()  # no call made, none named
    assert "lean" not in text.lower()  # an unconfirmed cue is not coached as a fault


def test_classroom_history_and_compare_read_the_calls():
    red = squat(rep(0, {"depth": FAIL, "lockout": LOCK_OK}), rep(1, {"depth": PASS, "lockout": LOCK_OK}))
    white = squat(rep(0, {"depth": PASS, "lockout": LOCK_OK}))
    summary = summarise_class({1: [(10, red)], 2: [(11, white)]})
    assert summary.students_with_fail == {"depth": 1} and summary.fail_examples["depth"] == [(10, 0)]
    trend = set_trend(10, datetime(2026, 12, 6), red)
    assert trend.standard_fail_rate == {"depth": 0.5, "lockout": 0.0} and trend.red_lights == (1, 2)
    assert trend_rows([trend])[0]["Red lights"] == "1 of 2"
    assert best_rep(red) == 1  # the white-light rep is the athlete's own reference
    rows = compare_standards(red.reps[0], red.reps[1])
    assert rows[0] == {"Standard": "Squat depth", "A": "fail (-0.20 thigh lengths hip below knee)",
                       "B": "pass (0.10 thigh lengths hip below knee)"}
    assert rows[-1] == {"Standard": "Referee's light", "A": "red light", "B": "white light"}
    assert read_rep(red.reps[0]).failed[0].title == "Squat depth"
