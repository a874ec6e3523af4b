"""Lift type and deadlift style from simple pose rules.

These rules are the fallback and the sanity check for the learned
classifiers: lying down means bench; at the top of the movement, wrists
hanging below the hips mean deadlift, wrists up by the shoulders mean squat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.skeleton import KP
from core.types import AngleSeries, KeypointSeries

logger = logging.getLogger(__name__)
WRIST_LOW = 0.6  # wrists this far down the torso (shoulder=0, hip=1) or lower: hands hang (deadlift)
WRIST_HIGH = 0.4  # wrists above this: hands at the shoulders (squat bar)
LYING_TRUNK_DEG = 55.0  # median trunk lean above this: torso near horizontal (bench)


@dataclass(frozen=True)
class Label:
    label: str | None
    confidence: float
    source: str = "rule"

    def to_dict(self) -> dict:
        return {"label": self.label, "confidence": round(float(self.confidence), 3), "source": self.source}


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack([xy[:, KP[a]], xy[:, KP[b]]]), axis=0)


def classify_lift_by_rules(series: KeypointSeries, angles: AngleSeries) -> Label:
    """deadlift / squat / bench / unknown with a margin-based confidence."""
    trunk = angles["trunk_lean"]
    if np.isfinite(trunk).sum() < 5:
        return Label("unknown", 0.0)
    xy = series.xy.astype(np.float64)
    wrist, hip, shoulder = (_mid(xy, f"left_{k}", f"right_{k}")[:, 1] for k in ("wrist", "hip", "shoulder"))
    lying = np.nanmedian(trunk) > LYING_TRUNK_DEG and np.nanpercentile(trunk, 20) > LYING_TRUNK_DEG - 15
    with np.errstate(all="ignore"):
        arms_up = np.nanmean(wrist < shoulder) > 0.5  # on a bench the bar is above the shoulders
    if lying and arms_up:
        return Label("bench", float(np.clip((np.nanmedian(trunk) - 40) / 40, 0.5, 0.95)))
    torso = hip - shoulder  # pixels, positive when upright
    with np.errstate(all="ignore"):
        rel = (wrist - shoulder) / np.where(torso > 1e-6, torso, np.nan)  # 0 at shoulders, 1 at hips
    valid = np.isfinite(rel)
    if valid.sum() < 3:
        return Label("unknown", 0.0)
    r = float(np.percentile(rel[valid], 75))
    logger.debug("lift rule: wrist position %.2f of the torso below the shoulders", r)
    if r > WRIST_LOW:
        return Label("deadlift", float(np.clip(0.5 + (r - WRIST_LOW), 0.5, 0.95)))
    if r < WRIST_HIGH:
        return Label("squat", float(np.clip(0.5 + (WRIST_HIGH - r), 0.5, 0.95)))
    return Label("unknown", 0.3)
