"""History, compare and classroom pages through AppTest, on a real SQLite database seeded with
reports and key frames of real clips."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from core.judgment.fault_titles import fault_title
from core.pipeline import analyze_trace
from core.records.classroom import summarise_class
from core.records.storage import FormStore
from core.report import Report
from core.types import Fault
from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 180
CLIPS = ("jeffchen_good", "jeffchen_bad", "formfit_squat")


@pytest.fixture(scope="module")
def seeds(real_trace, config):
    """(report, key frames) of each clip, computed once."""
    from core.records.snapshots import stored_key_frames

    out = {}
    for name in CLIPS:
        analysis = analyze_trace(real_trace(name), config)
        out[name] = (analysis.report, stored_key_frames(clip_path(name), analysis))
    return out


@pytest.fixture
def db(tmp_path):
    """A fresh SQLite database the pages find through FORMLENS_DATABASE_URL (as in deployment)."""
    url = f"sqlite:///{tmp_path / 'formlens.db'}"
    old = os.environ.get("FORMLENS_DATABASE_URL")
    os.environ["FORMLENS_DATABASE_URL"] = url
    store = FormStore.open(url)
    yield store
    store.close()
    if old is None:
        os.environ.pop("FORMLENS_DATABASE_URL", None)
    else:
        os.environ["FORMLENS_DATABASE_URL"] = old


def save(db: FormStore, athlete: int, seeds, name: str, day: int, report: Report | None = None) -> int:
    rep, frames = seeds[name]
    return db.save_session(athlete, report or rep, f"{name}.mp4", datetime(2026, 3, day, 10, tzinfo=UTC),
                           key_frames=frames)


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def chart_spec(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def test_history_trends_exports_and_delete_my_data(db, seeds):
    ana = db.add_athlete("Ana [click](http://evil)")
    ben = db.add_athlete("Ben")
    first = save(db, ana, seeds, "jeffchen_good", 1)
    save(db, ana, seeds, "jeffchen_bad", 8)
    save(db, ben, seeds, "formfit_squat", 2)
    at = open_page("app_pages/history.py")
    at.selectbox(key="hist_athlete").set_value(ana).run()
    assert not at.exception
    specs = [chart_spec(at, i) for i in range(len(at.get("plotly_chart")))]
    titles = [s["layout"]["title"]["text"] for s in specs]  # one small chart per trend, each with its own title
    assert titles[:3] == ["Reps per set", "Hip range of motion", "Speed estimate (up phase)"]
    reps_trace = specs[0]["data"][0]
    assert reps_trace["y"] == [1, 1]  # one deadlift rep in each of Ana's two clips
    assert reps_trace["x"] == [f"#{first}<br>01 Mar", f"#{first + 1}<br>08 Mar"]  # in set order
    table = at.table[0].value
    assert list(table["Set"]) == [f"#{first}", f"#{first + 1}"] and list(table["Lift"]) == ["Deadlift", "Deadlift"]
    assert "None" not in table.to_string()
    export = "⬇ All of Ana \\[click\\]\\(http://evil\\)'s data (ZIP: JSON, CSV, key frames, kept videos)"
    assert {b.label for b in at.get("download_button")} == {"⬇ Sets (CSV)", "⬇ Printable report (HTML)", export}
    assert "\\[click\\]" in at.subheader[0].value  # the name is escaped, not rendered as a link

    at.selectbox(key="hist_del_set").set_value(first).run()
    at.button(key="hist_del_set_btn").click().run()
    at.button(key="hist_del_set_btn_yes").click().run()  # deletes only once confirmed (see test_pages_state.py)
    assert not at.exception
    assert [s.source_name for s in db.sessions(athlete_id=ana)] == ["jeffchen_bad.mp4"]
    assert list(at.table[0].value["Set"]) == [f"#{first + 1}"]

    at.button(key="hist_del_athlete").click().run()
    at.button(key="hist_del_athlete_yes").click().run()
    assert not at.exception
    assert [a.name for a in db.athletes()] == ["Ben"]
    counts = db.row_counts()
    assert counts["sessions"] == 1 and counts["reps"] == 3  # only Ben's squat set is left
    assert counts["key_frames"] == len(seeds["formfit_squat"][1])


def test_compare_shows_two_aligned_curves_and_a_difference_table(db, seeds):
    a = save(db, db.add_athlete("Coach's lifter"), seeds, "jeffchen_good", 1)
    b = save(db, db.add_athlete("Other lifter"), seeds, "jeffchen_bad", 2)
    at = open_page("app_pages/compare.py")
    at.selectbox(key="cmp_a").set_value(a)
    at.selectbox(key="cmp_b").set_value(b).run()
    assert not at.exception
    curves = [t for t in chart_spec(at)["data"] if t["type"] == "scatter"]
    assert len(curves) == 2
    for c in curves:
        assert len(c["x"]) == 101 and c["x"][0] == 0 and c["x"][-1] == 100
        assert sum(v is not None for v in c["y"]) > 90  # hip angle measured over most of the rep
    assert chart_spec(at)["layout"]["xaxis"]["title"]["text"].startswith("Rep phase (%")
    table = at.dataframe[0].value
    assert {"Metric", "A", "B", "B − A", "Notable"} <= set(table.columns)
    hip = table[table["Metric"] == "Hip range of motion (°)"].iloc[0]
    assert hip["B − A"] == pytest.approx(hip["B"] - hip["A"], abs=0.01)
    assert hip["Notable"] == ("◀ differs" if abs(hip["B − A"]) > 5 else "")
    assert len(at.get("image")) == 2  # side-by-side key frames at the same rep phase
    calls = at.dataframe[1].value  # the two deadlift reps' referee calls side by side
    assert list(calls.columns) == ["Standard", "A", "B"] and "Lockout" in set(calls["Standard"])

    at.toggle(key="cmp_best").set_value(True).run()  # one rep against the athlete's own best
    assert not at.exception
    assert any("only one rep" in i.value for i in at.info)  # a one-rep set: never a rep against itself
    assert not at.get("plotly_chart")


def with_bar(report: Report, velocities: list[float], loss: float) -> Report:
    """The report as the barbell stage writes it: per-rep mean bar velocity and the set's velocity loss."""
    reps = tuple(dataclasses.replace(r, metrics={**r.metrics, "bar_mean_velocity_m_s": v})
                 for r, v in zip(report.reps, velocities, strict=True))
    return dataclasses.replace(report, reps=reps, extras={**report.extras, "velocity_loss_pct": loss})


