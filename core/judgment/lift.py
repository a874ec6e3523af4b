"""Lift type and deadlift style from simple pose rules.

These rules are the fallback and the sanity check for the learned
classifiers: lying down means bench; at the top of the movement, wrists
hanging below the hips mean deadlift, wrists up by the shoulders mean squat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.movement.posture import body_orientation
from core.skeleton import KP, LIFTS
from core.types import AngleSeries, KeypointSeries

logger = logging.getLogger(__name__)
WRIST_LOW = 0.6  # wrists this far down the torso (shoulder=0, hip=1) or lower: hands hang (deadlift)
WRIST_HIGH = 0.4  # wrists above this: hands at the shoulders (squat bar)
LYING_TRUNK_DEG = 55.0  # median trunk lean above this: torso near horizontal (bench)


@dataclass(frozen=True)
class Label:
    """A label with its confidence. ``candidates`` ((label, p), most likely first) is set when the label is
    ``"unsure"``: reps are then counted as ``candidates[0]`` and the user is asked."""

    label: str | None
    confidence: float
    source: str = "rule"
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def counted_as(self) -> str | None:
        """The lift reps are counted as: the label, or the most likely candidate when unsure."""
        return self.candidates[0][0] if self.label == UNSURE and self.candidates else self.label

    def to_dict(self) -> dict:
        d = {"label": self.label, "confidence": round(float(self.confidence), 3), "source": self.source}
        if self.candidates:
            d["candidates"] = [{"label": k, "p": round(float(p), 3)} for k, p in self.candidates]
        return d


UNSURE = "unsure"
# Where the hands are, per lift: wrist height above the shoulders in torso lengths (image y, gravity down;
# the torso length is max(shoulder-hip distance, shoulder/hip width) per frame so a torso seen end-on still
# has a scale). Means and spreads from body proportions (Winter 2009, table 4.1: arm 0.33, torso 0.29 of
# height, so a hanging or vertical arm spans ~1.1 torso lengths): deadlift, hands hang at the thighs or the
# bar below the shoulders (-1.1); squat, hands on the bar at the shoulders (0); bench, arms point up from
# the shoulders to the bar (+0.3 on the chest .. +1.1 locked out). The clip's statistic is the upper quartile
# (HANDS_QUANTILE) of the per-sample height: the hands' highest regular position (a bench press's lockout,
# however long the pauses on the chest). Not fitted to the real clips.
HAND_HEIGHT = {"deadlift": (-1.0, 0.30), "squat": (-0.05, 0.25), "bench": (0.85, 0.35)}
HANDS_QUANTILE = 75.0
MIN_HAND_SAMPLES = 5  # fewer samples with the hands seen: the hands say nothing
UPRIGHT_COS = 0.7  # torso within ~45 deg of straight up (cos of the angle from vertical)
STANDING_PENALTY = 4.0  # log-odds against bench per unit share of frames the lifter stands upright
NEVER_UPRIGHT_PENALTY = 1.5  # log-odds against squat and deadlift per unit share of frames NOT upright (weaker:
# a fragment of a pull can be all bent over)
UNSURE_BELOW = 0.7  # most likely lift's probability below which the report says "unsure" and asks
MODEL_WEIGHT = 0.2  # exponent on the sim-trained lift model's probabilities (it is over-confident on real clips)


def standing_share(orient: dict[str, np.ndarray], head_down: bool = False) -> float:
    """Share of seen samples with the torso long and upright (``head_down``: long and upside down)."""
    up, long = orient["up"], orient["long"]
    ok = np.isfinite(up) & np.isfinite(long)
    if not ok.any():
        return float("nan")
    side = up[ok] < -UPRIGHT_COS if head_down else up[ok] > UPRIGHT_COS
    return float(np.mean(side & (long[ok] > 0.5)))


def lift_probabilities(series: KeypointSeries) -> dict[str, float] | None:
    """P(deadlift), P(squat), P(bench) from where the hands are relative to the shoulders and gravity, and
    whether the lifter stands: view-independent cues (lying = hands above the shoulders while the torso is
    never upright and long). With the hands hidden only posture speaks (standing: squat or deadlift, even
    odds). None when the torso is never seen."""
    orient = body_orientation(series)
    hands = orient["hands"][np.isfinite(orient["hands"])]
    stand = standing_share(orient)
    if not np.isfinite(stand):
        return None
    if hands.size >= MIN_HAND_SAMPLES:
        h = float(np.percentile(hands, HANDS_QUANTILE))
        ll = {k: -0.5 * ((h - mu) / sd) ** 2 - np.log(sd) for k, (mu, sd) in HAND_HEIGHT.items()}
        logger.debug("lift cues: hands %.2f torso lengths above the shoulders, standing %.0f %%", h, 100 * stand)
    else:  # hands hidden (plates, a spotter, out of frame): posture alone cannot tell a squat from a deadlift
        ll = {k: 0.0 for k in LIFTS}
    ll["bench"] -= STANDING_PENALTY * stand
    ll["squat"] -= NEVER_UPRIGHT_PENALTY * (1 - stand)
    ll["deadlift"] -= NEVER_UPRIGHT_PENALTY * (1 - stand)
    m = max(ll.values())
    z = {k: np.exp(v - m) for k, v in ll.items()}
    total = sum(z.values())
    return {k: float(z[k] / total) for k in LIFTS}


def combine_probabilities(rule: dict[str, float] | None, model: dict[str, float] | None) -> dict[str, float] | None:
    """Rules times the model's probabilities tempered by MODEL_WEIGHT, renormalised."""
    if rule is None:
        return None
    if model is None:
        return rule
    z = {k: rule[k] * max(model.get(k, 0.0), 1e-6) ** MODEL_WEIGHT for k in LIFTS}
    total = sum(z.values())
    return {k: v / total for k, v in z.items()}


def label_from_probabilities(p: dict[str, float], source: str) -> Label:
    """The top lift, or ``unsure`` with the two most likely when the top is below UNSURE_BELOW."""
    ranked = sorted(p.items(), key=lambda kv: -kv[1])
    (best, pb), (second, ps) = ranked[0], ranked[1]
    if pb >= UNSURE_BELOW:
        return Label(best, pb, source)
    return Label(UNSURE, pb, source, ((best, pb), (second, ps)))


def mid_point(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    """(T, 2) mid-point of two keypoints per sample, the one seen where the other is not; NaN where neither is."""
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack([xy[:, KP[a]], xy[:, KP[b]]]), axis=0)


def shoulders_and_torso(series: KeypointSeries) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: the shoulders' image y (mid-point) and the torso length in px (shoulder to hip mid-points,
    as body_orientation measures it). NaN where not seen."""
    xy = series.xy.astype(np.float64)
    sh, hip = mid_point(xy, "left_shoulder", "right_shoulder"), mid_point(xy, "left_hip", "right_hip")
    return sh[:, 1], np.hypot(*(sh - hip).T)


def classify_lift_by_rules(series: KeypointSeries, angles: AngleSeries) -> Label:
    """deadlift / squat / bench / unknown with a margin-based confidence."""
    trunk = angles["trunk_lean"]
    if np.isfinite(trunk).sum() < 5:
        return Label("unknown", 0.0)
    xy = series.xy.astype(np.float64)
    wrist, hip, shoulder = (mid_point(xy, f"left_{k}", f"right_{k}")[:, 1] for k in ("wrist", "hip", "shoulder"))
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
