"""Deadlift style (conventional / sumo / Romanian) from interpretable pose features.

Why rules here: no real sumo or Romanian footage exists in our data, and a
classifier trained on simulated motion calls most real conventional pulls
"sumo" (sim-to-real gap, models/MODEL_CARD.md). The features below are the
textbook differences between the styles and can be checked on any clip:
knees nearly straight at the bottom means a Romanian hinge; feet far wider
than the hips (seen from the front) means sumo; a very upright torso at the
floor hints at sumo from the side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.judgment.lift import Label
from core.skeleton import KP
from core.types import AngleSeries, KeypointSeries, Rep

RDL_KNEE_MIN_DEG = 152.0  # knee angle at the bottom above this: knees stay soft (RDL); real conventional
# pulls reach 149
RDL_TRUNK_MIN_DEG = 55.0  # and the trunk hinges this far from vertical
SUMO_STANCE_RATIO = 2.0  # ankle spread / hip width (front or oblique view); conventional is ~1-1.5
SUMO_SIDE_TRUNK_DEG = 36.0  # side view: trunk this upright at the floor (conventional ~40-60 deg)
SUMO_SIDE_KNEE_DEG = 120.0  # ...with knees clearly bent


@dataclass(frozen=True)
class StyleFeatures:
    knee_at_bottom_deg: float  # median over reps of the knee angle at the lowest hip angle
    trunk_at_bottom_deg: float  # median trunk lean from vertical at the same frames
    stance_ratio: float  # median ankle spread / hip width; NaN from the side


def _bottom_index(rep: Rep, hip: np.ndarray) -> int:
    seg = hip[rep.start:rep.end + 1]
    if not np.isfinite(seg).any():
        return rep.start
    return rep.start + int(np.nanargmin(seg))


def style_features(series: KeypointSeries, angles: AngleSeries, reps: list[Rep]) -> StyleFeatures:
    hip, knee, trunk = angles["hip"], angles["knee"], angles["trunk_lean"]
    bottoms = [_bottom_index(r, hip) for r in reps]
    xy = series.xy.astype(np.float64)
    ankles = np.abs(xy[:, KP["left_ankle"], 0] - xy[:, KP["right_ankle"], 0])
    hips = np.abs(xy[:, KP["left_hip"], 0] - xy[:, KP["right_hip"], 0])
    with np.errstate(all="ignore"):
        ratio = np.where(hips > 1e-6, ankles / hips, np.nan)
    return StyleFeatures(
        knee_at_bottom_deg=_nanmedian(knee[bottoms]) if bottoms else float("nan"),
        trunk_at_bottom_deg=_nanmedian(trunk[bottoms]) if bottoms else float("nan"),
        stance_ratio=_nanmedian(ratio),
    )


def _nanmedian(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def classify_style_by_rules(features: StyleFeatures, view: str) -> Label:
    """Style with a confidence that reflects how much the view can show."""
    f = features
    if not np.isfinite(f.knee_at_bottom_deg):
        return Label("conventional", 0.34, "rule:style")
    if f.knee_at_bottom_deg > RDL_KNEE_MIN_DEG and f.trunk_at_bottom_deg > RDL_TRUNK_MIN_DEG:
        return Label("romanian", 0.7, "rule:style")
    if view in ("front", "oblique") and np.isfinite(f.stance_ratio):
        if f.stance_ratio > SUMO_STANCE_RATIO:
            return Label("sumo", 0.75, "rule:style")
        return Label("conventional", 0.7, "rule:style")
    if f.trunk_at_bottom_deg < SUMO_SIDE_TRUNK_DEG and f.knee_at_bottom_deg < SUMO_SIDE_KNEE_DEG:
        return Label("sumo", 0.55, "rule:style")
    return Label("conventional", 0.6, "rule:style")


def combine_styles(rule: Label, model: Label | None) -> Label:
    """The rules decide; an agreeing model raises the confidence, a disagreeing one is recorded in ``source``."""
    if model is None or model.label is None:
        return rule
    if model.label == rule.label:
        return Label(rule.label, max(rule.confidence, min(0.95, (rule.confidence + model.confidence) / 2 + 0.1)),
                     "rule+model:style")
    return Label(rule.label, rule.confidence, f"rule:style (model said {model.label} {model.confidence:.2f})")
