"""Crop geometry around the lifter and the decode-ahead thread: known answers on small inputs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.config import AnalysisConfig
from core.errors import UnreadableVideo
from core.perception.crop import MARGIN, crop_region, shift
from core.perception.prefetch import Prefetcher
from core.types import FramePeople


@pytest.mark.parametrize("box, size, expected", [
    pytest.param([100, 100, 200, 300], (1280, 720), (30, 30, 270, 370), id="margin-35%-of-long-side"),
    pytest.param([0, 0, 100, 700], (1280, 720), (0, 0, 345, 720), id="clipped-to-frame"),
    pytest.param([10, 10, 30, 40], (1280, 720), None, id="too-small"),
])
def test_crop_region(box, size, expected):
    assert AnalysisConfig().pose_crop_margin == MARGIN  # one definition
    assert crop_region(np.array(box, np.float32), *size, margin=0.35) == expected


def test_a_window_is_exactly_that_part_of_the_full_frame_input():
    """The crop (config.pose_crop) feeds the network the very pixels of a full-frame run, on the same 32-px grid, and
    maps keypoints back through the same letterbox: a point in the window lands where it would in the frame."""
    from core.perception.backends.onnx import decode, preprocess

    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (270, 480, 3), np.uint8) for _ in range(2)]
    full, scale, (left, top) = preprocess(frames, 480)
    win, scale_w, (left_w, top_w) = preprocess(frames, 480, window=(64, 32, 320, 288))
    assert full.shape[2:] == (288, 480) and win.shape[2:] == (256, 256) and scale_w == scale
    assert np.array_equal(win, full[:, :, 32:288, 64:320])
    row = np.zeros((56, 1), np.float32)
    row[:4, 0], row[4, 0] = [200 - 64, 150 - 32, 40, 80], 0.9  # a box centred at input px (200, 150)
    row[5::3, 0], row[6::3, 0], row[7::3, 0] = 200 - 64, 150 - 32, 0.9
    got = decode(row, scale_w, (left_w, top_w), 0.25)
    assert np.allclose(got.keypoints[0, :, :2], [(200 - left) / scale, (150 - top) / scale])
    with pytest.raises(ValueError, match="grid"):
        preprocess(frames, 480, window=(10, 0, 320, 288))


def test_shift_moves_boxes_and_keypoints_but_not_confidences():
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, :, 2] = 0.9
    moved = shift(FramePeople(np.array([[1, 2, 3, 4]], np.float32), np.array([0.8], np.float32), kp), 10, 20)
    assert moved.boxes.tolist() == [[11, 22, 13, 24]]
    assert np.all(moved.keypoints[0, :, :2] == [10, 20]) and np.all(moved.keypoints[0, :, 2] == np.float32(0.9))


def test_prefetcher_keeps_order_and_bounds_what_is_buffered():
    produced = []

    def source():
        for i in range(50):
            produced.append(i)
            yield i

    pf = Prefetcher(source(), depth=3)
    deadline = time.monotonic() + 10.0
    while not pf._queue.full():  # the decode thread runs ahead until its queue is full, then must wait
        assert time.monotonic() < deadline, "the decode thread never filled its queue"
        time.sleep(0.01)
    assert len(produced) <= 3 + 2  # queue depth + the item being put + the one being made
    assert list(pf) == list(range(50))


def test_prefetcher_reraises_decode_errors_in_the_consumer():
    def source():
        yield 1
        raise UnreadableVideo("This file is not a video FormLens can read")

    with pytest.raises(UnreadableVideo, match="not a video"):
        list(Prefetcher(source(), depth=2))


def test_prefetcher_stops_its_thread_when_the_consumer_stops_early():
    def endless():
        i = 0
        while True:
            i += 1
            yield i

    pf = Prefetcher(endless(), depth=2)
    it = iter(pf)
    assert next(it) == 1
    it.close()
    assert not any(t.name == "formlens-decode" and t.is_alive() for t in threading.enumerate())


def test_one_env_variable_turns_the_crop_on_and_off():
    """A deployment picks the crop around the lifter (faster, core.perception.crop) or the whole frame with
    FORMLENS_POSE_CROP."""
    assert AnalysisConfig.from_env({"FORMLENS_POSE_CROP": "1"}).pose_crop is True
    assert AnalysisConfig.from_env({"FORMLENS_POSE_CROP": "0"}).pose_crop is False


def test_one_env_variable_turns_the_still_skip_off():
    """Posing only every still_step_s while nobody moves is the default; FORMLENS_STILL_SKIP=0 poses every
    sample (core.perception.sampling)."""
    assert AnalysisConfig().still_skip is True
    assert AnalysisConfig.from_env({"FORMLENS_STILL_SKIP": "0"}).still_skip is False
    assert AnalysisConfig.from_env({"FORMLENS_STILL_SKIP": "1"}).still_skip is True
