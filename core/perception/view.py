"""Camera view from the keypoints: side, front or oblique.

In a side view the two shoulders (and hips) overlap in the picture; from the
front they are a shoulder-width apart. The ratio of that width to the torso
length is independent of distance to the camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.skeleton import KP
from core.types import KeypointSeries

SIDE_MAX_RATIO = 0.30  # shoulder+hip width / torso length below this = side view
FRONT_MIN_RATIO = 0.55  # above this = front (or rear) view


@dataclass(frozen=True)
class ViewEstimate:
    label: str  # "side" | "front" | "oblique" | "unknown"
    width_ratio: float  # median (shoulder width + hip width) / 2 / torso length
    confidence: float


def width_ratio(series: KeypointSeries) -> np.ndarray:
    """Per-frame mean of shoulder and hip widths over torso length (NaN if unseen)."""
    xy = series.xy.astype(np.float64)
    ls, rs, lh, rh = (xy[:, KP[k]] for k in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    widths = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    torso = np.hypot(*((ls + rs) / 2 - (lh + rh) / 2).T)
    with np.errstate(all="ignore"):
        return np.where(torso > 1e-6, widths / torso, np.nan)


def estimate_view(series: KeypointSeries) -> ViewEstimate:
    ratio = width_ratio(series)
    ratio = ratio[np.isfinite(ratio)]
    if ratio.size < 3:
        return ViewEstimate("unknown", float("nan"), 0.0)
    r = float(np.median(ratio))
    if r < SIDE_MAX_RATIO:
        label, margin = "side", (SIDE_MAX_RATIO - r) / SIDE_MAX_RATIO
    elif r > FRONT_MIN_RATIO:
        label, margin = "front", (r - FRONT_MIN_RATIO) / FRONT_MIN_RATIO
    else:
        mid = (SIDE_MAX_RATIO + FRONT_MIN_RATIO) / 2
        label, margin = "oblique", 1 - abs(r - mid) / (mid - SIDE_MAX_RATIO)
    return ViewEstimate(label, r, float(np.clip(0.5 + margin / 2, 0.5, 0.99)))
