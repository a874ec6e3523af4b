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

Not wired into core.judgment.lift yet, because the squat prior is wrong: on the 93 traces with bar in
/work/cache/traces_fast (session 2) the bar's upper-quartile height named the manifest lift on 45 of 62
clips where it was measured, and 14 of the 17 misses were squats read 0.36-1.24 torso lengths above
the shoulders (so "bench"). Session 3 (retrained detector, plates that stay put no longer taken; ad hoc
count over the same traces re-tracked): 48 of 60, and 10 of the 12 misses are squats of 7 sources read
0.37-0.81 above the shoulders, so the squat mean is systematically ~0.6, not 0 (the plate centre is the
bar's axis, above and behind the shoulder keypoint). Refit it across sources before wiring; upright
squat against lying bench is the body's call anyway, so the bar's use is deadlift against squat. The
hands were seen on all 93 clips, so the bar would have decided no label there.
"""

from __future__ import annotations

import numpy as np

BAR_HEIGHT = {"deadlift": (-1.0, 0.30), "squat": (0.0, 0.20), "bench": (0.85, 0.35)}  # torso lengths (mean, sd)
BAR_QUANTILE = 75.0  # % ; the upper quartile of the per-sample height
MIN_BAR_SAMPLES = 5  # fewer samples with bar and shoulders seen: the bar says nothing


def bar_height_torso(bar_y: np.ndarray, shoulder_y: np.ndarray, torso_px: np.ndarray) -> np.ndarray:
    """Per sample: bar height above the shoulders in torso lengths (NaN where either is not seen)."""
    with np.errstate(all="ignore"):
        return np.where(torso_px > 1e-6, (shoulder_y - bar_y) / torso_px, np.nan)


def bar_lift_loglik(bar_y: np.ndarray | None, shoulder_y: np.ndarray, torso_px: np.ndarray) -> dict[str, float] | None:
    """Gaussian log-likelihood of each lift (deadlift, squat, bench) from where the bar is; None when the
    bar and the shoulders are seen together on fewer than MIN_BAR_SAMPLES samples."""
    if bar_y is None:
        return None
    h = bar_height_torso(np.asarray(bar_y, np.float64), shoulder_y, torso_px)
    h = h[np.isfinite(h)]
    if h.size < MIN_BAR_SAMPLES:
        return None
    q = float(np.percentile(h, BAR_QUANTILE))
    return {k: -0.5 * ((q - mu) / sd) ** 2 - np.log(sd) for k, (mu, sd) in BAR_HEIGHT.items()}
