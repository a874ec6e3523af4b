"""Storage round trips on real SQLite and a real PostgreSQL server on loopback, with reports and key
frames of real clips: save, reload, compare, delete, restart, and two writers at once."""

from __future__ import annotations

import dataclasses
import json
import os
import threading

import cv2
import numpy as np
import pytest

from core.pipeline import analyze_trace
from core.records.compare import KEY_PHASES_PCT, PHASE_PCT, best_rep, compare_metrics, normalised_rep_curve
from core.records.snapshots import STORED_MAX_SIDE
from core.records.storage import Base, FormStore
from core.report import Report
from core.types import Fault
from tests.conftest import clip_path
from tests.postgres_server import postgres_bin_dir, running_postgres

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

CLIPS = ("jeffchen_good", "formfit_squat")  # 1 deadlift rep, 3 squat reps; both short side views


@pytest.fixture(scope="module")
def postgres_url():
    if postgres_bin_dir() is None:
        if os.environ.get("FORMLENS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL binaries are missing but FORMLENS_REQUIRE_POSTGRES=1 (run scripts/setup.sh --dev)")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    with running_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database of each kind; the PostgreSQL schema is dropped after each test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'formlens.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    store = FormStore.open(url)
    Base.metadata.drop_all(store.engine)
    store.close()


@pytest.fixture(scope="module")
def analyses(real_trace, config):
    return {name: analyze_trace(real_trace(name), config) for name in CLIPS}


@pytest.fixture(scope="module")
def frames(analyses):
    from core.records.snapshots import stored_key_frames

    return {name: stored_key_frames(clip_path(name), a) for name, a in analyses.items()}


def with_fault(report: Report, rep: int, name: str) -> Report:
    """The report with one detected fault on ``rep`` (the fault rules ship separately; storage must keep them)."""
    fault = Fault(name, 0.8, True, "test annotation: hips rose 12 deg before the shoulders", source="gold").to_dict()
    reps = tuple(dataclasses.replace(r, faults=(*r.faults, fault)) if r.index == rep else r for r in report.reps)
    return dataclasses.replace(report, reps=reps)


def n_faults(report: Report) -> int:
    """Fault judgments in a report (per rep and whole set), whatever the fault rules produced."""
    return sum(len(r.faults) for r in report.reps) + len(report.set_faults)


def plain(report: Report) -> dict:
    return json.loads(report.to_json())


