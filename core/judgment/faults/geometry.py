"""Geometry of the lifter on 2-D keypoint series: joint midpoints, how well a joint is seen, facing, torso lean,
camera yaw, thigh angle, spreads, and the NaN-aware medians and percentiles the fault measurements read.

Every function takes a whole-clip :class:`core.types.KeypointSeries` (pixels, image y grows down) and returns one
value per sample (``(T,)`` or ``(T, 2)``) or one number; NaN where the joints were not seen.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from core.perception.view import width_ratio
from core.skeleton import KP, LOW_VISIBILITY
from core.types import KeypointSeries

MIN_CONFIDENCE = LOW_VISIBILITY  # keypoint confidence below which a joint is "poorly seen"


# Camera yaw from the width ratio (core.perception.view) while the lifter stands upright: 0 deg at YAW_SIDE_RATIO,
# 90 deg at YAW_FRONT_RATIO (measured on the real clips: side 0.05-0.09, front 0.46-0.51, angled ~0.36).
YAW_SIDE_RATIO = 0.05
YAW_FRONT_RATIO = 0.50
YAW_MAX_DEG = 60.0


def xy(series: KeypointSeries, name: str) -> np.ndarray:
    """(T, 2) pixels of one keypoint (``KP`` name), as float64."""
    return series.xy[:, KP[name]].astype(np.float64)


def mid(series: KeypointSeries, base: str) -> np.ndarray:
    """(T, 2) pixels: mean of the left and right ``base`` keypoint (either one if only one is seen)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # both sides unseen -> NaN is the intended result
        return np.nanmean(np.stack([xy(series, f"left_{base}"), xy(series, f"right_{base}")]), axis=0)


def seen(series: KeypointSeries, base: str, sl: slice, both: bool = False) -> float:
    """Mean confidence of a keypoint over ``sl``: the better side, or the worse side when ``both``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        c = [np.nan_to_num(np.nanmean(series.conf[sl, KP[f"{s}_{base}"]])) if series.conf[sl].size else 0.0
             for s in ("left", "right")]
    return float(min(c) if both else max(c))


def facing(series: KeypointSeries) -> int:
    """+1 if the lifter faces image right, -1 left, 0 unknown (nose ahead of the ears, else hands ahead of hips)."""
    with np.errstate(all="ignore"):
        d = xy(series, "nose")[:, 0] - mid(series, "ear")[:, 0]
        d = d[np.isfinite(d)]
        if d.size >= 3 and abs(np.median(d)) > 1.0:
            return int(np.sign(np.median(d)))
        d = mid(series, "wrist")[:, 0] - mid(series, "hip")[:, 0]
        d = d[np.isfinite(d)]
    return int(np.sign(np.median(d))) if d.size >= 3 else 0


def lean_back_deg(series: KeypointSeries, face: int) -> np.ndarray:
    """(T,) deg the hip->shoulder line leans *back* past vertical (negative = leaning forward)."""
    d = mid(series, "shoulder") - mid(series, "hip")
    with np.errstate(all="ignore"):
        return np.degrees(np.arctan2(-face * d[:, 0], -d[:, 1]))


def camera_yaw_deg(series: KeypointSeries, torso: np.ndarray, standing: float) -> float:
    """Camera yaw from a side-on view, deg (0 = side, 90 = front), read while the lifter stands upright."""
    ratio = width_ratio(series)
    upright = np.isfinite(ratio) & (torso >= 0.9 * standing)
    if upright.sum() < 3:
        return 0.0
    r = float(np.median(ratio[upright]))
    sin_yaw = np.clip((r - YAW_SIDE_RATIO) / (YAW_FRONT_RATIO - YAW_SIDE_RATIO), 0.0, 1.0)
    return float(min(np.degrees(np.arcsin(sin_yaw)), YAW_MAX_DEG))


def torso_chord_shortening(series: KeypointSeries) -> tuple[np.ndarray, float]:
    """(T,) shoulder-hip distance shortening vs standing (fraction), with the camera's foreshortening of the
    torso's horizontal component undone; and the yaw (deg) used for that."""
    t = mid(series, "shoulder") - mid(series, "hip")
    torso = np.hypot(t[:, 0], t[:, 1])
    if not np.isfinite(torso).any():
        return np.full(len(torso), np.nan), 0.0
    standing = float(np.nanpercentile(torso, 95))
    yaw = camera_yaw_deg(series, torso, standing)
    chord = np.hypot(t[:, 0] / np.cos(np.radians(yaw)), t[:, 1])
    return 1.0 - chord / standing, yaw


def head_drop(series: KeypointSeries, face: int) -> np.ndarray:
    """(T,) ear offset toward the chest side of the torso line, torso lengths (+ = head flexed down)."""
    sh, hip, ear = mid(series, "shoulder"), mid(series, "hip"), mid(series, "ear")
    t = sh - hip
    length = np.hypot(t[:, 0], t[:, 1])
    with np.errstate(all="ignore"):
        normal = face * np.stack([-t[:, 1], t[:, 0]], axis=1) / length[:, None]
        return ((ear - sh) * normal).sum(axis=1) / length


def thigh_angle_deg(series: KeypointSeries) -> np.ndarray:
    """(T,) thigh angle above horizontal, deg: + = hip above knee, 0 = parallel (mean of the seen sides).

    The hip-over-knee height is divided by the thigh's *longest seen* length
    (standing, least foreshortened), so the angle stays right from the front,
    where a thigh pointing at the camera looks short.
    """
    vals = []
    for s in ("left", "right"):
        d = xy(series, f"{s}_knee") - xy(series, f"{s}_hip")
        length = np.hypot(d[:, 0], d[:, 1])
        full = nanpct(length, 95)
        with np.errstate(all="ignore"):
            vals.append(np.degrees(np.arcsin(np.clip(d[:, 1] / full, -1.0, 1.0))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(vals), axis=0)


def spread(series: KeypointSeries, base: str) -> np.ndarray:
    """(T,) horizontal pixels between the left and right ``base`` keypoints."""
    return np.abs(xy(series, f"left_{base}")[:, 0] - xy(series, f"right_{base}")[:, 0])


def nanmed(x: np.ndarray) -> float:
    """Median of the finite values of ``x`` (NaN when none)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def median_at(x: np.ndarray, i: int, half: int = 2) -> float:
    """Median of ``x`` over ``i`` +- ``half`` samples (robust single-moment reading)."""
    return nanmed(x[max(0, i - half):i + half + 1])


def nanpct(x: np.ndarray, q: float) -> float:
    """``q``-th percentile of the finite values of ``x`` (NaN when none)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.percentile(x, q)) if x.size else float("nan")


def rolling_median(x: np.ndarray, size: int = 3) -> np.ndarray:
    """NaN-aware centred rolling median, so a one-frame keypoint jump is not read as a fault."""
    if x.size < size:
        return x
    pad = np.pad(np.asarray(x, dtype=np.float64), size // 2, mode="edge")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(sliding_window_view(pad, size), axis=1)
