"""Scene cuts from the whole picture (core.perception.shots.SceneObserver + scene_cuts), on real frames: a splice of two
real clips of the same lifter framed alike (the person box barely moves at the cut, so only the pixels show it)
is cut at the splice and no rep spans it; the same clip panned by the camera gets no cut and keeps its reps."""

from __future__ import annotations

import dataclasses
import warnings

import cv2
import numpy as np
import pytest

from core.perception.shots import SceneObserver, scene_cuts
from core.perception.video import iter_frames, probe
from core.pipeline import analyze_trace
from core.types import FramePeople
from tests.conftest import clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

FIRST, SECOND = "jeffchen_good", "jeffchen_heellift"  # one pull each, same lifter, same 600x600 framing


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def frames(name: str, trace, config) -> list[np.ndarray]:
    """The BGR frames the pose pass saw for ``trace`` (same stride and size)."""
    path = clip_path(name)
    info = probe(path, config)
    keep = set(trace.frame_index.tolist())
    return [f.image.copy() for f in iter_frames(path, info, stride=config.stride_for(info.fps),
                                                 max_side=max(config.pose_imgsz, 320)) if f.index in keep]


def observed(images: list[np.ndarray]) -> np.ndarray:
    obs = SceneObserver()
    for i, im in enumerate(images):
        obs.observe(i, i / 30.0, im, 1.0)
    return obs.finish()


def test_splice_of_two_real_clips_is_cut_and_no_rep_spans_it(real_trace, config):
    a, b = real_trace(FIRST), real_trace(SECOND)
    refs = [analyze_trace(t, config).report.rep_count for t in (a, b)]
    change = observed(frames(FIRST, a, config) + frames(SECOND, b, config))
    people = a.people + b.people
    n = len(people)
    assert len(change) == n
    spliced = dataclasses.replace(a, people=people, frame_index=np.arange(n), times=np.arange(n) / a.fps,
                                  info=dataclasses.replace(a.info, frames=n, duration_s=n / a.fps),
                                  scene_change=change)
    cut = len(a.people)
    assert scene_cuts(change, spliced.times) == [cut]
    res = analyze_trace(spliced, config)
    assert res.report.lift["label"] == "deadlift"
    assert any("1 scene cut" in w for w in res.report.warnings)
    assert res.report.rep_count == sum(refs)
    assert all(r.end < cut or r.start >= cut for r in res.reps)


def test_camera_pan_makes_no_cut_and_keeps_the_reps(real_trace, config):
    """A real clip panned sideways by up to half the frame width and back in its 2 s: the picture slides by up to
    ~2.6 % of its width a sample (the whole picture changes more than the least cut seen on the real clips), the
    people with it."""
    trace = real_trace(FIRST)
    images = frames(FIRST, trace, config)
    n = len(images)
    h, w = images[0].shape[:2]
    shift = 0.5 * np.sin(np.pi * np.arange(n) / (n - 1)) * np.sin(np.pi * np.arange(n) / (n - 1))  # of the width
    panned = [cv2.warpAffine(im, np.float32([[1, 0, -s * w], [0, 1, 0]]), (w, h), borderMode=cv2.BORDER_REFLECT)
              for im, s in zip(images, shift, strict=True)]
    change = observed(panned)
    assert scene_cuts(change, trace.times) == []
    dx = shift * trace.info.width
    people = []
    for p, d in zip(trace.people, dx, strict=True):
        kp, boxes = p.keypoints.copy(), p.boxes.copy()
        kp[..., 0] -= d
        boxes[:, [0, 2]] -= d
        people.append(FramePeople(boxes, p.scores, kp))
    moved = dataclasses.replace(trace, people=tuple(people), scene_change=change)
    ref = analyze_trace(trace, config)
    res = analyze_trace(moved, config)
    assert not any("scene cut" in w for w in res.report.warnings)
    assert res.report.rep_count == ref.report.rep_count
    assert res.report.lift["label"] == ref.report.lift["label"]


def test_trace_pickled_before_scene_change_loads_and_analyses(real_trace, config):
    """Traces saved before PoseTrace.scene_change existed (e.g. on-disk caches) unpickle with it None and give
    the same result."""
    import pickle

    trace = real_trace(FIRST)
    state = {k: v for k, v in trace.__dict__.items() if k != "scene_change"}
    old = object.__new__(type(trace))
    old.__dict__.update(state)
    back = pickle.loads(pickle.dumps(old))
    assert back.scene_change is None
    assert analyze_trace(back, config).report.rep_count == analyze_trace(trace, config).report.rep_count


def test_scores_from_another_sampling_are_not_attached(real_trace):
    """evaluate clips --scene-scores: scores taken on other frames than the trace's (e.g. every 2nd frame of a
    60 fps clip) would be changes over another interval, so they are left off, not misread."""
    from core.evaluation.clips import scene_change_on

    idx = real_trace(FIRST).frame_index
    scores = np.stack([idx, np.arange(len(idx), dtype=float)], axis=1)
    assert np.array_equal(scene_change_on(idx, scores), np.arange(len(idx)))
    assert scene_change_on(idx, scores[::2]) is None
    assert scene_change_on(idx * 2, scores) is None


def test_a_single_flash_frame_is_no_cut(real_trace, config):
    """One white frame (a camera flash, a glitch) changes the picture twice, there and back: not a new shot."""
    trace = real_trace(FIRST)
    images = frames(FIRST, trace, config)
    mid = len(images) // 2
    images[mid] = np.full_like(images[mid], 255)
    assert scene_cuts(observed(images), trace.times) == []
