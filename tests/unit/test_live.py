"""The live path below the page: causal cleaning, causal rep counting, the result queue, ICE config, panel."""

import queue
import subprocess
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.config import AnalysisConfig
from core.live import CausalCleaner, LiveRepCounter, camera_setup_checks, rep_verdict
from core.movement.reps import WorkSignal, segment_reps
from core.types import KeypointSeries
from tests.unit.test_reps import FPS, hip_profile
from ui.live import publish_latest, rtc_configuration

CFG = AnalysisConfig()


def three_pulls() -> np.ndarray:
    rng = np.random.default_rng(3)
    x = np.concatenate([172 + 3 * np.sin(np.linspace(0, 12, 90)),
                        hip_profile([(172, 70, 1.0), (70, 75, 1.0), (75, 70, 0.5)]),
                        hip_profile([(70, 175, 1.0), (175, 70, 1.2)] * 3 + [(70, 72, 0.6)])])
    return x + rng.normal(0, 1.5, len(x))


def test_live_counter_counts_like_offline_and_reports_within_a_second():
    x = three_pulls()
    offline = segment_reps(WorkSignal(x, "hip angle", "deg", CFG.min_range_deadlift_deg, True), FPS, CFG)
    counter = LiveRepCounter("deadlift", FPS, CFG, True, CFG.min_range_deadlift_deg)
    reported_at: list[int] = []
    for t, v in enumerate(x):
        counter.push(float(v))
        reported_at += [t] * (len(counter.reps) - len(reported_at))
    counter.finish()
    assert len(counter.reps) == len(offline) == 3
    for rep, t in zip(offline, reported_at, strict=True):
        assert 0 <= (t - rep.end) / FPS <= 1.0  # counted within 1 s after the offline end


def test_live_counter_holds_gaps_and_ignores_set_up_wiggles():
    x = three_pulls()
    x[400:406] = np.nan  # a short dropout mid-rep
    counter = LiveRepCounter("deadlift", FPS, CFG, True, CFG.min_range_deadlift_deg)
    phases = set()
    for v in x:
        counter.push(float(v))
        phases.add(counter.phase())
    counter.finish()
    assert len(counter.reps) == 3
    assert phases == {"rest", "up", "down"}


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
