"""The app's default pose weights ship in models/, intact, and are what a default config loads (no download)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.config import DEFAULT_POSE_WEIGHTS, MODELS_DIR, AnalysisConfig


def test_the_default_pose_weights_ship_with_the_app_and_match_their_checksum():
    sums = (MODELS_DIR / "SHA256SUMS").read_text().split("\n")
    rows = [line.split() for line in sums if line.strip()]
    assert rows, "models/SHA256SUMS lists no file"
    for digest, name in rows:
        path = MODELS_DIR.parent / name
        assert path.is_file(), f"{name} is listed in models/SHA256SUMS but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{name} does not match its checksum"
    assert Path(DEFAULT_POSE_WEIGHTS).resolve() in {(MODELS_DIR.parent / n).resolve() for _, n in rows}


def test_a_default_config_points_at_the_shipped_file_not_a_download_name():
    weights = Path(AnalysisConfig().pose_weights)
    assert weights.is_absolute() and weights.is_file()
    assert weights.parent == MODELS_DIR