def test_history_trends_show_bar_velocity_and_loss(db, seeds):
    """A lifter tracking bar speed sees it set by set: mean bar velocity and velocity loss over time."""
    squat = seeds["formfit_squat"][0]
    ana = db.add_athlete("Ana")
    save(db, ana, seeds, "formfit_squat", 1, with_bar(squat, [0.62, 0.58, 0.50], 19.4))
    save(db, ana, seeds, "formfit_squat", 8, with_bar(squat, [0.70, 0.66, 0.63], 10.0))
    at = open_page("app_pages/history.py")
    assert not at.exception
    specs = {chart_spec(at, i)["layout"]["title"]["text"]: chart_spec(at, i)
             for i in range(len(at.get("plotly_chart")))}
    velocity = specs["Bar mean velocity (tracked barbell)"]
    assert velocity["data"][0]["y"] == pytest.approx([0.57, 0.66], abs=0.01)  # mean of the reps, m/s
    assert velocity["layout"]["yaxis"]["title"]["text"] == "m/s"
    loss = specs["Bar velocity loss over the set"]
    assert loss["data"][0]["y"] == [19.4, 10.0]
    assert loss["layout"]["yaxis"]["title"]["text"] == "Loss from fastest rep (%)"
    table = at.table[0].value
    assert list(table["Velocity loss (%)"]) == ["19", "10"]


def test_compare_shows_bar_velocity_of_both_sets(db, seeds):
    squat = seeds["formfit_squat"][0]
    a = save(db, db.add_athlete("Ana"), seeds, "formfit_squat", 1, with_bar(squat, [0.62, 0.58, 0.50], 19.4))
    b = save(db, db.add_athlete("Ben"), seeds, "jeffchen_good", 2)  # a set without a tracked bar
    at = open_page("app_pages/compare.py")
    at.selectbox(key="cmp_a").set_value(a)
    at.selectbox(key="cmp_b").set_value(b).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["A: rep 1 mean velocity"] == "0.62 m/s"
    assert metrics["A: velocity loss over the set"] == "19 %"
    assert any("B: no barbell tracked" in c.value for c in at.caption)


