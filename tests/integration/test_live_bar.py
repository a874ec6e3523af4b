"""The bar during a live set (AnalysisConfig.live_bar, core.perception.bar.live, ui.live_bar) with the real pose
model and barbell detector on a real pull: the worker's mean concentric speed of the rep, read live from its path,
equals the same tracker's whole-clip answer on the same frames (the upload's measure) within 5 %; the overlay gets
the rep's bar path; handing a frame to a busy worker returns at once (the callback never waits for it)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from core.perception.bar.measure import on_grid, rep_bar_metrics, smooth_path
from tests.integration.test_live_finish import _frames
from ui import live_bar
from ui.live import LIVE_POSE_IMGSZ, LiveSession

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

CLIP = "jeffchen_good"  # one side-view deadlift, ~2 s, plate in view
SPEED_TOLERANCE = 0.05  # the bound: live bar speeds within 5 % of the upload's


def test_live_bar_speed_equals_the_reports_and_the_hand_over_never_waits(backend, config, monkeypatch):
    cfg = config.update(pose_imgsz=LIVE_POSE_IMGSZ, live_bar=True)
    live = LiveSession(cfg, backend, "deadlift", keep_frames_s=10.0)
    worker = live.bar
    assert worker is not None, "the barbell detector is missing"
    monkeypatch.setattr(live_bar, "SPARE_MS", 1e9)  # as on an idle machine: every frame has time to spare
    frames = list(_frames(CLIP, cfg))
    for vf in frames:
        live.on_frame(vf)
        assert worker.wait_idle(10.0)  # let it see every frame (the idle machine); the callback itself never waits

    other = live_bar.start_worker(cfg)  # a fresh worker: its first frame runs the detector (>= 10 ms)
    img = frames[0].to_ndarray(format="bgr24")
    assert other.offer(0, 0.0, img, None)
    started = time.perf_counter()
    refused = [other.offer(i, i / 30, img, None) for i in range(1, 6)]  # while it works on frame 0
    waited_ms = (time.perf_counter() - started) * 1000
    other.close()
    assert refused == [False] * 5 and waited_ms < 5.0, (refused, waited_ms)  # dropped at once, never queued

    snap = live.stop()
    assert snap.rep_count == 1 and len(live.bar_speeds) == 1
    path = worker.path_since(snap.reps[0].start_s)
    assert len(path) > 10 and np.ptp(path[:, 1]) > 50  # px: the pull's path rises on the overlay
    # the reference: the same tracker's whole answer over the same frames (drift correction, bar choice, the upload's
    # measure_set smoothing on the analysis grid), as the upload pipeline measures a clip
    track = worker.observer.finish()
    xy = smooth_path(on_grid(track, len(live.analyzer.times), live.analyzer.fps), live.analyzer.fps)
    expected = rep_bar_metrics(xy, live.analyzer.fps, *live.analyzer.counted_bounds()[0], True,
                               cfg.bar_plate_diameter_m / track.plate_px)["bar_mean_velocity_m_s"]
    got = live.bar_speeds[0]
    print(f"\nlive bar {got} m/s, whole track {expected} m/s; worker took {worker.taken}/{worker.offered} frames")
    assert got is not None and abs(got - expected) <= SPEED_TOLERANCE * expected, (got, expected)
    assert live_bar.speed_line(live.bar_speeds) == f"Rep 1: {got:.2f} m/s"
