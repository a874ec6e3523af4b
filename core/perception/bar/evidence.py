"""The tracked bar as evidence for the lift type (core.judgment.lift.lift_probabilities).

Where the bar sits relative to the lifter's shoulders, in torso lengths above them (image y, gravity
down; the torso length as core.judgment.lift.body_orientation measures it): on the upper back for a squat, in the
hands at the hips for a deadlift, above a lying lifter's chest for a bench press. The clip's statistic is
the upper quartile, as for the hands (the bar's highest regular position: a deadlift's lockout, a bench
press's lockout). Means and spreads from body proportions (Winter 2009, table 4.1, as core.judgment.lift's
HAND_HEIGHT): a hanging arm spans ~1.1 torso lengths, so a deadlift bar locked out at the upper thighs is
~1.0 below the shoulders; a squat bar sits on the trapezius or rear deltoids, within ~0.1 torso lengths
of the shoulder joints (high or low bar); a bench bar is held by arms pointing up, +0.3 on the chest to
+1.1 locked out. Not fitted to the real clips.

Used for the question the bar is for, deadlift or squat (:func:`deadlift_or_squat`, used by
core.pipeline.choose_lift): upright squat against lying bench press is the body's call. Squats read ~0.4 torso
lengths above the shoulders, not the prior's 0, so the deadlift and squat rows are fitted across sources
(BAR_HEIGHT_FITTED; evidence: docs/decisions.md, "The bar's height as lift evidence").
"""

from __future__ import annotations

import numpy as np

BAR_HEIGHT = {"deadlift": (-1.0, 0.30), "squat": (0.0, 0.20), "bench": (0.85, 0.35)}  # torso lengths (mean, sd)
# Fitted on the real clips (bar re-tracked with the retrained detector; python -m bench.experiments.bar_lift):
# deadlift -1.35 +- 0.36 over 43 clips, squat 0.44 +- 0.33 over 14 (the plate's centre is the bar's axis, above
# and behind the shoulder keypoint). With each lift's mean and spread fitted leaving the clip's source out, the
# bar tells a deadlift from a squat on 56 of 57 clips; the miss is a front-view deadlift whose followed point
# was not the bar.
BAR_HEIGHT_FITTED = {"deadlift": (-1.35, 0.36), "squat": (0.44, 0.33)}  # torso lengths (mean, sd)
MAX_BAR_ODDS = 9.0  # hand-set: the bar shifts the deadlift/squat odds by at most this factor either way, so a
# bar followed on the wrong object can make a clear call "not sure" but cannot overturn it alone
BAR_QUANTILE = 75.0  # % ; the upper quartile of the per-sample height
MIN_BAR_SAMPLES = 5  # fewer samples with bar and shoulders seen: the bar says nothing


def bar_height_torso(bar_y: np.ndarray, shoulder_y: np.ndarray, torso_px: np.ndarray) -> np.ndarray:
    """Per sample: bar height above the shoulders in torso lengths (NaN where either is not seen)."""
    with np.errstate(all="ignore"):
        return np.where(torso_px > 1e-6, (shoulder_y - bar_y) / torso_px, np.nan)


def bar_statistic(bar_y: np.ndarray | None, shoulder_y: np.ndarray, torso_px: np.ndarray) -> float | None:
    """The clip's bar height above the shoulders (torso lengths, BAR_QUANTILE of the samples); None when the
    bar and the shoulders are seen together on fewer than MIN_BAR_SAMPLES samples."""
    if bar_y is None:
        return None
    h = bar_height_torso(np.asarray(bar_y, np.float64), shoulder_y, torso_px)
    h = h[np.isfinite(h)]
    return float(np.percentile(h, BAR_QUANTILE)) if h.size >= MIN_BAR_SAMPLES else None


def _loglik(q: float, table: dict[str, tuple[float, float]]) -> dict[str, float]:
    return {k: -0.5 * ((q - mu) / sd) ** 2 - np.log(sd) for k, (mu, sd) in table.items()}


def bar_lift_loglik(bar_y: np.ndarray | None, shoulder_y: np.ndarray, torso_px: np.ndarray) -> dict[str, float] | None:
    """Gaussian log-likelihood of each lift (deadlift, squat, bench) from where the bar is (BAR_HEIGHT); None
    when the bar says nothing (:func:`bar_statistic`)."""
    q = bar_statistic(bar_y, shoulder_y, torso_px)
    return None if q is None else _loglik(q, BAR_HEIGHT)


def deadlift_or_squat(bar_y: np.ndarray | None, shoulder_y: np.ndarray,
                      torso_px: np.ndarray) -> dict[str, float] | None:
    """Odds factors {deadlift, squat} (their product 1, each within 1/MAX_BAR_ODDS..MAX_BAR_ODDS) from where the
    bar sits relative to the shoulders (BAR_HEIGHT_FITTED); None when the bar says nothing (not seen)."""
    q = bar_statistic(bar_y, shoulder_y, torso_px)
    if q is None:
        return None
    ll = _loglik(q, BAR_HEIGHT_FITTED)
    half = float(np.clip((ll["deadlift"] - ll["squat"]) / 2, -np.log(MAX_BAR_ODDS) / 2, np.log(MAX_BAR_ODDS) / 2))
    return {"deadlift": float(np.exp(half)), "squat": float(np.exp(-half))}
