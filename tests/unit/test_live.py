"""The live path below the page: the upload's reps on the set so far, causal cleaning, the result queue, ICE
config, panel."""

import queue
import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.config import AnalysisConfig
from core.judgment.learned.sim import simulate_scene
from core.live import (
    CausalCleaner,
    LiveAnalyzer,
    LiveSettings,
    SetSoFar,
    camera_setup_checks,
    rep_verdict,
    sample_rate,
    still_found,
)
from core.movement.cleaning import clean_series
from core.pipeline import analyze_trace
from core.types import KeypointSeries
from ui.live import publish_latest, rtc_configuration

CFG = AnalysisConfig()


def feed(trace, lift: str) -> tuple[LiveAnalyzer, list, set[str]]:
    """A simulated set through the live analyzer sample by sample: (analyzer after finish, the reps announced
    before the set ended, the overlay phases seen)."""
    live = LiveAnalyzer(CFG, lift, settings=LiveSettings(fps_hint=trace.fps))
    phases = set()
    for people, t in zip(trace.people, trace.times, strict=True):
        phases.add(live.step_people(people, float(t), (trace.info.width, trace.info.height)).phase)
    announced = list(live.reps)
    live.finish()
    return live, announced, phases


def sample_of(live: LiveAnalyzer, t: float) -> int:
    return int(np.searchsorted(live.times, t))


def verdicts(faults) -> list[tuple[str, str]]:
    return [(f["name"], f["verdict"]) for f in faults]


@pytest.mark.parametrize("lift", ["deadlift", "squat", "bench"])
def test_live_announces_the_uploads_reps_with_its_verdicts_and_numbers(lift):
    """Live and upload on the same frames: the reps announced during the set are the upload's (bounds within a
    sample), each announced within a second of its end with the report's verdicts and numbers; after the set
    the live reps are the report's and the overlay's phase went up, down and back to rest."""
    trace = simulate_scene(lift, view="side", n_reps=3, seed=1).trace
    upload = analyze_trace(trace, CFG, lift_override=lift)
    live, announced, phases = feed(trace, lift)
    assert len(upload.reps) == 3 and phases == {"up", "down", "rest"}
    assert len(announced) >= 2  # a rep the clip ends in is counted when the set ends (below)
    for said, rep, shown in zip(announced, upload.reps, upload.report.reps, strict=False):
        bounds = [sample_of(live, t) for t in (said.start_s, said.turn_s, said.end_s)]
        assert np.abs(np.subtract(bounds, [rep.start, rep.turn, rep.end])).max() <= 1, (bounds, rep)
        assert 0 <= said.reported_s - said.end_s <= 1.0
        assert verdicts(said.faults) == verdicts(shown.faults) and said.faults
        for key in (f"lockout_{n}_deg" for n in ("hip", "knee", "elbow")):
            assert said.metrics[key] == pytest.approx(shown.metrics[key], abs=1.0)
    after = live.snapshot()
    assert after.rep_count == len(live.reps) == len(upload.reps)
    assert [(r.start_s, r.end_s) for r in live.analysis.report.reps] == [(r.start_s, r.end_s)
                                                                         for r in upload.report.reps]
    for said, shown in zip(live.reps, upload.report.reps, strict=True):
        assert verdicts(said.faults) == verdicts(shown.faults) and said.metrics == shown.metrics
    assert live.analysis.report.style == upload.report.style


def test_the_set_so_far_is_cleaned_as_the_upload_cleans_the_whole_set():
    scene = simulate_scene("squat", view="side", n_reps=3, seed=2)
    trace, size = scene.trace, (scene.trace.info.width, scene.trace.info.height)
    raw = [p.keypoints[scene.lifter_index].astype(np.float64) for p in trace.people]
    whole = clean_series(KeypointSeries(np.asarray(raw, np.float32), trace.fps, *size), CFG).xyc
    so_far = SetSoFar(trace.fps, CFG)
    for n in range(12, len(raw) + 1, 6):  # every 0.2 s, as the analyzer does
        series = so_far.update(raw[:n], size)
    settled = len(raw) - int(3.0 * trace.fps)  # older than CLEAN_TAIL_S - CLEAN_EDGE_S at the last update
    np.testing.assert_allclose(series.xyc[:settled, :, :2], whole[:settled, :, :2], atol=0.01)


@pytest.mark.parametrize("gap, held", [pytest.param(3, True, id="short-gap-held"),
                                       pytest.param(30, False, id="long-gap-missing")])
def test_causal_cleaner_gates_and_holds(gap, held):
    cleaner = CausalCleaner(30.0, CFG)
    pose = np.zeros((17, 3))
    pose[:, 0], pose[:, 1], pose[:, 2] = 100.0, 200.0, 0.9
    for _ in range(30):
        out = cleaner.push(pose)
    np.testing.assert_allclose(out[:, :2], pose[:, :2], atol=1e-6)  # a still pose stays where it is
    low = pose.copy()
    low[:, 2] = 0.1  # below keypoint_min_conf: treated as missing
    for _ in range(gap):
        out = cleaner.push(low)
    assert np.isfinite(out[:, 0]).all() == held


def test_latest_result_queue_drops_the_old_result():
    q: queue.Queue = queue.Queue(maxsize=1)
    for i in range(5):
        publish_latest(q, i)
    assert q.get_nowait() == 4 and q.empty()


