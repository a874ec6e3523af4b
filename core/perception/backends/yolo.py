"""YOLO-pose through ultralytics (``.pt``, or ``.onnx`` through ultralytics' ONNX path).

Also where the weights are resolved: :func:`auto_backend` prefers running the
same weights' ONNX export directly (core.perception.backends.onnx), ~2x faster on a CPU.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.config import AnalysisConfig
from core.errors import ModelUnavailable
from core.types import FramePeople

logger = logging.getLogger(__name__)


class YoloPoseBackend:
    """ultralytics YOLO-pose; ultralytics predictors are not thread-safe, so ``predict`` takes a lock."""

    def __init__(self, weights: str = "yolo11n-pose.pt", imgsz: int = 640, min_conf: float = 0.25,
                 device: str = "cpu") -> None:
        self.weights = str(weights)
        self.imgsz = int(imgsz)
        self.min_conf = float(min_conf)
        self.device = device
        self._lock = threading.Lock()
        self._model = self._load()
        self.name = f"yolo:{Path(self.weights).name}@{self.imgsz}"

    def _load(self):
        from ultralytics import YOLO  # heavy import deferred until a backend is built

        path = Path(self.weights)
        if path.suffix and not path.exists() and (path.is_absolute() or len(path.parts) > 1):
            raise ModelUnavailable(f"Pose weights not found at {self.weights}. Set FORMLENS_POSE_WEIGHTS "
                                   "to a yolo*-pose .pt or .onnx file.")
        try:
            model = YOLO(self.weights, task="pose")
        except Exception as err:  # ultralytics raises many types (download, unpickling, onnx)
            logger.warning("pose weights %s did not load: %s", self.weights, err)
            raise ModelUnavailable(
                f"Could not load the pose weights {Path(self.weights).name!r}. FormLens ships its own "
                "(models/yolo11n-pose.onnx): unset FORMLENS_POSE_WEIGHTS to use them, or point it at a local "
                "yolo*-pose .pt or .onnx file.") from err
        if getattr(model, "task", "pose") != "pose":
            raise ModelUnavailable(f"{self.weights} is a {model.task} model, not a pose model.")
        return model

    def predict(self, frames: Sequence[np.ndarray], imgsz: int | None = None) -> list[FramePeople]:
        if not frames:
            return []
        with self._lock:
            results = self._model.predict(list(frames), imgsz=int(imgsz or self.imgsz), conf=self.min_conf,
                                          device=self.device, verbose=False)
        return [_to_people(r) for r in results]


def from_config(config: AnalysisConfig) -> YoloPoseBackend:
    return YoloPoseBackend(config.pose_weights, imgsz=config.pose_imgsz, min_conf=config.pose_min_person_conf,
                           device=config.pose_device)


def _to_people(result) -> FramePeople:
    if result.boxes is None or len(result.boxes) == 0 or result.keypoints is None:
        return FramePeople.empty()
    boxes = result.boxes.xyxy.cpu().numpy().astype(np.float32)
    scores = result.boxes.conf.cpu().numpy().astype(np.float32)
    kp = result.keypoints.data.cpu().numpy().astype(np.float32)
    if kp.shape[-1] == 2:  # some exports drop confidences
        kp = np.concatenate([kp, np.ones(kp.shape[:-1] + (1,), np.float32)], axis=-1)
    return FramePeople(boxes=boxes, scores=scores, keypoints=kp)


def onnx_weights_for(weights: str) -> str:
    """The ``.onnx`` file to run directly: the weights themselves, or a ``.onnx`` sibling of a ``.pt``."""
    path = Path(weights)
    if path.suffix == ".pt" and path.with_suffix(".onnx").is_file():
        return str(path.with_suffix(".onnx"))
    return weights


def export_onnx(weights: str) -> str:
    """An ONNX export of YOLO-pose ``.pt`` weights, made once next to them; returns its path.

    ultralytics downloads an asset name such as ``yolo11n-pose.pt`` on first use when online. The
    export (dynamic input size, ~3 s on a CPU) is written to a temporary folder and moved into place
    atomically, so processes exporting at once never see a half-written file.
    """
    import os
    import shutil
    import tempfile

    from ultralytics import YOLO

    pt = Path(YOLO(weights).ckpt_path or weights)
    target = pt.with_suffix(".onnx")
    if target.is_file():
        return str(target)
    with tempfile.TemporaryDirectory(prefix="formlens_export_", dir=pt.parent) as tmp:
        copy = Path(tmp) / pt.name
        shutil.copy(pt, copy)
        made = YOLO(str(copy)).export(format="onnx", dynamic=True, simplify=False, imgsz=640, verbose=False)
        os.replace(made, target)
    return str(target)


def auto_backend(weights: str) -> tuple[str, str]:
    """("onnx", path) when the weights are, have or can get an ONNX export; else ("yolo", weights).

    Why: the same YOLO11n-pose runs ~2x faster through onnxruntime directly than through ultralytics on
    a CPU (bench/speed/throughput.py), with keypoints equal to 1e-4 px on an export of the same weights.
    """
    path = Path(weights)
    if path.suffix == ".onnx":
        return ("onnx" if path.is_file() else "yolo"), weights
    sibling = onnx_weights_for(weights)
    if sibling.endswith(".onnx"):
        return "onnx", sibling
    try:
        return "onnx", export_onnx(weights)
    except Exception as err:  # no write access, no exporter, no network for the download: stay on ultralytics
        logger.warning("pose: no ONNX export of %s (%s); running it through ultralytics", weights, err)
        return "yolo", weights