def test_save_reload_round_trip(db_url, analyses, frames):
    store = FormStore.open(db_url)
    squat = with_fault(analyses["formfit_squat"].report, 1, "forward_lean")
    athlete = store.add_athlete("Ana <b>O'Neil</b>")
    video = clip_path("formfit_squat").read_bytes()
    set_id = store.save_session(athlete, squat, "formfit_squat.mp4", video=video, key_frames=frames["formfit_squat"])
    again = store.load_report(set_id)
    assert plain(again) == plain(squat)
    assert any(f["name"] == "forward_lean" and f["detected"] for f in again.reps[1].faults)
    assert store.video(set_id) == video
    stored = store.key_frames(set_id)
    assert len(stored) == len(frames["formfit_squat"]) == len(KEY_PHASES_PCT) * squat.rep_count
    img = cv2.imdecode(np.frombuffer(stored[0].jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and max(img.shape[:2]) == STORED_MAX_SIDE
    for r in range(squat.rep_count):  # each rep at the compare slider's phases, within a sample (15 Hz) of them
        assert [k.phase_pct for k in stored if k.rep_index == r] == pytest.approx(KEY_PHASES_PCT, abs=3)
    summary = store.sessions(athlete_id=athlete)[0]
    assert (summary.lift, summary.rep_count, summary.has_video) == ("squat", 3, True)
    assert store.athletes()[0].name == "Ana <b>O'Neil</b>"  # stored verbatim, escaped where rendered
    counts = store.row_counts()
    assert counts["reps"] == 3 and counts["faults"] == n_faults(squat)
    store.close()


def test_nothing_lost_across_restart(db_url, analyses):
    first = FormStore.open(db_url)
    cls = first.add_classroom("PE 9b")
    ids = [first.save_session(first.add_athlete(f"Student {i}", cls), analyses[name].report, name)
           for i, name in enumerate(CLIPS)]
    before = {i: plain(first.load_report(i)) for i in ids}
    first.close()
    second = FormStore.open(db_url)  # a new engine on the same database: an app restart
    assert {i: plain(second.load_report(i)) for i in ids} == before
    assert [c.n_students for c in second.classrooms()] == [2]
    assert [s.id for s in second.sessions(classroom_id=cls)] == ids
    second.close()


def test_compare_two_stored_sets(db_url, analyses):
    store = FormStore.open(db_url)
    a = store.save_session(store.add_athlete("A"), analyses["formfit_squat"].report)
    b = store.save_session(store.add_athlete("B"), analyses["jeffchen_good"].report)
    squat, pull = store.load_report(a), store.load_report(b)
    curves = [normalised_rep_curve(squat, r.index, "knee") for r in squat.reps]
    assert all(c.shape == PHASE_PCT.shape and np.isfinite(c).all() for c in curves)
    # aligned at the turnaround: 50 % is the squat's bottom, so the knee is most bent there (+-10 % of the rep)
    assert all(abs(int(np.argmin(c)) - 50) <= 10 for c in curves)
    diffs = {d.metric: d for d in compare_metrics(squat.reps[0].metrics, pull.reps[0].metrics)}
    hip = diffs["rom_hip_deg"]
    assert hip.difference == pytest.approx(pull.reps[0].metrics["rom_hip_deg"] - squat.reps[0].metrics["rom_hip_deg"],
                                           abs=1e-6)
    assert hip.notable == (abs(hip.difference) > 5.0)
    assert best_rep(store.load_report(a)) in {r.index for r in squat.reps}
    store.close()


def test_delete_set_and_athlete_cascade(db_url, analyses, frames):
    store = FormStore.open(db_url)
    keep = store.add_athlete("Keeps data")
    gone = store.add_athlete("Deletes data")
    squat = with_fault(analyses["formfit_squat"].report, 0, "knee_cave")
    kept_set = store.save_session(keep, squat, key_frames=frames["formfit_squat"])
    s1 = store.save_session(gone, squat, key_frames=frames["formfit_squat"], video=b"\x00" * 1000)
    store.save_session(gone, analyses["jeffchen_good"].report, key_frames=frames["jeffchen_good"])
    assert store.delete_session(s1) and not store.delete_session(s1)
    with pytest.raises(KeyError):
        store.load_report(s1)
    assert len(store.sessions(athlete_id=gone)) == 1
    assert store.delete_athlete(gone)
    counts = store.row_counts()
    assert counts["athletes"] == 1 and counts["sessions"] == 1
    assert counts["reps"] == 3 and counts["faults"] == n_faults(squat)
    assert counts["key_frames"] == len(frames["formfit_squat"])
    assert plain(store.load_report(kept_set)) == plain(squat)
    assert store.delete_athlete(keep) and set(store.row_counts().values()) == {0}
    store.close()


def test_concurrent_writers_lose_nothing(db_url, analyses):
    """Three writers at once: two browser sessions sharing one app's store (one engine and pool) and a
    second app instance with its own engine, as a school's two servers would. 12 sets each."""
    per_writer = 12
    app_one = FormStore.open(db_url)
    app_two = FormStore.open(db_url)
    shared = app_one.add_athlete("Shared athlete")
    report = analyses["formfit_squat"].report
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def writer(tag: str, store: FormStore) -> None:
        try:
            own = store.add_athlete(f"Writer {tag}")
            start.wait()
            for i in range(per_writer):
                store.save_session(shared if i % 2 else own, report, f"{tag}-{i}")
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=a) for a in (("A", app_one), ("B", app_one), ("C", app_two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    app_two.close()
    sets = app_one.sessions()
    assert sorted(s.source_name for s in sets) == sorted(f"{t}-{i}" for t in "ABC" for i in range(per_writer))
    assert app_one.row_counts()["reps"] == 3 * per_writer * report.rep_count
    assert len(app_one.sessions(athlete_id=shared)) == 3 * per_writer // 2
    assert all(app_one.load_report(s.id).rep_count == report.rep_count for s in sets)
    app_one.close()


def test_app_instances_starting_at_once_on_an_empty_database(db_url):
    """Four instances create the schema at the same moment (a school's servers restarting together)."""
    start = threading.Barrier(4)
    stores: list[FormStore] = []
    errors: list[BaseException] = []

    def boot() -> None:
        start.wait()
        try:
            stores.append(FormStore.open(db_url))
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=boot) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    athlete = stores[0].add_athlete("First")
    assert [a.id for a in stores[-1].athletes()] == [athlete]
    for store in stores:
        store.close()


def test_bad_names_are_refused_with_a_message(tmp_path):
    store = FormStore.open(f"sqlite:///{tmp_path / 'f.db'}")
    with pytest.raises(ValueError, match="Please enter a name"):
        store.add_athlete("   ")
    with pytest.raises(ValueError, match="at most 120"):
        store.add_athlete("x" * 500)
    with pytest.raises(ValueError, match="no athlete with id 99"):
        store.save_session(99, Report({}, {"label": "squat"}, {}, {}, (), {}))
    store.close()


def test_saving_one_analysis_twice_stores_one_set(db_url, analyses, frames):
    """A double click on Save, a rerun, or two tabs saving at the same moment: one set, one id."""
    store = FormStore.open(db_url)
    other = FormStore.open(db_url)  # a second app instance on the same database
    athlete = store.add_athlete("Saves twice")
    report = analyses["formfit_squat"].report
    first = store.save_session(athlete, report, "formfit_squat.mp4", key_frames=frames["formfit_squat"])
    assert store.save_session(athlete, report, "formfit_squat.mp4", key_frames=frames["formfit_squat"]) == first
    assert store.saved_set_id(athlete, report, "formfit_squat.mp4") == first
    ids: list[int] = []
    start = threading.Barrier(2)

    def save(s: FormStore) -> None:
        start.wait()
        ids.append(s.save_session(athlete, analyses["jeffchen_good"].report, "jeffchen_good.mp4"))

    threads = [threading.Thread(target=save, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(ids) == 2 and ids[0] == ids[1]
    assert [s.source_name for s in store.sessions(athlete_id=athlete)] == ["formfit_squat.mp4", "jeffchen_good.mp4"]
    counts = store.row_counts()
    assert counts["sessions"] == 2 and counts["key_frames"] == len(frames["formfit_squat"])
    # another athlete, or another analysis of the clip (its timings differ), is a set of its own
    assert store.save_session(store.add_athlete("Other"), report, "formfit_squat.mp4") != first
    again = dataclasses.replace(report, timing={**report.timing, "pose_s": report.timing["pose_s"] + 1})
    assert store.save_session(athlete, again, "formfit_squat.mp4") != first
    # a deleted set can be saved again
    assert store.delete_session(first) and store.saved_set_id(athlete, report, "formfit_squat.mp4") is None
    assert store.save_session(athlete, report, "formfit_squat.mp4") not in (first, None)
    other.close()
    store.close()


def test_the_same_video_is_found_by_its_content_after_an_upgrade(db_url, analyses):
    """A database made before set_videos existed (no such table) opens with its sets intact and gains the table;
    sets stored from then on are found by the sha256 of their video, per class too; deleting a set forgets it."""
    from sqlalchemy import create_engine

    from core.records.storage import SetVideoRow, make_engine, video_sha256

    old_tables = [t for t in Base.metadata.sorted_tables if t.name != SetVideoRow.__tablename__]
    engine = make_engine(db_url) if db_url.startswith("sqlite") else create_engine(db_url)
    Base.metadata.create_all(engine, tables=old_tables)  # the schema as an older FormLens made it
    engine.dispose()
    old = FormStore.open(db_url)
    cls = old.add_classroom("PE 9b")
    ana, ben = old.add_athlete("Ana", cls), old.add_athlete("Ben")
    report = analyses["jeffchen_good"].report
    data = clip_path("jeffchen_good").read_bytes()
    digest = video_sha256(data)
    assert len(digest) == 64 and digest == video_sha256(bytes(data))
    first = old.save_session(ana, report, "a.mp4", video_sha256=digest)
    other = old.save_session(ben, analyses["formfit_squat"].report, "b.mp4",
                             video_sha256=video_sha256(clip_path("formfit_squat").read_bytes()))
    assert [s.id for s in old.sets_of_video(digest)] == [first]
    assert [s.id for s in old.sets_of_video(digest, classroom_id=cls)] == [first]
    assert old.sets_of_video(video_sha256(data + b"\0")) == []  # one byte more: another video
    again = dataclasses.replace(report, timing={**report.timing, "pose_s": report.timing["pose_s"] + 1})
    second = old.save_session(ben, again, "a copy.mp4", video_sha256=digest)  # stored on purpose (the pages ask)
    assert [s.id for s in old.sets_of_video(digest)] == [first, second]
    assert [s.id for s in old.sets_of_video(digest, classroom_id=cls)] == [first]  # Ben is in no class
    assert old.delete_session(first) and [s.id for s in old.sets_of_video(digest)] == [second]
    assert old.row_counts()["set_videos"] == 2 and other != second
    old.close()
