"""Pose backends: frames in, everyone's COCO-17 keypoints out.

One module per backend, all of the same shape (:class:`core.perception.backends.base.PoseBackend`
plus a ``from_config``): ``yolo`` (ultralytics), ``onnx`` (onnxruntime directly on a
YOLO-pose export) and ``vitpose`` (top-down ViTPose on the YOLO detector's boxes).
Build them through :func:`load_backend` so the CLI, the pages, live and the batch runner
agree. ``core.perception.pose`` re-exports these names for older imports.
"""

from __future__ import annotations

from core.config import AnalysisConfig
from core.perception.backends.base import PoseBackend
from core.perception.backends.yolo import YoloPoseBackend, auto_backend, export_onnx, onnx_weights_for

BACKENDS = ("auto", "yolo", "onnx", "vitpose")  # values of config.pose_backend


BACKEND_FIELDS = ("pose_backend", "pose_weights", "pose_imgsz", "vitpose_weights", "pose_threads", "pose_device",
                  "pose_sessions", "pose_min_person_conf")  # every config field load_backend reads


def backend_key(config: AnalysisConfig) -> tuple[tuple[str, object], ...]:
    """What makes one loaded backend differ from another: the key for sharing them (app, batch workers)."""
    return tuple((name, getattr(config, name)) for name in BACKEND_FIELDS)


def load_backend(config: AnalysisConfig) -> PoseBackend:
    """Build the backend named in the config (one place, so pages, CLI, live and batch agree)."""
    if config.pose_backend == "auto":
        backend, weights = auto_backend(config.pose_weights)
        return load_backend(config.update(pose_backend=backend, pose_weights=weights))
    if config.pose_backend == "yolo":
        from core.perception.backends import yolo

        return yolo.from_config(config)
    if config.pose_backend == "onnx":
        from core.perception.backends import onnx  # deferred: onnxruntime only when used

        return onnx.from_config(config)
    if config.pose_backend == "vitpose":
        from core.perception.backends import vitpose  # deferred: torch + transformers only when used

        detector = load_backend(config.update(pose_backend="onnx" if onnx_weights_for(
            config.pose_weights).endswith(".onnx") else "yolo"))
        return vitpose.from_config(config, detector)
    raise ValueError(f"unknown pose_backend {config.pose_backend!r}; allowed: {list(BACKENDS)}")


__all__ = ["BACKENDS", "BACKEND_FIELDS", "PoseBackend", "YoloPoseBackend", "auto_backend", "backend_key",
           "export_onnx", "load_backend", "onnx_weights_for"]
