"""Sampling time, not frames: a 60 fps upload costs what a 30 fps one does and gives the same answers."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from core.config import AnalysisConfig
from core.pipeline import analyze_trace, run_pose
from tests.conftest import clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

NATIVE = "jeffchen_good"  # real 600x600 30 fps deadlift, 1 rep (manifest), 2 s: cheap to re-encode


@pytest.fixture(scope="module")
def clip_60fps(tmp_path_factory):
    """The real clip re-encoded at 60 fps by showing every frame twice (what a 60 fps phone would record
    of a slow lift), made with PyAV at test time."""
    out = tmp_path_factory.mktemp("sampling") / f"{NATIVE}_60fps.mp4"
    with av.open(str(clip_path(NATIVE))) as src, av.open(str(out), "w") as dst:
        stream = dst.add_stream("libx264", rate=Fraction(60))
        stream.options = {"crf": "12", "preset": "ultrafast"}
        first = True
        for frame in src.decode(video=0):
            if first:
                stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
                first = False
            image = frame.to_ndarray(format="rgb24")
            for _ in range(2):
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                    dst.mux(packet)
        for packet in stream.encode():
            dst.mux(packet)
    return out


class Recorder:
    """A frame observer (interface of run_pose's ``observers``) that keeps what it was shown."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, float, tuple[int, ...], float]] = []
        self.mean_bgr: list[np.ndarray] = []

    def observe(self, frame_index: int, time_s: float, image: np.ndarray, scale: float) -> None:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        self.seen.append((frame_index, time_s, image.shape, scale))
        self.mean_bgr.append(image.reshape(-1, 3).mean(axis=0))


def test_a_60fps_copy_is_sampled_at_30_per_second_and_counts_the_same_reps(clip_60fps, backend, config,
                                                                            real_trace):
    native = real_trace(NATIVE)
    recorder = Recorder()
    capped = run_pose(clip_60fps, backend, config, observers=[recorder])
    assert native.fps == pytest.approx(30.0, abs=0.1)
    assert capped.info.fps == pytest.approx(60.0, abs=0.1)
    assert capped.fps <= config.max_sample_hz * 1.001  # at most the cap's samples per second
    assert len(capped.people) == pytest.approx(len(native.people), abs=1)  # same pose cost as the 30 fps original
    assert np.all(np.diff(capped.times) == pytest.approx(2 / 60, abs=1e-3))  # evenly spaced in time
    a, b = analyze_trace(native, config).report, analyze_trace(capped, config).report
    assert b.rep_count == a.rep_count == 1  # manifest: 1 rep
    assert b.lift["label"] == a.lift["label"] == "deadlift"
    for ra, rb in zip(a.reps, b.reps, strict=True):  # same rep, same place in time (one 30 fps frame)
        assert abs(ra.turn_s - rb.turn_s) <= 1 / 30 + 1e-6
    # observers saw the posed frames of the analysed ones, in time order, with the scale back to source pixels
    at = {int(i): float(t) for i, t in zip(capped.frame_index, capped.times, strict=True)}
    seen = [s[0] for s in recorder.seen]
    assert len(seen) == capped.samples_posed and seen == sorted(seen) and set(seen) <= set(at)
    assert [s[1] for s in recorder.seen] == pytest.approx([at[i] for i in seen])
    for _, _, shape, scale in recorder.seen:
        assert max(shape[:2]) * scale == pytest.approx(max(capped.info.width, capped.info.height), rel=0.01)


def test_observers_get_the_decoded_bgr_frame(backend, config):
    """The observer's image is BGR (OpenCV's order, as decoded for pose): on a real clip its channel means
    match PyAV's own bgr24 decode."""
    path = clip_path("nadamarie_false_bench")  # red X overlay: red and blue channels differ
    recorder = Recorder()
    run_pose(path, backend, config.update(frame_stride=20), observers=[recorder])
    with av.open(str(path)) as c:
        ref = [f.to_ndarray(format="bgr24").reshape(-1, 3).mean(axis=0)
               for i, f in enumerate(c.decode(video=0)) if i % 20 == 0]
    got = np.array(recorder.mean_bgr)
    assert len(got) == len(ref)
    assert np.abs(got - np.array(ref)).max() < 3.0  # resize only blurs; an RGB mix-up moves R and B apart
    assert np.abs(got[:, 0] - got[:, 2]).max() > 3.0  # the test can tell R from B on this clip


def test_a_real_60fps_phone_clip_is_capped(backend, config):
    clip = clip_path("03y_deadlift5")  # real 1080x1920 60 fps, 3 s
    trace = run_pose(clip, backend, config)
    assert trace.info.fps == pytest.approx(60.0, abs=0.5)
    assert trace.fps <= config.max_sample_hz * 1.001 and len(trace.people) <= trace.info.frames // 2 + 1
    full = trace.info.frames
    assert set(np.diff(trace.frame_index)) == {2} and len(trace.people) >= full // 2 - 1


@pytest.mark.parametrize("fps, stride", [(23.976, 1), (29.97, 1), (30.5, 1), (50.0, 2), (59.94, 2), (60.0, 2),
                                         (120.0, 4), (240.0, 8)])
def test_stride_keeps_at_most_about_30_samples_per_second(fps, stride):
    config = AnalysisConfig()
    assert config.stride_for(fps) == stride
    assert fps / stride <= config.max_sample_hz * 1.1
    assert AnalysisConfig(frame_stride=3).stride_for(fps) == 3  # an explicit stride overrides the cap


# --- still skip (core.perception.sampling.MotionGate): pose only every still_step_s while nobody moves ---------

STILL = "03y_squat5"  # real 1080x1920 30 fps back squat, 1 rep (manifest), 5 s; the lifter stands before and after


def _answers(report) -> dict:
    faults = {(rep.index, f["name"]): f.get("verdict") for rep in report.reps for f in rep.faults}
    faults |= {("set", f["name"]): f.get("verdict") for f in report.set_faults}
    return {"reps": report.rep_count, "lift": report.lift["label"], "style": (report.style or {}).get("label"),
            "turns": [round(r.turn_s, 3) for r in report.reps], "faults": faults}


def test_a_lifter_standing_still_is_posed_less_and_gets_the_same_answers(backend, config):
    """Where the lifter stands still, pose runs on fewer samples; reps, their timing, lift, style and every
    verdict are those of posing every sample; each sample still has its people (interpolated), the every-sample
    observer (scene cuts) saw every sample and the other observers only the posed ones, in time order."""
    from core.perception.shots import SceneObserver

    every = run_pose(clip_path(STILL), backend, config.update(still_skip=False))
    scene, recorder = SceneObserver(), Recorder()
    gated = run_pose(clip_path(STILL), backend, config, observers=[scene, recorder])
    assert every.samples_posed == len(every.people)
    assert gated.samples_posed <= 0.8 * len(gated.people)  # the still stretches were skipped
    assert gated.frame_index.tolist() == every.frame_index.tolist()  # same samples, every one with its people
    assert len(scene.finish()) == len(gated.people)
    posed = [s[0] for s in recorder.seen]
    assert len(posed) == gated.samples_posed and posed == sorted(posed)
    a, b = analyze_trace(every, config).report, analyze_trace(gated, config).report
    assert a.rep_count == 1  # manifest: 1 rep
    assert _answers(b) == _answers(a)


def test_interpolated_samples_lie_between_the_posed_ones(real_trace):
    """A skipped sample between two posed ones gets each matched person's keypoints on the straight line
    between them (confidence the lower of the two); with nobody in sight, pose keeps looking."""
    from core.perception.sampling import fill_skipped, moved_bh
    from core.types import FramePeople

    trace = real_trace(NATIVE)
    a, b = trace.people[10], trace.people[14]
    assert len(a.boxes) and len(b.boxes)
    filled = fill_skipped([a, None, None, None, b], trace.times[10:15])
    mid = filled[2]
    w = (trace.times[12] - trace.times[10]) / (trace.times[14] - trace.times[10])
    assert np.allclose(mid.keypoints[0, :, :2], (1 - w) * a.keypoints[0, :, :2] + w * b.keypoints[0, :, :2],
                       atol=1e-3)
    assert np.all(mid.keypoints[0, :, 2] <= np.maximum(a.keypoints[0, :, 2], b.keypoints[0, :, 2]))
    assert moved_bh(a, a) == 0.0
    assert moved_bh(FramePeople.empty(), a) == float("inf") and moved_bh(a, FramePeople.empty()) == float("inf")
