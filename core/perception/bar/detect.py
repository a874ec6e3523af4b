"""Barbell detector: the YOLO11n detect export (models/barbell_yolo11n.onnx) run with onnxruntime directly.

Classes: 0 ``Bar`` (end of the bar sleeve), 1 ``Barbell`` (the near plate). The export returns
``[batch, 4 + 2, anchors]`` rows of (cx, cy, w, h, p_bar, p_plate) in input pixels (no NMS in the graph).
Trained and measured by scripts/train_barbell.py; numbers in models/MODEL_CARD.md.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from core.config import MODELS_DIR, AnalysisConfig
from core.errors import ModelUnavailable
from core.perception.backends.onnx import cpu_session_options, preprocess
from core.perception.bar.types import BarDetections

DEFAULT_WEIGHTS = MODELS_DIR / "barbell_yolo11n.onnx"
DETECT_IMGSZ = 320  # px, long side; used only when the weights carry no ``imgsz`` metadata (ultralytics' export does)
MIN_SCORE = 0.25  # class score below which a box is dropped (ultralytics' predict default)
NMS_IOU = 0.5  # same-class box overlap above which the weaker box is dropped
MAX_BOXES = 12  # per frame; a gym scene never shows more bar ends than that
THREADS = AnalysisConfig().bar_threads  # intra-op threads (unit, value and source there); 0 = onnxruntime's pool


class BarDetector:
    """Bar ends and plates in one BGR frame; one onnxruntime session per instance (thread-safe)."""

    def __init__(self, weights: str | Path = DEFAULT_WEIGHTS, imgsz: int | None = None,
                 min_score: float = MIN_SCORE, threads: int = THREADS) -> None:
        import onnxruntime as ort  # deferred: no model code at import time

        self.weights = Path(weights)
        if not self.weights.is_file():
            raise ModelUnavailable(f"The barbell detector weights are missing: {self.weights}")
        self.min_score = float(min_score)
        try:
            self._session = ort.InferenceSession(str(self.weights), cpu_session_options(threads),
                                                 providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime's own error types
            raise ModelUnavailable(f"onnxruntime could not load {self.weights}: {err}") from err
        self._input = self._session.get_inputs()[0].name
        self.imgsz = int(imgsz) if imgsz else trained_size(self._session)
        self._lock = threading.Lock()
        self.name = f"onnx:{self.weights.name}@{self.imgsz}"

    def detect(self, image: np.ndarray) -> BarDetections:
        """Boxes in ``image`` pixels (BGR uint8 (H, W, 3), as decoded by core.perception.video).

        Black pillar/letterbox bars are cut off first: a portrait phone clip inside a 1280x720 frame
        otherwise leaves the plate a third of the pixels, and the detector found it on 7 % of a
        pillarboxed reference clip's frames instead of 100 % (bench/results/bar_tracking_reference_boxes.json).
        """
        x0, y0, x1, y1 = content_box(image)
        tensor, scale, pad = preprocess([image[y0:y1, x0:x1]], self.imgsz)
        with self._lock:
            rows = self._session.run(None, {self._input: tensor})[0][0]
        dets = decode(rows, scale, pad, self.min_score)
        if (x0, y0) != (0, 0) and len(dets):
            dets = BarDetections(dets.boxes + np.array([x0, y0, x0, y0], np.float32), dets.scores, dets.classes)
        return dets


def trained_size(session) -> int:
    """The long side the weights were trained and exported at (ultralytics writes ``imgsz`` into the
    ONNX metadata, e.g. "[416, 416]"); :data:`DETECT_IMGSZ` for weights without it."""
    raw = session.get_modelmeta().custom_metadata_map.get("imgsz", "")
    sizes = [int(v) for v in raw.strip("[]() ").split(",") if v.strip().isdigit()]
    return max(sizes) if sizes else DETECT_IMGSZ


BORDER_LEVEL = 12.0  # mean 8-bit value below which an edge row/column counts as a black bar


def content_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the picture inside black pillar/letterbox bars (the whole image if none)."""
    h, w = image.shape[:2]
    small = image[::4, ::4]
    cols = np.flatnonzero(small.mean(axis=(0, 2)) > BORDER_LEVEL)
    rows = np.flatnonzero(small.mean(axis=(1, 2)) > BORDER_LEVEL)
    if cols.size < 8 or rows.size < 8:
        return 0, 0, w, h
    return (int(cols[0]) * 4, int(rows[0]) * 4, min(w, int(cols[-1]) * 4 + 4), min(h, int(rows[-1]) * 4 + 4))


