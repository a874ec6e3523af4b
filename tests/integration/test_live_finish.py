"""'Finish set' on the live path with the real model: the count freezes, the camera's later frames are not
analysed, and the end-of-set report (the upload pipeline on the buffered pose results, no new pose) has the
reps the frozen count shows, fast."""

from __future__ import annotations

import os
import time
from fractions import Fraction

import av
import numpy as np
import pytest

from core.perception.video import iter_frames, probe
from core.pipeline import analyze_video
from tests.conftest import clip_path, manifest_row
from ui.live import LIVE_POSE_IMGSZ, LiveSession, last_rep_bar_line

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

# "Finish set" builds the report from the keypoints buffered during the set, with no new pose: it may take at most
# this share of the time posing the set's frames again takes on the same machine, measured in the test (so the
# bound scales with the machine and its load). Measured on 2 shared cores: finish 0.9-1.7 s, posing the 62 frames
# again 7.7-11.0 s (ratio 0.11-0.22); the page's target is 3 s on an idle machine.
FINISH_VS_POSE = 0.5
SPEED_TOLERANCE = 0.05  # issue 26: the live report's bar speeds within 5 % of the upload's for the same frames
POSE_SAMPLE = 20  # frames posed again to measure the reference (scaled to the whole set)


def _frames(name: str, cfg, t0: float = 0.0):
    path = clip_path(name)
    info = probe(path, cfg)
    for frame in iter_frames(path, info, max_side=640):
        vf = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
        vf.pts = int(round((t0 + frame.index / info.fps) * 1000))
        vf.time_base = Fraction(1, 1000)  # camera-like stream time in ms
        yield vf


def test_finish_set_freezes_the_count_and_the_report_agrees(backend, config, tmp_path):
    name = "jeffchen_good"  # one side-view pull, ~2 s
    cfg = config.update(pose_imgsz=LIVE_POSE_IMGSZ)
    live = LiveSession(cfg, backend, "deadlift", keep_frames_s=10.0)
    images = []
    for vf in _frames(name, cfg):
        live.on_frame(vf)
        images.append(vf.to_ndarray(format="bgr24"))
    analysed = live.frames_in

    started = time.perf_counter()
    analysis = live.finish_report()  # what the "Finish set" button does
    took = time.perf_counter() - started
    final = live.final
    sample = images[:: max(1, len(images) // POSE_SAMPLE)]
    started = time.perf_counter()
    for image in sample:
        backend.predict([image], imgsz=LIVE_POSE_IMGSZ)
    pose_again = (time.perf_counter() - started) / len(sample) * analysed
    print(f"\nfinish -> report {took:.2f} s for {analysed} frames; posing them again {pose_again:.2f} s; "
          f"load {os.getloadavg()}")
    assert final is not None and final.rep_count == int(manifest_row(name)["reps"]) == 1
    assert analysis.report.rep_count == final.rep_count  # the report says what the overlay said
    t0 = live.analyzer.times[0]  # the live reps are the report's: same bounds and verdicts
    assert [(r.start_s + t0, r.end_s + t0) for r in analysis.report.reps] == [(r.start_s, r.end_s)
                                                                             for r in live.analyzer.reps]
    assert [[f["name"] for f in r.faults] for r in analysis.report.reps] == [[f["name"] for f in r.faults]
                                                                            for r in live.analyzer.reps]
    assert took <= FINISH_VS_POSE * pose_again, (took, pose_again)

    # the camera keeps sending the same pull (as the issue saw: "the camera kept counting"): nothing changes
    for vf in _frames(name, cfg, t0=3.0):
        out = live.on_frame(vf)
        assert (out.width, out.height) == (vf.width, vf.height)
    assert live.frames_in == analysed and len(live.analyzer.times) == analysed
    assert live.latest(timeout=0.1).rep_count == final.rep_count == len(live.analyzer.reps)
    frame = out.to_ndarray(format="bgr24")
    assert np.any(frame[:60, :200] != next(_frames(name, cfg)).to_ndarray(format="bgr24")[:60, :200])  # banner
    assert len(live.recording_mp4()) > 0  # the kept frames still make the report's video

    # after the report is on screen, the kept recording is analysed as an upload of it (the upload's pose size and
    # the barbell: the full check does not fit the live frame budget): same reps, now with the bar's speed
    started = time.perf_counter()
    checked, video = live.recording_report(backend, config)
    print(f"check of the recording {time.perf_counter() - started:.2f} s")
    assert checked.report.rep_count == final.rep_count
    assert checked.report.extras["bar"]["scale"]["ruler"] == "plate"
    assert "m/s" in last_rep_bar_line(checked.report)
    # ... the very report an upload of the recording gets, and its bar speed is the upload's of the original clip
    # (the same rep, the same plate ruler; the recording is the clip's frames at most 640 px wide)
    recording = tmp_path / "live_set.mp4"
    recording.write_bytes(video)
    again = analyze_video(recording, backend, config)
    same = {"timing": None, "lift": None}  # the live set's lift is the lifter's choice, the upload's is detected
    assert again.report.lift["label"] == checked.report.lift["label"] == "deadlift"
    assert again.report.to_dict() | same == checked.report.to_dict() | same
    upload = analyze_video(clip_path(name), backend, config)  # the upload page: pose and bar on the clip (~4 s)
    up, got = (a.report.reps[0].metrics["bar_mean_velocity_m_s"] for a in (upload, checked))
    print(f"bar speed: upload {up} m/s, live {got} m/s")
    assert up is not None and got is not None and abs(got - up) <= SPEED_TOLERANCE * up, (got, up)
