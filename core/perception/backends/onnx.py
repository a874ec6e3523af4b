"""YOLO-pose ``.onnx`` run directly with onnxruntime (no torch, no ultralytics predictor).

Why: the ultralytics predictor adds per-call overhead (pre/post-processing in
torch) that costs as much as the network itself at small input sizes on a
2-core CPU. The exported graph takes dynamic ``[batch, 3, H, W]`` input and
returns ``[batch, 56, anchors]`` rows of (cx, cy, w, h, person score,
17 x (x, y, visibility)) in input pixels, with the keypoint visibility
already passed through a sigmoid by the export.
"""

from __future__ import annotations

import logging
import os
import queue
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from core.config import AnalysisConfig
from core.errors import ModelUnavailable
from core.skeleton import N_KEYPOINTS
from core.types import FramePeople

logger = logging.getLogger(__name__)

STRIDE = 32  # px; YOLO's largest feature stride, input sides must be multiples of it
PAD_VALUE = 114  # grey used by ultralytics' LetterBox, so results match the .pt backend
NMS_IOU = 0.7  # box IoU above which the lower-scored person is dropped; ultralytics default
MAX_PEOPLE = 30  # people kept per frame after NMS; a gym clip never needs more
SPIN = False  # onnxruntime's pool threads busy-wait between ops by default; on a shared 2-core machine the
# spinning threads starve each other, 2.5-5x slower per frame (docs/performance.md, "What makes it fast")
MAX_SESSIONS = 4  # CPU: frames run on up to this many one-model sessions at once, the cores split between them.
# yolo11n-pose is too small for onnxruntime's intra-op threads to pay: two 1-thread sessions are 1.13-1.40x faster
# than one 2-thread session, outputs within 1e-4 px (bench/results/pose_model_copies.md; docs/performance.md)


def cpu_session_options(threads: int = 0):
    """onnxruntime options for a CPU session, shared by every model FormLens runs: ``threads`` intra-op threads
    (0 = onnxruntime's own pool), one inter-op thread (the graphs are chains: parallel branches gain nothing), and
    no busy-waiting between ops unless SPIN."""
    import onnxruntime as ort  # deferred: no model code at import time

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    if not SPIN:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def letterbox_shape(height: int, width: int, imgsz: int) -> tuple[float, int, int]:
    """Scale and padded (H, W) that fit the long side into ``imgsz``, rounded up to STRIDE.

    Rectangular (minimal) padding, like ultralytics' ``auto`` letterbox: a 16:9
    frame at 480 becomes 480x288 instead of 480x480, 40 % fewer pixels.
    """
    scale = min(imgsz / height, imgsz / width)
    new_h, new_w = round(height * scale), round(width * scale)
    pad_h = int(np.ceil(new_h / STRIDE) * STRIDE)
    pad_w = int(np.ceil(new_w / STRIDE) * STRIDE)
    return scale, pad_h, pad_w


def preprocess(frames: Sequence[np.ndarray], imgsz: int, window: tuple[int, int, int, int] | None = None
               ) -> tuple[np.ndarray, float, tuple[int, int]]:
    """BGR uint8 frames of one size -> (B, 3, H, W) float32 RGB in [0, 1], the scale and (left, top) pad.

    ``window`` (x0, y0, x1, y1), in letterboxed input px and multiples of STRIDE, keeps only that part of
    the full-frame input (a crop around the lifter, core.perception.crop): the network then sees exactly the pixels,
    on exactly the stride grid, that a full-frame run sees there, so keypoints keep the full-frame answer
    instead of shifting with a crop's own resampling phase and letterbox offset."""
    h, w = frames[0].shape[:2]
    scale, pad_h, pad_w = letterbox_shape(h, w, imgsz)
    new_h, new_w = round(h * scale), round(w * scale)
    top, left = (pad_h - new_h) // 2, (pad_w - new_w) // 2
    batch = np.full((len(frames), pad_h, pad_w, 3), PAD_VALUE, np.uint8)
    for i, frame in enumerate(frames):
        if frame.shape[:2] != (h, w):
            raise ValueError(f"frames in one batch must share a size: {frame.shape[:2]} != {(h, w)}")
        resized = frame if (new_h, new_w) == (h, w) else cv2.resize(frame, (new_w, new_h),
                                                                    interpolation=cv2.INTER_LINEAR)
        batch[i, top:top + new_h, left:left + new_w] = resized
    if window is not None:
        x0, y0, x1, y1 = window
        if any(v % STRIDE for v in window) or not (0 <= x0 < x1 <= pad_w and 0 <= y0 < y1 <= pad_h):
            raise ValueError(f"window {window} must lie on the {STRIDE}-px grid inside {pad_w}x{pad_h}")
        batch = batch[:, y0:y1, x0:x1]
        left, top = left - x0, top - y0
    tensor = batch[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return np.ascontiguousarray(tensor), scale, (left, top)


def decode(rows: np.ndarray, scale: float, pad: tuple[int, int], min_conf: float) -> FramePeople:
    """One image's (56, anchors) output -> people in original-frame pixels, after NMS."""
    pred = rows.T  # (anchors, 56)
    pred = pred[pred[:, 4] >= min_conf]
    if pred.shape[0] == 0:
        return FramePeople.empty()
    cx, cy, bw, bh = pred[:, 0], pred[:, 1], pred[:, 2], pred[:, 3]
    xywh = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1)
    keep = cv2.dnn.NMSBoxes(xywh.tolist(), pred[:, 4].tolist(), min_conf, NMS_IOU, top_k=MAX_PEOPLE)
    keep = np.asarray(keep, dtype=np.int64).reshape(-1)
    pred = pred[keep]
    left, top = pad
    boxes = np.stack([pred[:, 0] - pred[:, 2] / 2, pred[:, 1] - pred[:, 3] / 2,
                      pred[:, 0] + pred[:, 2] / 2, pred[:, 1] + pred[:, 3] / 2], axis=1)
    boxes = (boxes - [left, top, left, top]) / scale
    kp = pred[:, 5:].reshape(-1, N_KEYPOINTS, 3).copy()
    kp[..., 0] = (kp[..., 0] - left) / scale
    kp[..., 1] = (kp[..., 1] - top) / scale
    return FramePeople(boxes.astype(np.float32), pred[:, 4].astype(np.float32), kp.astype(np.float32))


