"""Crop geometry around the lifter and the decode-ahead thread: known answers on small inputs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.crop import MARGIN, crop_region, shift
from core.errors import UnreadableVideo
from core.prefetch import Prefetcher
from core.types import FramePeople


@pytest.mark.parametrize("box, size, expected", [
    pytest.param([100, 100, 200, 300], (1280, 720), (30, 30, 270, 370), id="margin-35%-of-long-side"),
    pytest.param([0, 0, 100, 700], (1280, 720), (0, 0, 345, 720), id="clipped-to-frame"),
    pytest.param([10, 10, 30, 40], (1280, 720), None, id="too-small"),
])
def test_crop_region(box, size, expected):
    assert MARGIN == 0.35
    assert crop_region(np.array(box, np.float32), *size) == expected


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
    time.sleep(0.2)
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
