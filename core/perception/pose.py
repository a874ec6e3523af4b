"""Pose backends, under their historical import path.

The backends live in :mod:`core.perception.backends` (one module each, same shape); this module
re-exports their public names so ``from core.perception.pose import load_backend, PoseBackend``
keeps working. Nothing in :mod:`core.perception.backends` imports this module (no import cycle).
"""

from __future__ import annotations

from core.perception.backends import (
    BACKENDS,
    PoseBackend,
    YoloPoseBackend,
    auto_backend,
    backend_key,
    export_onnx,
    load_backend,
    onnx_weights_for,
)
from core.perception.backends.yolo import _to_people

__all__ = ["BACKENDS", "PoseBackend", "YoloPoseBackend", "_to_people", "auto_backend", "backend_key",
           "export_onnx", "load_backend", "onnx_weights_for"]
