"""Several users at once on one shared pose model: same answers as one at a time, bounded resources."""

from __future__ import annotations

import json
import os
import resource
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.testing.v1 import AppTest

from core.pipeline import analyze_video
from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

# two real clips (a side-view deadlift, an angled bench press), each uploaded by two users at once: four analyses
# share the one pose model
CLIPS = ["jeffchen_good", "nadamarie_false_bench"]
USERS_PER_CLIP = 2


def _comparable(report) -> dict:
    d = report.to_dict()
    d.pop("timing")
    return d


def _os_threads() -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("Threads:"))


@pytest.mark.slow
def test_concurrent_analyses_equal_serial(backend, config, tmp_path):
    serial = {name: _comparable(analyze_video(clip_path(name), backend, config).report) for name in CLIPS}
    peak = {"threads": 0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak["threads"] = max(peak["threads"], _os_threads())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.perf_counter()
    jobs = [(name, user) for user in range(USERS_PER_CLIP) for name in CLIPS]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {job: pool.submit(analyze_video, clip_path(job[0]), backend, config) for job in jobs}
        concurrent = {job: _comparable(f.result(timeout=600).report) for job, f in futures.items()}
    wall = time.perf_counter() - started
    stop.set()
    watcher.join()
    for (name, user), report in concurrent.items():
        assert report == serial[name], f"{name}, user {user}: the concurrent report differs from the serial one"
    stats = {"analyses": len(jobs), "concurrent_wall_s": round(wall, 1), "peak_os_threads": peak["threads"],
             "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    (tmp_path / "concurrency.json").write_text(json.dumps(stats))
    print("concurrency:", stats)
    assert peak["threads"] < 200  # no thread explosion per request


@pytest.mark.slow
def test_upload_and_export_leave_no_files_behind(tmp_path, monkeypatch):
    """The page decodes uploads from memory; the annotated MP4 goes through a private temp file that is removed."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before_repo = set(os.listdir(ROOT))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    at.file_uploader(key="upload").set_value(("clip.mp4", clip_path("jeffchen_good").read_bytes(), "video/mp4")).run()
    assert not at.exception and not at.error
    at.button(key="make_mp4").click().run()
    assert not at.exception
    mp4 = [b for b in at.get("download_button") if "MP4" in b.label]
    assert len(mp4) == 1
    assert list(scratch.iterdir()) == []  # nothing left in the temp dir
    assert set(os.listdir(ROOT)) == before_repo  # nothing written next to the app


def test_two_sessions_keep_their_own_results():
    """Two browser sessions analysing different clips never see each other's report.

    The sessions are interleaved in one process, as a Streamlit server holds them: both share the
    cached pose model, each keeps its own session state. (AppTest's script runner is not thread-safe:
    two AppTests run from threads at once tear down each other's runtime, so the simultaneous use of the
    shared model is tested below the page, in test_concurrent_analyses_equal_serial.)
    """
    def open_upload_page() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.run()
        at.switch_page("app_pages/upload.py").run()
        return at

    def lift_shown(at: AppTest) -> str:
        return {m.label: m.value for m in at.metric}["Lift"]

    def upload(at: AppTest, name: str) -> None:
        at.file_uploader(key="upload").set_value((f"{name}.mp4", clip_path(name).read_bytes(), "video/mp4")).run()
        assert not at.exception and not at.error

    bench, deadlift = open_upload_page(), open_upload_page()
    upload(bench, "nadamarie_false_bench")
    assert "bench" in lift_shown(bench)
    assert not deadlift.metric  # the second session still shows its empty state
    upload(deadlift, "jeffchen_good")
    assert "deadlift" in lift_shown(deadlift)
    bench.run()  # the first session reruns after the second analysed: still its own report
    assert "bench" in lift_shown(bench)
    assert {m.label: m.value for m in bench.metric}["Reps"] == "1"  # manifest: 1 rep for each clip
    assert {m.label: m.value for m in deadlift.metric}["Reps"] == "1"


def test_blur_faces_changes_only_the_head(backend, config):
    import numpy as np

    from core.perception.video import iter_frames
    from core.render.annotate import blur_face

    frame = next(f.image for f in iter_frames(clip_path("bichraix_good001")) if f.index == 58)
    people = backend.predict([frame])[0]
    kp = people.keypoints[int(np.argmax(people.scores))]
    blurred = blur_face(frame.copy(), kp)
    changed = np.abs(blurred.astype(int) - frame).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert changed.any()
    nose = kp[0]
    assert abs(xs.mean() - nose[0]) < 80 and abs(ys.mean() - nose[1]) < 100  # the blur sits on the head
    assert changed.mean() < 0.1  # and only there


@pytest.mark.slow
def test_two_live_sessions_on_one_model_never_mix(backend, config):
    """Two browsers streaming at once (threads calling the webrtc callback of their own LiveSession, one
    shared pose model): each counts its own lifter's reps and judges its own lift."""
    from fractions import Fraction

    import av

    from core.perception.video import iter_frames, probe
    from tests.conftest import manifest_row
    from ui.live import LiveSession

    cfg = config.update(pose_imgsz=320)  # the live page's size
    clips = {"jeffchen_good": "deadlift", "nadamarie_false_bench": "bench"}
    sessions = {name: LiveSession(cfg, backend, lift) for name, lift in clips.items()}
    errors: list[BaseException] = []

    def stream(name: str) -> None:
        try:
            info = probe(clip_path(name), cfg)
            for frame in iter_frames(clip_path(name), info, max_side=640):
                vf = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
                vf.pts, vf.time_base = frame.index, Fraction(1 / info.fps).limit_denominator(100000)
                sessions[name].on_frame(vf)
            sessions[name].on_ended()
        except BaseException as err:  # surfaced below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=stream, args=(name,)) for name in clips]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    for name, lift in clips.items():
        live = sessions[name]
        assert live.analyzer.lift == lift
        assert len(live.analyzer.reps) == int(manifest_row(name)["reps"]) == 1
        report = live.finish_report().report
        assert report.lift["label"] == lift and report.rep_count == 1
    jeff, bench = (sessions[n].analyzer for n in clips)
    assert jeff is not bench and jeff.reps[0].end_s != bench.reps[0].end_s
