"""Loaders for public keypoint datasets, all returned in COCO-17 pixel order.

Formats (see ../shared/data/real/README.md): Deadlift-ESAP OpenPose-18 JSON (S1),
BichraiX per-frame COCO-17 CSVs, MediaPipe-33 up/down rows, and the seed (S0) dataset's
one-``.npy``-per-rep MoveNet files. Each clip carries a ``group`` so that splits can be
made by video or lifter, never by frame.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.types import KeypointSeries

# COCO index k takes OpenPose-18 index OPENPOSE18_TO_COCO17[k] (data README).
OPENPOSE18_TO_COCO17 = (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10)
# COCO index k takes MediaPipe-33 landmark MEDIAPIPE33_TO_COCO17[k] (MediaPipe Pose landmark map).
MEDIAPIPE33_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
ESAP_FPS = 6.0  # Hz; the source processed every 5th frame of ~30 fps video (data README)
SEED_FRAME = (480, 270)  # px (width, height) of the seed (S0) clips, to undo MoveNet's [0, 1] scaling
SEED_NAME = re.compile(r"^(Conv|R|S)_(corr|rb|oe|ehe)_(\d+)(_flipped)?$")
SEED_STYLES = {"Conv": "conventional", "R": "romanian", "S": "sumo"}
# Lifters shared across BichraiX clips (data README, "Grouping matters").
BICHRAIX_LIFTERS = ({"bad007", "bad008", "bad009", "bad018", "good014", "good015", "good020"},
                    {"good001", "good002", "good003"},
                    {"bad003", "good005", "good006", "good007", "good008", "good009", "good010",
                     "good011", "good012", "good013"})


@dataclass(frozen=True)
class KeypointClip:
    """One labelled video's keypoints. ``group`` is the unit of splitting (video or lifter)."""

    name: str
    series: KeypointSeries
    label: str  # "good"/"bad" (ESAP, BichraiX) or "<style>/<form>" (seed .npy)
    group: str
    source: str
    view: str = ""


def _series(xy: np.ndarray, fps: float) -> KeypointSeries:
    """(T, 17, 2) px with NaN = missing -> KeypointSeries with conf 1 where seen, 0 where not."""
    seen = np.isfinite(xy).all(-1)
    xyc = np.concatenate([xy, seen[..., None].astype(np.float64)], -1).astype(np.float32)
    w = int(np.nanmax(xy[..., 0])) + 1 if seen.any() else 1
    h = int(np.nanmax(xy[..., 1])) + 1 if seen.any() else 1
    return KeypointSeries(xyc, fps, max(w, 1), max(h, 1))


def _esap_frame(frame: list) -> np.ndarray:
    pts = np.full((18, 2), np.nan)
    for i, p in enumerate(frame[:18]):
        if p is not None and len(p) == 2 and min(p) >= 0:  # [-1, -1] is S1's placeholder
            pts[i] = p
    return pts[list(OPENPOSE18_TO_COCO17)]


def load_esap(root: Path) -> list[KeypointClip]:
    """Deadlift-ESAP JSON files, deduplicated by content (the README lists 6 byte-identical copies).

    Label: the folder ``good_*``/``bad_*``; in ``test/`` the file name (Bad* = bad).
    """
    clips, seen_hashes = [], set()
    for path in sorted(Path(root).rglob("*.json"), key=lambda p: (p.parent.name == "test", str(p))):
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest in seen_hashes:
            continue
        seen_hashes.add(digest)
        folder = path.parent.name
        label = ("bad" if path.stem.lower().startswith("bad") else "good") if folder == "test" else folder.split("_")[0]
        view = folder.split("_")[1] if "_" in folder else "unknown"
        xy = np.stack([_esap_frame(f) for f in json.loads(raw)]) if raw.strip() != b"[]" else np.zeros((0, 17, 2))
        if len(xy) == 0:
            continue
        clips.append(KeypointClip(f"{folder}/{path.stem}", _series(xy, ESAP_FPS), label,
                                  group=f"esap:{path.stem}", source="esap", view=view))
    return clips


