"""The one interface every pose backend has (core.perception.backends.yolo, .onnx, .vitpose).

A backend holds no per-video state, so one instance is shared by every
browser session; ``predict`` is serialised with a lock inside each backend.
Tracking state lives in :mod:`core.perception.tracking`, crop state in :mod:`core.perception.crop`,
one of each per analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from core.types import FramePeople


@runtime_checkable
class PoseBackend(Protocol):
    """BGR uint8 frames in, everyone's COCO-17 keypoints (frame pixels) out.

    Every backend module has the same shape: a class with ``name``, ``imgsz`` and
    ``predict(frames, imgsz=None)`` (``imgsz`` overrides the input size for one call, used
    for crops around the lifter), and a ``from_config(config)`` that builds it.
    """

    name: str
    imgsz: int

    def predict(self, frames: Sequence[np.ndarray], imgsz: int | None = None) -> list[FramePeople]:
        """One :class:`FramePeople` per input frame, in order."""
        ...
