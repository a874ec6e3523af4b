"""Torso geometry per sample (which way the torso points, whether it is seen end-on, where the hands are):
the posture the rep gate (:mod:`core.movement.reps`) and the lift rules (:mod:`core.judgment.lift`) read."""

from __future__ import annotations

import numpy as np

from core.skeleton import KP
from core.types import KeypointSeries

LONG_TORSO = 1.0  # torso image length >= this x shoulder/hip width: not seen end-on (a lying body seen from its end)


def body_orientation(series: KeypointSeries) -> dict[str, np.ndarray]:
    """Per-sample torso geometry: ``up`` (cos of the hip->shoulder direction from image-up: 1 upright,
    -1 head-down, 0 horizontal), ``long`` (torso not seen end-on) and ``hands`` (wrist height above the
    shoulders in torso lengths, see core.judgment.lift.HAND_HEIGHT). NaN where the joints are not seen."""
    xy = series.xy.astype(np.float64)
    with np.errstate(all="ignore"):
        sh = np.nanmean(xy[:, [KP["left_shoulder"], KP["right_shoulder"]]], axis=1)
        hip = np.nanmean(xy[:, [KP["left_hip"], KP["right_hip"]]], axis=1)
        wr = np.nanmean(xy[:, [KP["left_wrist"], KP["right_wrist"]]], axis=1)
        width = np.fmax(np.abs(xy[:, KP["left_shoulder"], 0] - xy[:, KP["right_shoulder"], 0]),
                        np.abs(xy[:, KP["left_hip"], 0] - xy[:, KP["right_hip"], 0]))
        v = sh - hip
        length = np.hypot(v[:, 0], v[:, 1])
        up = np.where(length > 1e-6, -v[:, 1] / length, np.nan)
        long = np.where(np.isfinite(width) & np.isfinite(length), length >= LONG_TORSO * width, np.nan)
        scale = np.fmax(length, width)
        hands = np.where(scale > 1e-6, (sh[:, 1] - wr[:, 1]) / scale, np.nan)
    return {"up": up, "long": long, "hands": hands}
