"""The per-rep table shows the referee calls in words, a light and the depth margin (AppTest of the report
renderer on pipeline reports); a report saved before the standards still renders."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest


def _page() -> None:
    import os

    from core.report import Report
    from ui.render import report_detail

    with open(os.environ["FORMLENS_TEST_REPORT"]) as fh:
        report_detail(Report.from_json(fh.read()), key="t")


@pytest.fixture(scope="module")
def squat_report() -> dict:
    from core.judgment.learned.sim import simulate_scene
    from core.pipeline import analyze_trace

    return analyze_trace(simulate_scene("squat", view="side", n_reps=3, seed=1).trace, lift_override="squat"
                         ).report.to_dict()


def _table(report: dict, tmp_path, monkeypatch):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    monkeypatch.setenv("FORMLENS_TEST_REPORT", str(path))
    at = AppTest.from_function(_page, default_timeout=60).run()
    assert not at.exception, at.exception
    return at, at.dataframe[0].value


def test_a_squat_set_shows_calls_lights_and_plain_headers(squat_report, tmp_path, monkeypatch):
    at, table = _table(squat_report, tmp_path, monkeypatch)
    assert {"Light", "Squat depth", "Lockout", "Bar kept rising", "Single bottom"} <= set(table.columns)
    assert len(table) == len(squat_report["reps"])
    words = {"pass", "fail", "too close to call", "can't see"}
    assert set(table["Squat depth"]) <= words and set(table["Bar kept rising"]) == {"can't see"}  # no bar here
    assert set(table["Light"]) <= {"white light", "red light", "—"}
    assert not [c for c in table.columns if re.search(r"[a-z]_[a-z]", c)]  # no internal snake_case names
    assert any("referee's white" in c.value for c in at.caption)


def test_a_quarter_squat_set_shows_every_rep_failing_depth_with_a_red_light(tmp_path, monkeypatch):
    from core.judgment.learned.sim import simulate_scene
    from core.pipeline import analyze_trace

    scene = simulate_scene("squat", view="side", n_reps=3, seed=1, form="insufficient_depth")  # thighs ~45 deg
    report = analyze_trace(scene.trace, lift_override="squat").report.to_dict()
    assert len(report["reps"]) == 3
    _, table = _table(report, tmp_path, monkeypatch)
    assert list(table["Squat depth"]) == ["fail"] * 3
    assert list(table["Light"]) == ["red light"] * 3


def test_a_report_saved_before_the_standards_still_renders(squat_report, tmp_path, monkeypatch):
    report = json.loads(json.dumps(squat_report))
    for rep in report["reps"]:
        del rep["standards"], rep["measurements"]
    at, table = _table(report, tmp_path, monkeypatch)
    assert "Light" not in table.columns and len(table) == len(report["reps"])
    assert not any("referee's white" in c.value for c in at.caption)


def test_a_deadlift_shows_calls_and_measurements_and_never_not_sure(tmp_path, monkeypatch):
    """A side-view deadlift set (lifter's height given, so the measurements are in cm): lights and lockout calls,
    the hips' lead over the shoulders per rep, the calls in the form panel and no "not sure" anywhere."""
    from core.config import AnalysisConfig
    from core.judgment.learned.sim import simulate_scene
    from core.pipeline import analyze_trace

    scene = simulate_scene("deadlift", view="side", n_reps=3, seed=2)
    report = analyze_trace(scene.trace, AnalysisConfig(user_height_m=1.75), lift_override="deadlift").report
    at, table = _table(report.to_dict(), tmp_path, monkeypatch)
    assert {"Light", "Lockout", "Hips before shoulders (cm)"} <= set(table.columns)
    assert table["Hips before shoulders (cm)"].notna().all()
    page = "\n".join([m.value for m in at.markdown] + [e.label for e in at.expander] + [c.value for c in at.caption])
    assert "not sure" not in page.lower() and "not_sure" not in page
    assert "measured, no call" in page  # the unconfirmed cues (verdict not_sure in the JSON): numbers, no verdict
    assert any("**Lockout**" in m.value for m in at.markdown)  # the calls, rep by rep, with their reasons
