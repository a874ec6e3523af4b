"""Property tests: the core stages take NaNs, empty series and extreme values without crashing."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.judgment.lift import classify_lift_by_rules
from core.movement.angles import compute_joint_angles
from core.movement.cleaning import clean_series
from core.movement.metrics import body_height_px, rep_metrics
from core.movement.reps import LIFTS, segment_reps, work_signal
from core.perception.view import estimate_view
from core.pipeline import PoseTrace, analyze_trace
from core.types import FramePeople, KeypointSeries, Rep, VideoInfo

CFG = AnalysisConfig()
coords = st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(0.0), st.floats(0, 2000))
keypoints = st.integers(0, 90).flatmap(
    lambda n: arrays(np.float32, (n, 17, 3), elements=st.one_of(st.floats(-1e5, 1e5, width=32), st.just(np.nan))))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(xyc=keypoints, fps=st.sampled_from([1.0, 12.5, 30.0, 240.0]))
def test_series_stages_never_crash(xyc, fps):
    series = KeypointSeries(xyc, fps, 640, 480)
    clean = clean_series(series, CFG)
    assert clean.xyc.shape == xyc.shape
    angles = compute_joint_angles(clean)
    finite = angles.values[np.isfinite(angles.values)]
    assert ((finite >= 0) & (finite <= 180 + 1e-6)).all()
    estimate_view(clean)
    classify_lift_by_rules(clean, angles)
    height = body_height_px(clean)
    for lift in LIFTS:
        signal = work_signal(lift, clean, angles, CFG)
        reps = segment_reps(signal, fps, CFG)
        for r in reps:
            assert 0 <= r.start <= r.turn <= r.end < max(1, len(xyc))
            rep_metrics(r, clean, angles, signal.concentric_first, height)


@FUZZ
@given(values=arrays(np.float64, st.integers(0, 400), elements=st.one_of(
    st.floats(-1e9, 1e9), st.just(np.nan), st.just(np.inf), st.just(-np.inf))))
def test_rep_segmentation_on_any_signal(values):
    from core.movement.reps import WorkSignal

    reps = segment_reps(WorkSignal(values, "x", "deg", 10.0, True), 30.0, CFG)
    assert all(isinstance(r, Rep) and r.start <= r.turn <= r.end for r in reps)


@FUZZ
@given(n_frames=st.integers(0, 40), people=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_analyze_trace_gives_a_report_or_a_clear_error(n_frames, people, seed):
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n_frames):
        k = int(rng.integers(0, people + 1))
        boxes = rng.uniform(0, 600, (k, 4)).astype(np.float32)
        boxes[:, 2:] = boxes[:, :2] + rng.uniform(1, 300, (k, 2))
        kp = rng.uniform(-50, 700, (k, 17, 3)).astype(np.float32)
        kp[..., 2] = rng.uniform(0, 1, (k, 17))
        if k and rng.random() < 0.3:
            kp[0, rng.integers(0, 17)] = np.nan
        frames.append(FramePeople(boxes, rng.uniform(0.2, 1, k).astype(np.float32), kp))
    info = VideoInfo(fps=30.0, frames=n_frames, duration_s=n_frames / 30, width=640, height=480)
    trace = PoseTrace(info, tuple(frames), np.arange(n_frames), np.arange(n_frames) / 30.0, 30.0, "fuzz", 0.0, 0.0)
    try:
        report = analyze_trace(trace, CFG).report
    except FormLensError as err:
        assert str(err)
        return
    text = report.to_json()
    assert "NaN" not in text
