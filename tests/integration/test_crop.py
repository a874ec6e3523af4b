"""The crop around the lifter on a real clip with the real pose model."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]


def test_a_crop_that_loses_the_lifter_gives_that_frame_a_full_look(backend):
    """Where the crop around the lifter finds nobody (it lagged behind, or looks at the wrong place), the same frame
    is looked at whole: a lost crop costs one more pose run, never a sample of the lifter (bench/results)."""
    import cv2

    from core.perception.crop import LifterCrop, supports_window
    from tests.conftest import clip_path

    if not supports_window(backend):
        pytest.skip("backend without the window crop")
    cap = cv2.VideoCapture(str(clip_path("kantesh_deadlift_front")))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 30)
    ok, frame = cap.read()
    cap.release()
    assert ok
    crop = LifterCrop(backend, None, fps=30.0)
    full = crop.predict([frame])[0]
    assert len(full) and crop._region is not None
    box = full.boxes[0]
    h, w = frame.shape[:2]
    x0 = 0 if (box[0] + box[2]) / 2 > w / 2 else w - 96  # a 96-px corner on the other side: nobody there
    crop._region = (x0, 0, x0 + 96, 96)
    got = crop.predict([frame])[0]
    assert crop.redone == 1 and len(got) == len(full)
    assert np.allclose(got.keypoints, full.keypoints) and np.allclose(got.boxes, full.boxes)