def test_rtc_configuration_from_config(tmp_path):
    assert rtc_configuration(CFG) == {"iceServers": []}  # localhost: no STUN/TURN
    toml = tmp_path / "formlens.toml"  # the deployment setting documented in the README
    toml.write_text('[formlens]\nice_servers = [{urls = ["turn:turn.example.org:3478"], username = "u", '
                    'credential = "p"}]\n')
    cfg = AnalysisConfig.from_env({"FORMLENS_CONFIG": str(toml)})
    turn = {"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "p"}
    assert rtc_configuration(cfg) == {"iceServers": [turn]}


def test_setup_checks_flag_dark_front_view_and_cut_off_feet():
    xyc = np.full((60, 17, 3), np.nan, np.float32)
    xyc[..., 2] = 0.9
    for k, (x, y) in {5: (200, 100), 6: (300, 100), 11: (210, 300), 12: (290, 300),  # front view: wide
                      13: (210, 420), 14: (290, 420), 15: (210, 560), 16: (290, 560)}.items():
        xyc[:, k, :2] = (x, y)
    checks = {c.name: c for c in camera_setup_checks(KeypointSeries(xyc, 30.0, 640, 480), [20.0] * 60, (640, 480))}
    assert checks["person"].ok
    assert not checks["whole_body"].ok and "ankles" in checks["whole_body"].message  # y=560 is below 480 px
    assert not checks["side_view"].ok and "side view" in checks["side_view"].message
    assert not checks["lighting"].ok and "dark" in checks["lighting"].message


def test_verdict_names_the_detected_fault_with_its_evidence():
    faults = ({"name": "early_hip_rise", "score": 0.8, "detected": True, "judgeable": True,
               "evidence": "hips rose 12 deg before the shoulders"},)
    assert rep_verdict(2, faults, ("hip", 70, 175)) == "Rep 3: early hip rise — hips rose 12 deg before the shoulders"
    assert rep_verdict(0, (), ("hip", 70.2, 175.4)) == "Rep 1: counted — hip 70° to 175°"


def _panel_app():
    import numpy as np

    from core.live import LiveRep, LiveSnapshot, SetupCheck
    from ui.live import render_live_panel

    rep = LiveRep(0, 1.0, 2.0, 3.0, 3.2, True, (), "Rep 1: counted — hip 70° to 175°")
    render_live_panel(LiveSnapshot(3.2, np.full((17, 3), np.nan), "hip", 171.0, 1, "up", 21.0, 45.0, "deadlift",
                                   "deadlift", (rep,), (SetupCheck("lighting", False, "Too dark"),), 96))


def test_live_panel_renders_count_angle_frame_rate_and_verdicts():
    at = AppTest.from_function(_panel_app).run(timeout=30)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reps"] == "1" and metrics["Hip angle (°)"] == "171"
    assert metrics["Frame rate"] == "21 fps"  # a frame rate is named as one, not as the lift's speed
    assert "Phase" not in metrics  # the phase is on the video only (the panel's older one contradicted it)
    assert at.success[0].value.startswith("Rep 1: counted")
    assert at.warning[0].value == "Too dark"


def test_core_live_does_not_import_streamlit():
    code = "import core.live, sys; assert 'streamlit' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_sample_rate_of_whole_ms_stamps_and_dropped_frames():
    """A browser stamps frames in whole ms (33, 33, 34 ms at 30 fps): the rate is 30 fps, not the median
    step's 30.3 (every bar speed 1 % high); frames the browser dropped (a 67-ms step) do not lower it."""
    t = np.round(np.arange(90) / 30.0 * 1000) / 1000
    assert abs(sample_rate(t) - 30.0) < 0.05
    assert abs(sample_rate(np.delete(t, [20, 50])) - 30.0) < 0.05


def test_an_announced_rep_the_recount_still_finds_stays_announced():
    """(start_s, end_s) spans: a rep the recount still finds where it was (its end moved, or it is not settled
    again yet) stays announced; a rep it no longer finds, and every rep after it, is withdrawn."""
    assert still_found([(1.0, 3.0)], [(1.1, 3.6)]) == 1
    assert still_found([(1.0, 3.0), (4.0, 6.0)], [(1.0, 3.0)]) == 1  # the second is no longer found
    assert still_found([(1.0, 3.0), (4.0, 6.0)], [(1.0, 3.0), (6.5, 8.0)]) == 1  # found elsewhere: another rep
    assert still_found([(1.0, 3.0)], []) == 0


@pytest.mark.parametrize("lift", ["deadlift", "squat", "bench"])
def test_the_live_count_never_goes_back_on_a_set_with_dropped_frames(lift):
    """A busy machine drops camera frames at random (about 4 in 10 here): the count shown during the set only
    grows, one rep at a time (a rep announced, withdrawn and announced again is two spoken numbers for one
    rep), and the end-of-set report keeps every rep: the upload's count of the whole set. (Its time grid once
    spanned only the frames kept at the camera's rate, cutting the last reps off: 2 or 1 of 3.)"""
    trace = simulate_scene(lift, view="side", n_reps=3, seed=2).trace
    keep = np.random.default_rng(0).random(len(trace.people)) > 0.4
    live = LiveAnalyzer(CFG, lift, settings=LiveSettings(fps_hint=trace.fps))
    counts = []
    for people, t, k in zip(trace.people, trace.times, keep, strict=True):
        if k:
            live.step_people(people, float(t), (trace.info.width, trace.info.height))
            counts.append(len(live.reps))
    assert all(b - a in (0, 1) for a, b in zip(counts, counts[1:], strict=False)), counts
    assert counts[-1] >= 2  # the set's reps were counted while it ran
    live.finish()
    assert len(live.reps) == analyze_trace(trace, CFG, lift_override=lift).report.rep_count == 3
    assert live.analysis.report.reps[-1].end_s > 0.8 * float(trace.times[-1] - trace.times[0])  # the last rep