def decode(rows: np.ndarray, scale: float, pad: tuple[int, int], min_score: float) -> BarDetections:
    """(4 + nc, anchors) -> boxes in original-image pixels after per-class NMS."""
    pred = rows.T
    cls_scores = pred[:, 4:]
    cls = np.argmax(cls_scores, axis=1)
    score = cls_scores[np.arange(len(cls)), cls]
    keep = score >= min_score
    if not keep.any():
        return BarDetections.empty()
    pred, cls, score = pred[keep], cls[keep], score[keep]
    xywh = np.stack([pred[:, 0] - pred[:, 2] / 2, pred[:, 1] - pred[:, 3] / 2, pred[:, 2], pred[:, 3]], axis=1)
    # class-aware NMS: offset boxes of different classes far apart
    offset = (cls[:, None] * 4096.0).astype(np.float32)
    shifted = xywh.copy()
    shifted[:, :2] += offset
    idx = cv2.dnn.NMSBoxes(shifted.tolist(), score.tolist(), min_score, NMS_IOU, top_k=MAX_BOXES)
    idx = np.asarray(idx, np.int64).reshape(-1)
    left, top = pad
    b = xywh[idx]
    boxes = np.stack([b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]], axis=1)
    boxes = (boxes - [left, top, left, top]) / scale
    return BarDetections(boxes.astype(np.float32), score[idx].astype(np.float32), cls[idx].astype(np.int64))


# -- plate centre and diameter from the plate's own rim --------------------------------------------
# The detector box is a loose prior: at pose resolution it takes in a hand or the far plate (side-view
# boxes up to ~1.3x the plate), and on red-rimmed plates it boxes the white ring inside the rim (~0.83x the
# rim; python -m bench.accuracy.bar_tracking, bench/results/bar_tracking_reference_boxes.json). A plate is a circle seen
# almost face-on from the side, so the rim is found by OpenCV's Hough transform in and around the box.
REFINE_PAD = 0.35  # search window: the box's longer side plus this share of it on each side
REFINE_R_MIN = 0.35  # circle radius range, as a share of the box's shorter / longer side
REFINE_R_MAX = 0.75
REFINE_CIRCULARITY = 0.7  # HOUGH_GRADIENT_ALT's param2: how round an edge contour must be (1 = perfect)
REFINE_DP = 1.0  # Hough accumulator pixel size, in image px (1.5 left the centre jumping ~2 px between detections)
REFINE_CANNY = 60  # HOUGH_GRADIENT_ALT's param1: upper Canny threshold on the blurred 8-bit grey
REFINE_CONCENTRIC = 0.15  # circles whose centres lie within this share of a diameter are one plate's rings
REFINE_SIZE_RANGE = (0.6, 1.6)  # accepted rim diameter as a multiple of the box's shorter side


def refine_plate(gray: np.ndarray, box: np.ndarray) -> tuple[float, float, float] | None:
    """(cx, cy, diameter) of the plate's outer rim near a plate box, in ``gray`` pixels; None if no round
    rim is found there (the caller keeps the box).

    The strongest circle is taken, then the largest circle concentric with it (a plate's outer rim,
    not the hub or an inner ring). The circle's centre must lie inside the box.
    """
    x1, y1, x2, y2 = (float(v) for v in box[:4])
    w, h = x2 - x1, y2 - y1
    short, long_ = min(w, h), max(w, h)
    if short < 12:
        return None
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    half = long_ / 2 + REFINE_PAD * long_
    X0, Y0 = int(max(0, cx - half)), int(max(0, cy - half))
    X1, Y1 = int(min(gray.shape[1], cx + half)), int(min(gray.shape[0], cy + half))
    roi = cv2.GaussianBlur(gray[Y0:Y1, X0:X1], (5, 5), 1.5)
    r_min, r_max = int(REFINE_R_MIN * short), int(REFINE_R_MAX * long_)
    circles = cv2.HoughCircles(roi, cv2.HOUGH_GRADIENT_ALT, REFINE_DP, max(4, r_min), param1=REFINE_CANNY,
                               param2=REFINE_CIRCULARITY, minRadius=r_min, maxRadius=r_max)
    if circles is None:
        return None
    c = circles[0].astype(np.float64)
    c[:, 0] += X0
    c[:, 1] += Y0
    inside = (c[:, 0] >= x1) & (c[:, 0] <= x2) & (c[:, 1] >= y1) & (c[:, 1] <= y2)
    if not inside.any():
        return None
    top = c[np.flatnonzero(inside)[0]]
    rings = c[np.hypot(c[:, 0] - top[0], c[:, 1] - top[1]) <= REFINE_CONCENTRIC * 2 * top[2]]
    best = rings[np.argmax(rings[:, 2])]
    d = 2 * float(best[2])
    if not REFINE_SIZE_RANGE[0] * short <= d <= REFINE_SIZE_RANGE[1] * short:
        return None
    return float(best[0]), float(best[1]), d
