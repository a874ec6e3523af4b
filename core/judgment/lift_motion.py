"""What moves with the load tells the lift, from any camera angle: the shoulders of a squatter travel with the bar
on them, the shoulders of a bench presser stay on the bench while the bar travels above them, a puller's shoulders
rise with the bar in the hands. The load is the tracked bar where it is seen, else the hands.

The statistic is the slope of the shoulders' image height on the load's over the samples where both are seen
(least squares; 1 = they move together, 0 = the shoulders stay put), taken only when the load travels at least
``MIN_TRAVEL_TORSO`` torso lengths. A head-end bench (the lying torso seen end-on looks upright) and a spotter
standing by still give a slope near 0; a front-view squat near 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.judgment.lift import mid_point, shoulders_and_torso
from core.types import KeypointSeries

MIN_TRAVEL_TORSO = 0.3  # torso lengths of vertical load travel (p95 - p5) before the motion says anything
MIN_SAMPLES = 15  # samples with the load and the shoulders seen together


@dataclass(frozen=True)
class LoadMotion:
    """The clip's motion statistic: shoulder-on-load slope, load travel in torso lengths, what the load was."""

    slope: float
    travel_torso: float
    load: str  # "bar" or "hands"


def load_motion(series: KeypointSeries, bar_y: np.ndarray | None = None) -> LoadMotion | None:
    """The shoulders' motion against the load's (see the module docstring); None when the load does not travel
    or is not seen often enough with the shoulders."""
    shoulder_y, torso = shoulders_and_torso(series)
    wrist_y = mid_point(series.xy.astype(np.float64), "left_wrist", "right_wrist")[:, 1]
    scale = np.nanmedian(torso) if np.isfinite(torso).any() else np.nan
    if not np.isfinite(scale) or scale <= 1e-6:
        return None
    for load_name, load in (("bar", bar_y), ("hands", wrist_y)):
        if load is None:
            continue
        load = np.asarray(load, np.float64)
        ok = np.isfinite(load) & np.isfinite(shoulder_y)
        if ok.sum() < MIN_SAMPLES:
            continue
        x, y = load[ok], shoulder_y[ok]
        travel = (np.percentile(x, 95) - np.percentile(x, 5)) / scale
        if travel < MIN_TRAVEL_TORSO:
            continue
        xc = x - x.mean()
        return LoadMotion(float(np.dot(xc, y - y.mean()) / np.dot(xc, xc)), float(travel), load_name)
    return None


# Shoulder-on-hands slope per lift (mean, sd): the physics says 0 for a bench (shoulders on the bench) and ~1 for
# a squat or a pull (the shoulders carry or lift the load); the spreads are pose noise and the trunk's hinge. Set
# by hand from that, then checked against the 114 real clips (hands slope: bench -0.05 +- 0.32 over 16 clips,
# squat 0.83 +- 0.22 over 29, deadlift 0.93 +- 0.28 over 69; docs/decisions.md).
MOTION_SLOPE = {"bench": (0.0, 0.35), "squat": (0.85, 0.3), "deadlift": (0.85, 0.3)}
MAX_MOTION_ODDS = 9.0  # the motion moves any lift's odds by at most this factor: it can make a clear call "not
# sure" (the page then asks) but cannot overturn it alone


def motion_odds(series: KeypointSeries) -> dict[str, float] | None:
    """Odds factors per lift from how the shoulders move with the hands (:func:`load_motion` on the hands),
    normalised to a geometric mean of 1 and capped at MAX_MOTION_ODDS either way; None when the hands do not
    travel or are not seen."""
    m = load_motion(series, None)
    if m is None:
        return None
    ll = {k: -0.5 * ((m.slope - mu) / sd) ** 2 - np.log(sd) for k, (mu, sd) in MOTION_SLOPE.items()}
    mean = sum(ll.values()) / len(ll)
    cap = np.log(MAX_MOTION_ODDS)
    return {k: float(np.exp(np.clip(v - mean, -cap, cap))) for k, v in ll.items()}
