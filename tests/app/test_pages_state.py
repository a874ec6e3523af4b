"""Issue 14 through AppTest with real clips and a real SQLite database: results survive page switches,
Save twice stores one set, a saved set reopens as its full report, deletes ask first, history fault
rates equal the report's own counts, the bench chart shows the lift's own joints, and compare names
the athletes and warns about different styles."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from core.judgment.fault_titles import fault_title
from core.judgment.verdicts import rep_fault_names
from core.pipeline import analyze_trace
from core.records.compare import KEY_PHASES_PCT
from core.report import Report
from tests.app.test_storage_pages import db, open_page  # noqa: F401 - db: the fresh-database fixture
from tests.conftest import clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

BENCH = "nadamarie_false_bench"  # 3.3 s, one rep, seen from the head end at an angle


def upload(at: AppTest, name: str) -> None:
    at.file_uploader(key="upload").set_value((f"{name}.mp4", clip_path(name).read_bytes(), "video/mp4")).run()
    assert not at.exception, at.exception


def chart(at: AppTest, key: str) -> dict:
    """The spec of the plotly chart drawn with ``key``."""
    return json.loads(next(c for c in at.get("plotly_chart") if key in c.proto.id).proto.spec)


def traces(spec: dict) -> dict[str, list]:
    return {t.get("name"): t["y"] for t in spec["data"] if t["type"] == "scatter"}


def test_bench_report_shows_elbows_and_survives_page_switches(db):  # noqa: F811
    at = open_page("app_pages/upload.py")
    at.selectbox(key="lift_choice").set_value("bench").run()  # a choice in the sidebar, kept below
    upload(at, BENCH)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reps"] == "1" and "bench" in metrics["Lift"]
    # the chart and the table show the bench's joints: elbows and shoulders, not hip, knee or trunk
    lines = traces(chart(at, "upload_timeline"))
    assert set(lines) == {"Elbow", "Shoulder"}
    elbow = [v for v in lines["Elbow"] if v is not None]
    assert len(elbow) > 0.8 * len(lines["Elbow"]) and max(elbow) - min(elbow) > 30  # the arm bends and locks
    columns = list(at.dataframe[0].value.columns)
    assert "Lowest elbow (°)" in columns and not any("hip" in c.lower() or "knee" in c.lower() for c in columns)
    assert all(not e.proto.expanded for e in at.expander if e.label.startswith("Rep "))  # per-rep detail closed
    before = at.session_state["upload_analysis"]

    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    at.switch_page("app_pages/upload.py").run()
    assert not at.exception, at.exception
    assert at.session_state["upload_analysis"] is before  # the same analysis, not a new 90 s run
    assert {m.label: m.value for m in at.metric}["Reps"] == "1"
    assert any("Showing your last analysis" in i.value and BENCH in i.value for i in at.info)
    assert at.selectbox(key="lift_choice").value == "bench"
    assert traces(chart(at, "upload_timeline")).keys() == {"Elbow", "Shoulder"}
    assert {b.label for b in at.get("download_button")} >= {"⬇ Report (JSON)", "⬇ Reps (CSV)"}


def test_save_twice_stores_one_set_that_reopens_as_its_full_report(db):  # noqa: F811
    at = open_page("app_pages/upload.py")
    upload(at, BENCH)
    athlete = db.add_athlete("Nada")
    at.run()
    at.selectbox(key="upload_save_athlete").set_value(athlete)
    at.button(key="upload_save_button").click().run()
    assert any("Saved as set #" in s.value for s in at.success)
    at.button(key="upload_save_button").click().run()
    assert not at.exception
    [stored] = db.sessions()
    assert any(f"Already saved as set #{stored.id}" in i.value for i in at.info)
    assert db.row_counts()["sessions"] == 1

    at.switch_page("app_pages/history.py").run()
    assert at.selectbox(key="hist_athlete").options == ["Nada (1 set)"]  # singular
    at.button(key=f"hist_open_{stored.id}").click().run()
    assert not at.exception, at.exception
    report = db.load_report(stored.id)
    page = " ".join(s.value for s in at.subheader)
    assert f"Report of set #{stored.id}" in page
    assert {m.label: m.value for m in at.metric}["Reps"] == str(report.rep_count)
    assert set(traces(chart(at, f"hist_set_{stored.id}_timeline"))) == {"Elbow", "Shoulder"}
    # the stored key frames of the rep, one at each of the compare slider's phases
    assert len(at.get("image")) == len(db.key_frames(stored.id)) == len(KEY_PHASES_PCT)
    assert any("video was not kept" in c.value for c in at.caption)
    at.switch_page("app_pages/compare.py").run()
    at.switch_page("app_pages/history.py").run()  # the opened report is still open after a page switch
    assert any(f"Report of set #{stored.id}" in s.value for s in at.subheader)


@pytest.fixture(scope="module")
def squat_report(real_trace, config) -> Report:
    return analyze_trace(real_trace("formfit_squat"), config).report


def with_old_style_rows(report: Report) -> Report:
    """A report as older versions stored it: a rule row and a model row for the same fault in each rep
    (rule says fault in reps 1 and 2, the model only in rep 1)."""
    def rows(i: int) -> tuple:
        rule = {"name": "forward_lean", "score": 0.8 if i < 2 else 0.2, "detected": i < 2, "judgeable": True,
                "evidence": "trunk 55 deg from vertical", "source": "rule"}
        return (rule, rule | {"source": "model:form", "detected": i == 0, "score": 0.7 if i == 0 else 0.3})
    reps = tuple(dataclasses.replace(r, faults=tuple(f for f in r.faults if f["name"] != "forward_lean")
                                     + rows(r.index)) for r in report.reps)
    return dataclasses.replace(report, reps=reps)


def test_history_fault_rates_equal_the_reports_own_counts(db, squat_report):  # noqa: F811
    report = with_old_style_rows(squat_report)
    assert report.rep_count == 3
    athlete = db.add_athlete("Sam")
    db.save_session(athlete, report, "formfit_squat.mp4", datetime(2026, 3, 2, 10, 0, 50, 307500, tzinfo=UTC))
    at = open_page("app_pages/history.py")
    table = at.table[0].value
    shown = dict(re.findall(r"([^;]+?) (\d+)%", table["Faults (share of reps)"].iloc[0]))
    expected = {}
    for name in {f["name"] for r in report.reps for f in r.faults}:  # the report's own count, once per rep
        n_shown = sum(name in rep_fault_names(r) for r in report.reps)
        judged = sum(any(f["name"] == name and f.get("judgeable", True) for f in r.faults) for r in report.reps)
        if n_shown:
            expected[fault_title(name)] = str(round(100 * n_shown / judged))
    assert {k.strip(): v for k, v in shown.items()} == expected
    assert int(shown[fault_title("forward_lean")]) == 67  # 2 of 3 reps, not 3 of 6 rows (50 %)
    spec = chart(at, "hist_trend_Squat_faults")
    lean = next(t for t in spec["data"] if t.get("name") == fault_title("forward_lean"))
    assert lean["y"] == [pytest.approx(66.7)]
    # one set: one labelled point, its number and day (not a clock tick like "10:00:50.3075")
    assert lean["x"] == [f"#{db.sessions()[0].id}<br>02 Mar"] and spec["layout"]["xaxis"]["type"] == "category"
    assert at.selectbox(key="hist_athlete").options == ["Sam (1 set)"]
    # a set saved without key frames (as older versions did) still opens, showing what it has
    [stored] = db.sessions()
    at.button(key=f"hist_open_{stored.id}").click().run()
    assert not at.exception, at.exception
    assert any(f"Report of set #{stored.id}" in h.value for h in at.subheader)
    assert {m.label: m.value for m in at.metric}["Reps"] == "3"
    assert any("No key frames were stored" in c.value for c in at.caption) and not at.get("image")


def test_deleting_asks_first_and_the_athlete_list_updates_at_once(db, squat_report):  # noqa: F811
    ana = db.add_athlete("Ana")
    first = db.save_session(ana, squat_report, "a.mp4", datetime(2026, 3, 1, 10, tzinfo=UTC))
    db.save_session(ana, squat_report, "b.mp4", datetime(2026, 3, 8, 10, tzinfo=UTC))
    at = open_page("app_pages/history.py")
    assert at.selectbox(key="hist_athlete").options == ["Ana (2 sets)"]
    at.selectbox(key="hist_del_set").set_value(first).run()
    at.button(key="hist_del_set_btn").click().run()
    assert len(db.sessions()) == 2  # nothing deleted yet
    assert any(f"Delete set \\#{first}" in w.value and "cannot be undone" in w.value for w in at.warning)
    at.button(key="hist_del_set_btn_cancel").click().run()
    assert len(db.sessions()) == 2 and not at.warning  # cancelled: still nothing deleted
    at.button(key="hist_del_set_btn").click().run()
    at.button(key="hist_del_set_btn_yes").click().run()
    assert not at.exception
    assert [s.source_name for s in db.sessions()] == ["b.mp4"]
    assert at.selectbox(key="hist_athlete").options == ["Ana (1 set)"]  # current on the same run, no reload
    assert any("Deleted set" in s.value for s in at.success)
    at.button(key="hist_del_athlete").click().run()
    assert [a.name for a in db.athletes()] == ["Ana"]  # asked, not deleted
    at.button(key="hist_del_athlete_yes").click().run()
    assert not at.exception
    assert db.athletes() == [] and db.row_counts()["sessions"] == 0
    assert any("No athletes yet" in i.value for i in at.info)


def test_compare_names_athletes_and_warns_about_a_different_style(db, squat_report):  # noqa: F811
    deadlift_like = dataclasses.replace(squat_report, lift={**squat_report.lift, "label": "deadlift"},
                                        style={"label": "conventional", "confidence": 0.9, "source": "rule"})
    sumo = dataclasses.replace(deadlift_like, style={"label": "sumo", "confidence": 0.9, "source": "rule"})
    a = db.save_session(db.add_athlete("Ana"), deadlift_like, "a.mp4", datetime(2026, 3, 1, 10, tzinfo=UTC))
    b = db.save_session(db.add_athlete("Ben"), sumo, "b.mp4", datetime(2026, 3, 2, 11, tzinfo=UTC))
    at = open_page("app_pages/compare.py")
    at.selectbox(key="cmp_a").set_value(a)
    at.selectbox(key="cmp_b").set_value(b).run()
    assert not at.exception
    names = [t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"] if t["type"] == "scatter"]
    assert names == ["A: Ana – 2026-03-01 10:00 – rep 1", "B: Ben – 2026-03-02 11:00 – rep 1"]
    assert any("conventional deadlift" in w.value and "sumo deadlift" in w.value for w in at.warning)
    at.toggle(key="cmp_best").set_value(True).run()  # three reps: the best other rep, never rep 1 itself
    assert not at.exception
    assert any(re.search(r"best other rep is rep [23]", i.value) for i in at.info)