class OnnxPoseBackend:
    """YOLO-pose on onnxruntime; on CPU a batch of frames is split across ``sessions`` model copies that run
    at once (one per core, up to MAX_SESSIONS), shared by every caller (a call waits for a free copy)."""

    def __init__(self, weights: str, imgsz: int = 640, min_conf: float = 0.25, threads: int = 0,
                 device: str = "cpu", sessions: int = 0) -> None:
        self.weights = str(weights)
        self.device = device
        self.imgsz = int(imgsz)
        self.min_conf = float(min_conf)
        self.threads = int(threads) or (os.cpu_count() or 1)
        if device.startswith("cuda"):
            self.sessions = 1  # one GPU: batches, not sessions, fill it
        else:
            self.sessions = max(1, min(int(sessions) or MAX_SESSIONS, self.threads))
        per_session = max(1, self.threads // self.sessions)
        first = self._load(per_session)  # checks the file and its output shape once
        self._input = first.get_inputs()[0].name
        self._free: queue.SimpleQueue = queue.SimpleQueue()  # idle sessions; a call waits for one (any user)
        self._free.put(first)
        for _ in range(self.sessions - 1):
            self._free.put(self._load(per_session))
        self._pool = ThreadPoolExecutor(self.sessions, thread_name_prefix="pose") if self.sessions > 1 else None
        self.name = f"onnx:{Path(self.weights).name}@{self.imgsz}"

    def _load(self, threads: int):
        import onnxruntime as ort  # deferred: no model code at import time

        if Path(self.weights).suffix != ".onnx" or not Path(self.weights).is_file():
            raise ModelUnavailable(f"The onnx backend needs a local yolo*-pose .onnx file; {self.weights!r} "
                                   "is not one. Set FORMLENS_POSE_WEIGHTS to e.g. yolo11n-pose.onnx.")
        opts = cpu_session_options(threads)  # this session's share of the cores; batch workers pass 1 in all
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(self.weights, opts, providers=self._providers(ort))
        except Exception as err:  # onnxruntime raises its own Fail/InvalidGraph types
            raise ModelUnavailable(f"onnxruntime could not load {self.weights}: {err}") from err
        shape = list(session.get_outputs()[0].shape)
        if len(shape) == 3 and not isinstance(shape[1], int):  # a symbolic dim (newer ultralytics exports): ask
            probe = np.zeros((1, 3, 64, 64), np.float32)
            shape[1] = session.run(None, {session.get_inputs()[0].name: probe})[0].shape[1]
        if len(shape) != 3 or shape[1] != 56:
            raise ModelUnavailable(f"{Path(self.weights).name} is not a 17-keypoint YOLO-pose export "
                                   f"(output shape {shape}, expected [batch, 56, anchors]).")
        return session

    def _providers(self, ort) -> list[str]:
        """CUDA first when asked for and present (a GPU benchmark machine), else the CPU provider."""
        if self.device.startswith("cuda"):
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise ModelUnavailable("pose_device is cuda but this onnxruntime has no CUDA provider; "
                                       "install onnxruntime-gpu or use pose_device=cpu.")
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        return ["CPUExecutionProvider"]

    def predict(self, frames: Sequence[np.ndarray], imgsz: int | None = None,
                window: tuple[int, int, int, int] | None = None) -> list[FramePeople]:
        """People per frame; frames of different sizes are run as separate batches.

        ``imgsz`` overrides the input size for this call (zoomed crops, core.perception.crop); ``window`` runs the
        network on that STRIDE-aligned part of the full-frame input only (see :func:`preprocess`).
        """
        if not frames:
            return []
        imgsz = int(imgsz or self.imgsz)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, f in enumerate(frames):
            groups.setdefault(f.shape[:2], []).append(i)
        jobs = [chunk for idx in groups.values() for chunk in _split(idx, self.sessions)]

        def run(chunk: list[int]) -> list[tuple[int, FramePeople]]:
            tensor, scale, pad = preprocess([frames[i] for i in chunk], imgsz, window)
            session = self._free.get()
            try:
                rows = session.run(None, {self._input: tensor})[0]
            finally:
                self._free.put(session)
            return [(i, decode(rows[j], scale, pad, self.min_conf)) for j, i in enumerate(chunk)]

        done = self._pool.map(run, jobs) if self._pool is not None and len(jobs) > 1 else map(run, jobs)
        out: list[FramePeople | None] = [None] * len(frames)
        for results in done:
            for i, people in results:
                out[i] = people
        return [p if p is not None else FramePeople.empty() for p in out]


def _split(idx: list[int], parts: int) -> list[list[int]]:
    """Consecutive frames cut into at most ``parts`` near-equal runs, one per session."""
    n = -(-len(idx) // max(1, parts))
    return [idx[k:k + n] for k in range(0, len(idx), n)]


def from_config(config: AnalysisConfig) -> OnnxPoseBackend:
    from core.perception.backends.yolo import onnx_weights_for

    return OnnxPoseBackend(onnx_weights_for(config.pose_weights), imgsz=config.pose_imgsz,
                           min_conf=config.pose_min_person_conf, threads=config.pose_threads,
                           device=config.pose_device, sessions=config.pose_sessions)
