import numpy as np
import pytest

from core.perception.pose import YoloPoseBackend
from core.perception.video import iter_frames
from tests.conftest import PT_WEIGHTS, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]


def test_pt_weights_find_the_lifter_on_a_real_frame():
    """The shipped .pt weights (the app's default format) on frame 58 of bichraix_good001,
    the frame PROVENANCE.md documents: the lifter is found at about the documented place."""
    backend = YoloPoseBackend(str(PT_WEIGHTS), imgsz=640)
    frame = next(f.image for f in iter_frames(clip_path("bichraix_good001")) if f.index == 58)
    people = backend.predict([frame])[0]
    assert len(people) >= 1
    best = int(np.argmax((people.boxes[:, 2] - people.boxes[:, 0]) * (people.boxes[:, 3] - people.boxes[:, 1])))
    kp = people.keypoints[best]
    assert kp.shape == (17, 3)
    # PROVENANCE.md: lifter box (514, 33, 749, 674), left hip at (632, 323)
    assert np.allclose(people.boxes[best], [514, 33, 749, 674], atol=25)
    assert np.hypot(kp[11, 0] - 632, kp[11, 1] - 323) < 15
    assert (kp[:, 2] > 0.5).sum() >= 12
