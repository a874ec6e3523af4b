"""Loaders on the real public keypoint files, and the seed .npy format on files written here."""

from __future__ import annotations

import numpy as np
import pytest

from core.judgment.learned.datasets import (
    load_bichraix,
    load_esap,
    load_mediapipe_updown,
    load_seed_dir,
    parse_seed_name,
)
from tests.conftest import REAL

pytestmark = pytest.mark.needs_data

KEYPOINTS = REAL / "keypoints"


def test_esap_is_deduplicated_and_labelled():
    clips = load_esap(KEYPOINTS / "deadlift_esap_openpose18")
    assert len(clips) == 60  # 66 files minus 6 byte-identical copies (data README)
    assert sum(c.label == "bad" for c in clips) == 18  # 16 bad_* files + test/Bad25, Bad27
    assert len({c.group for c in clips}) == len(clips)
    xyc = clips[0].series.xyc
    assert xyc.shape[1:] == (17, 3) and np.nanmax(xyc[..., 0]) > 100  # pixels, not [0, 1]
    missing = np.isnan(np.concatenate([c.series.xyc[..., 0].ravel() for c in clips])).mean()
    assert 0.05 < missing < 0.35  # README: ~10 % null entries, plus the eyes/ears OpenPose often misses


def test_bichraix_rows_and_lifter_groups():
    clips = load_bichraix(KEYPOINTS / "bichraix_coco17")
    assert len(clips) == 24
    by_name = {c.name: c for c in clips}
    assert by_name["bad007"].group == by_name["good014"].group  # one lifter (data README)
    rows = (KEYPOINTS / "bichraix_coco17" / "bad003_joints.csv").read_text().strip().count("\n")
    assert by_name["bad003"].series.n_frames == rows  # one row per video frame


def test_mediapipe_updown_maps_to_coco17():
    x, labels, sources = load_mediapipe_updown(KEYPOINTS / "mediapipe33_updown")
    assert x.shape == (1150, 17, 3) and set(labels) == {"up", "down"}
    up, down = x[labels == "up"], x[labels == "down"]
    # image y grows downward: the shoulders are higher (smaller y) standing "up" than bent "down"
    assert np.median(up[:, 5, 1]) < np.median(down[:, 5, 1])


def test_seed_npy_loader(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("Conv_corr_12", "R_oe_3_flipped", "S_ehe_40"):
        a = rng.uniform(0, 1, (90, 17, 3)).astype(np.float32)  # (y, x, score) in [0, 1]
        np.save(tmp_path / f"{name}.npy", a)
    (tmp_path / "notes.npy").write_bytes(b"")  # not a seed name: skipped
    clips = {c.name: c for c in load_seed_dir(tmp_path)}
    assert set(clips) == {"Conv_corr_12", "R_oe_3_flipped", "S_ehe_40"}
    assert clips["R_oe_3_flipped"].label == "romanian/oe" and clips["S_ehe_40"].label == "sumo/ehe"
    raw = np.load(tmp_path / "Conv_corr_12.npy")
    xyc = clips["Conv_corr_12"].series.xyc
    assert np.allclose(xyc[..., 0], raw[..., 1] * 480) and np.allclose(xyc[..., 1], raw[..., 0] * 270)
    assert parse_seed_name("R_oe_3_flipped.npy") == ("romanian", "oe", True)
    with pytest.raises(ValueError, match="not a seed file name"):
        parse_seed_name("Deadlift_good_1.npy")