def test_classroom_anonymised_summary_teaching_and_upload(db, seeds):
    cls = db.add_classroom("PE 9b")
    names = ["Zoe Secretname", "Yan Hiddenname", "Xia Privatename"]
    ids = [db.add_athlete(n, cls) for n in names]
    squat = seeds["formfit_squat"][0]
    fault = Fault("knee_cave", 0.9, True, "test annotation: knees 4 cm inside the feet", source="gold").to_dict()
    with_fault = dataclasses.replace(squat, reps=(dataclasses.replace(squat.reps[0], faults=(fault,)),
                                                  *squat.reps[1:]))
    stored = {ids[0]: [(save(db, ids[0], seeds, "jeffchen_good", 1), seeds["jeffchen_good"][0])],
              ids[1]: [(save(db, ids[1], seeds, "formfit_squat", 1, with_fault), with_fault)],
              ids[2]: []}
    expected = summarise_class(stored)

    at = open_page("app_pages/classroom.py")
    page_text = " ".join(m.value for m in at.markdown)
    assert "Student 1" in page_text and not any(n.split()[1] in page_text for n in names)  # anonymised by default
    at.radio(key="cls_step").set_value("Class summary").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Students with a recorded set"] == "2 of 3"
    assert metrics["Most common fault"] == fault_title(expected.most_common_fault)
    assert any(expected.cue in s.value for s in at.success)
    for f, n in expected.students_with_fault.items():
        assert any(f"**{fault_title(f)}**: {n} of 2 students" == m.value for m in at.markdown)
    assert {b.label for b in at.get("download_button")} == {"⬇ Class summary (CSV)", "⬇ Printable class report (HTML)"}

    at.radio(key="cls_step").set_value("Teaching panel").run()
    assert not at.exception
    assert any("Cue:" in m.value for m in at.markdown)
    assert len(at.get("image")) >= 1  # annotated key frames from the class's own clip

    at.toggle(key="cls_projector").set_value(True)
    at.radio(key="cls_step").set_value("Record a set").run()
    assert any("font-size: 4rem" in m.value for m in at.markdown)  # projector styling is on
    at.selectbox(key="cls_student").set_value(ids[2])
    data = clip_path("jeffchen_bad").read_bytes()
    at.file_uploader(key="cls_upload_file").set_value(("jeffchen_bad.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    assert any("Saved: 1 rep of deadlift" in s.value for s in at.success)
    # the student sees their own result right away: count, a verdict per rep, one cue
    assert any(h.value == "Result for Student 3" for h in at.subheader)
    assert {m.label: m.value for m in at.metric}["Reps"] == "1"
    assert any(m.value.startswith("- **Rep 1**: ") and ("white light" in m.value or "red light" in m.value)
               for m in at.markdown)  # the referee's light of a side-view pull, never "not sure"
    assert not any("not sure" in m.value.lower() for m in at.markdown)
    assert any(s.value.startswith("Your cue: ") for s in at.success)
    sets = db.sessions(athlete_id=ids[2])
    assert len(sets) == 1 and not sets[0].has_video  # the video is kept only when asked
    # small JPEG key frames instead, at the compare slider's phases; this clip stops at lockout (end = turnaround)
    assert [k.phase_pct for k in db.key_frames(sets[0].id)] == pytest.approx([0, 25, 50], abs=5)


def test_upload_page_saves_a_set_to_a_new_athlete(db):
    at = open_page("app_pages/upload.py")
    data = clip_path("jeffchen_bad").read_bytes()
    at.file_uploader(key="upload").set_value(("jeffchen_bad.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    at.text_input(key="upload_save_new_name").input("Maria <i>López</i>")
    at.button(key="upload_save_add").click().run()
    assert [a.name for a in db.athletes()] == ["Maria <i>López</i>"]
    assert at.selectbox(key="upload_save_athlete").value == db.athletes()[0].id  # the new athlete is selected
    at.button(key="upload_save_button").click().run()
    assert not at.exception
    assert any("Saved as set #1" in s.value for s in at.success)
    [stored] = db.sessions()
    assert (stored.lift, stored.rep_count, stored.has_video) == ("deadlift", 1, False)
    assert [k.phase_pct for k in db.key_frames(stored.id)] == pytest.approx([0, 25, 50], abs=5)  # ends at lockout


@pytest.mark.parametrize("page", ["app_pages/history.py", "app_pages/compare.py", "app_pages/classroom.py"])
def test_empty_database_gives_a_next_step(db, page):
    at = open_page(page)
    assert not at.error
    assert len(at.info) == 1 and any(w in at.info[0].value for w in ("Add one", "save at least", "Create a class"))


def test_unreachable_database_gives_a_clear_error(db, monkeypatch):
    monkeypatch.setenv("FORMLENS_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/formlens")
    at = open_page("app_pages/history.py")
    assert len(at.error) == 1
    assert "cannot open its database" in at.error[0].value and "secret" not in at.error[0].value
