"""Gold-pose scoring (S3) on the real liftingpose gold annotations."""

from __future__ import annotations

import numpy as np
import pytest

from core.judgment.gold import CRITICAL_PAIRS, load_gold, pair_ratios, score_against_gold
from core.types import KeypointSeries, Rep
from tests.conftest import REAL

pytestmark = pytest.mark.needs_data

GOLD = str(REAL / "keypoints" / "liftingpose_gold")


@pytest.mark.parametrize(("lift", "n_photos", "views"), [
    pytest.param("deadlift", 5, {"front", "left"}, id="deadlift"),
    pytest.param("squat", 6, {"front"}, id="squat"),
    pytest.param("bench", 3, {"front", "left", "right"}, id="bench"),
])
def test_load_gold_reads_every_photo_and_its_view(lift, n_photos, views):
    golds = load_gold(GOLD, lift)
    assert len(golds) == n_photos
    assert {g.view for g in golds} == views
    assert all(g.keypoints.shape == (17, 3) and g.width > 0 and g.height > 0 for g in golds)


def test_unknown_lift_is_refused():
    with pytest.raises(ValueError, match="lift must be one of"):
        load_gold(GOLD, "clean")


def test_pair_ratio_matches_the_s3_formula():
    g = next(x for x in load_gold(GOLD, "deadlift") if x.photo == "37.jpg")
    k = g.keypoints
    expected = np.hypot((k[16, 0] - k[15, 0]) / g.width, (k[16, 1] - k[15, 1]) / g.height)
    frame_ratio, torso_ratio = pair_ratios(k, g.width, g.height, "deadlift")["left_ankle-right_ankle"]
    assert frame_ratio == pytest.approx(expected)
    assert 0 < torso_ratio < 3


def test_a_gold_pose_agrees_with_itself_in_its_own_view():
    """A clip whose key frames *are* a gold photo matches that view with no pair called bad."""
    g = next(x for x in load_gold(GOLD, "bench") if x.view == "front")
    xyc = np.repeat(g.keypoints[None].astype(np.float32), 5, axis=0)
    series = KeypointSeries(xyc, 30.0, g.width, g.height)
    result = score_against_gold("bench", series, [Rep(0, 0, 2, 4)], GOLD)
    assert "front" in result["matching_views"]
    assert result["views"]["front"]["error"] == pytest.approx(0.0, abs=1e-6)
    assert result["votes_needed"] == 2 and result["views_present"] == ["front", "left", "right"]
    assert set(result["views"]["front"]["pairs"]) == {"left_wrist-right_wrist", "wrist-elbow",
                                                      "left_elbow-right_elbow", "elbow-shoulder"}


def test_no_gold_dir_or_no_reps_gives_none():
    g = load_gold(GOLD, "squat")[0]
    series = KeypointSeries(g.keypoints[None].astype(np.float32), 30.0, g.width, g.height)
    assert score_against_gold("squat", series, [], GOLD) is None
    assert score_against_gold("squat", series, [Rep(0, 0, 0, 0)], None) is None
    assert len(CRITICAL_PAIRS["squat"]) == 4
