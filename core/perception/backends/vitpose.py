"""ViTPose (transformers ``VitPoseForPoseEstimation``), top-down on YOLO person boxes.

Why a second family: ViTPose is the accuracy-oriented choice of the published
lift scorer (S3), and it is top-down, so it sees each person at a fixed
256x192 crop regardless of how small they are in frame. It is slower than
YOLO-pose on a CPU; it is offered as a selectable backend, not the default.

Weights come from a local folder (``config.vitpose_weights``, env
``FORMLENS_VITPOSE_WEIGHTS``) saved by ``save_pretrained``: ``config.json``,
``model.safetensors`` and, optionally, ``preprocessor_config.json``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.config import AnalysisConfig
from core.errors import ModelUnavailable
from core.perception.backends.base import PoseBackend
from core.skeleton import N_KEYPOINTS
from core.types import FramePeople

logger = logging.getLogger(__name__)

MAX_PEOPLE = 3  # largest boxes given to ViTPose per frame; the lifter is among the largest (core.perception.tracking)


def largest_boxes(people: FramePeople, limit: int = MAX_PEOPLE) -> np.ndarray:
    """Indices of the ``limit`` largest person boxes (by area, px^2), largest first."""
    if len(people) == 0:
        return np.zeros(0, np.int64)
    b = people.boxes
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return np.argsort(-area)[:limit]


class VitPoseBackend:
    """Person boxes from a YOLO detector, 17 COCO keypoints per box from ViTPose."""

    def __init__(self, weights_dir: str | None, detector: PoseBackend, max_people: int = MAX_PEOPLE,
                 device: str = "cpu") -> None:
        if not weights_dir or not Path(weights_dir).is_dir():
            raise ModelUnavailable(
                f"ViTPose needs a local weights folder; {weights_dir!r} is not one. Download e.g. "
                "usyd-community/vitpose-base-simple and set FORMLENS_VITPOSE_WEIGHTS to its folder.")
        self.weights_dir = str(weights_dir)
        self.detector = detector
        self.max_people = int(max_people)
        self.device = device
        self._model, self._processor = self._load()
        self._lock = threading.Lock()
        self.name = f"vitpose:{Path(self.weights_dir).name}+{getattr(detector, 'name', 'detector')}"

    def _load(self):
        import torch  # deferred: heavy
        from transformers import VitPoseForPoseEstimation, VitPoseImageProcessor

        try:
            model = VitPoseForPoseEstimation.from_pretrained(self.weights_dir).eval().to(self.device)
        except (OSError, ValueError) as err:
            raise ModelUnavailable(f"Could not load ViTPose weights from {self.weights_dir}: {err}") from err
        if model.config.num_labels != N_KEYPOINTS:
            raise ModelUnavailable(f"{self.weights_dir} predicts {model.config.num_labels} keypoints; "
                                   "FormLens needs the 17 COCO keypoints.")
        has_processor = (Path(self.weights_dir) / "preprocessor_config.json").is_file()
        processor = (VitPoseImageProcessor.from_pretrained(self.weights_dir) if has_processor
                     else VitPoseImageProcessor())  # the published checkpoints' defaults (256x192, ImageNet norm)
        self._torch = torch
        return model, processor

    @property
    def imgsz(self) -> int:
        """The detector's input size (ViTPose itself always sees 256x192 person crops)."""
        return self.detector.imgsz

    def predict(self, frames: Sequence[np.ndarray], imgsz: int | None = None) -> list[FramePeople]:
        """Detect people (``imgsz``: the detector's input size), then run ViTPose on the largest boxes of
        every frame in one batch."""
        if not frames:
            return []
        detections = self.detector.predict(frames, imgsz=imgsz)
        chosen = [largest_boxes(p, self.max_people) for p in detections]
        if not any(len(c) for c in chosen):
            return [FramePeople.empty() for _ in frames]
        keypoints = self._keypoints(frames, detections, chosen)
        out = []
        for people, idx, kp in zip(detections, chosen, keypoints, strict=True):
            if len(idx) == 0:
                out.append(FramePeople.empty())
                continue
            out.append(FramePeople(people.boxes[idx], people.scores[idx], kp))
        return out

    def _keypoints(self, frames, detections, chosen) -> list[np.ndarray]:
        """(n_i, 17, 3) keypoints per frame in frame pixels; confidences are heatmap peaks clipped to [0, 1]."""
        images, coco_boxes = [], []
        for frame, people, idx in zip(frames, detections, chosen, strict=True):
            if len(idx) == 0:
                continue
            b = people.boxes[idx]
            images.append(np.ascontiguousarray(frame[..., ::-1]))  # BGR -> RGB
            coco_boxes.append(np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1))
        inputs = self._processor(images, boxes=coco_boxes, return_tensors="pt").to(self.device)
        with self._lock, self._torch.inference_mode():
            outputs = self._model(**inputs)
        results = self._processor.post_process_pose_estimation(outputs, boxes=coco_boxes)
        per_image = iter(results)
        keypoints = []
        for idx in chosen:
            if len(idx) == 0:
                keypoints.append(np.zeros((0, N_KEYPOINTS, 3), np.float32))
                continue
            persons = next(per_image)
            kp = np.zeros((len(persons), N_KEYPOINTS, 3), np.float32)
            for j, person in enumerate(persons):
                kp[j, :, :2] = person["keypoints"].numpy()
                kp[j, :, 2] = np.clip(person["scores"].numpy(), 0.0, 1.0)
            keypoints.append(kp)
        return keypoints


def from_config(config: AnalysisConfig, detector: PoseBackend) -> VitPoseBackend:
    return VitPoseBackend(config.vitpose_weights, detector, device=config.pose_device)
