"""The barbell as a tracked object: detect (ONNX YOLO11n), track (optical flow), measure (m/s, cm).

Public surface: :class:`BarTrack` (types), :class:`BarObserver` (frame observer for ``run_pose``),
:func:`choose_bar` (pick the lifter's bar), :func:`bar_block` / :func:`bar_rep_metrics` (measure).
"""

from core.perception.bar.types import BarCandidate, BarDetections, BarTrack

__all__ = ["BarCandidate", "BarDetections", "BarTrack"]