def bichraix_group(clip: str) -> str:
    """The BichraiX clip's lifter group (``bichraix:lifterN``), else the clip itself (a lifter of its own)."""
    for i, lifter in enumerate(BICHRAIX_LIFTERS):
        if clip in lifter:
            return f"bichraix:lifter{i}"
    return f"bichraix:{clip}"


def load_bichraix(root: Path, fps: float = 30.0) -> list[KeypointClip]:
    """BichraiX ``<clip>_joints.csv`` files (one row per video frame, empty cell = missing)."""
    clips = []
    for path in sorted(Path(root).glob("*_joints.csv")):
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        cols = [header.index(c) for c in header[1:]]
        vals = np.array([[float(r[c]) if c < len(r) and r[c] != "" else np.nan for c in cols] for r in body])
        clip = path.name.removesuffix("_joints.csv")
        clips.append(KeypointClip(clip, _series(vals.reshape(len(body), 17, 2), fps),
                                  "bad" if clip.startswith("bad") else "good", bichraix_group(clip), "bichraix"))
    return clips


def load_mediapipe_updown(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe-33 frames -> (N, 17, 3) COCO-17 in [0, 1] image units with seen flag, labels, source.

    Rows have no time order, so these are single postures (top "up" / bottom "down").
    """
    poses, labels, sources = [], [], []
    with open(Path(root) / "erictom97_annotation_data.csv", newline="") as fh:
        for row in list(csv.reader(fh))[1:]:
            v = np.array(row[1:], float).reshape(33, 4)
            poses.append(v[list(MEDIAPIPE33_TO_COCO17), :2])
            labels.append(row[0])
            sources.append("erictom97")
    for label in ("up", "down"):
        with open(Path(root) / f"mattiolato_deadlift_{label}.csv", newline="") as fh:
            for row in csv.reader(fh):
                v = np.array(row[1:], float).reshape(33, 3)
                poses.append(v[list(MEDIAPIPE33_TO_COCO17), :2])
                labels.append(label)
                sources.append("mattiolato")
    xy = np.stack(poses)
    keypoints = np.concatenate([xy, np.ones(xy.shape[:2] + (1,))], -1).astype(np.float32)
    return keypoints, np.array(labels), np.array(sources)


def parse_seed_name(name: str) -> tuple[str, str, bool]:
    """``Conv_corr_12`` -> ("conventional", "corr", False). Raises ValueError on other names."""
    m = SEED_NAME.match(Path(name).stem)
    if not m:
        raise ValueError(f"{name!r} is not a seed file name like Conv_corr_12.npy, R_oe_3_flipped.npy, S_ehe_40.npy")
    return SEED_STYLES[m.group(1)], m.group(2), m.group(4) is not None


def load_seed_npy(path: Path, fps: float = 30.0) -> KeypointClip:
    """One seed (S0) rep: (frames, 17, 3) MoveNet (y, x, score) in [0, 1] -> pixels of a 480x270 frame."""
    style, form, flipped = parse_seed_name(Path(path).name)
    a = np.load(path)
    if a.ndim != 3 or a.shape[1:] != (17, 3):
        raise ValueError(f"{path}: expected shape (frames, 17, 3), got {a.shape}")
    w, h = SEED_FRAME
    xyc = np.stack([a[..., 1] * w, a[..., 0] * h, a[..., 2]], -1).astype(np.float32)
    stem = Path(path).stem.removesuffix("_flipped")  # a flipped copy belongs with its original
    return KeypointClip(Path(path).stem, KeypointSeries(xyc, fps, w, h), f"{style}/{form}",
                        group=f"seed:{stem}", source="seed", view="side")


def load_seed_dir(root: Path) -> list[KeypointClip]:
    """Every seed-named ``.npy`` under ``root`` (other files are skipped)."""
    return [load_seed_npy(p) for p in sorted(Path(root).rglob("*.npy")) if SEED_NAME.match(p.stem)]
