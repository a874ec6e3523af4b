"""Per-rep measurements: timing, ranges of motion, lockout angles, bar path and speed.

Speeds are estimates from the wrist midpoint (the hands hold the bar) and
are given in body heights per second, or in m/s when the lifter's height is
known. Body height in pixels comes from segment lengths (Drillis & Contini:
shoulder-to-ankle is about 0.78 of stature), so it works lying down too.
"""

from __future__ import annotations

import numpy as np

from core.skeleton import KP
from core.types import AngleSeries, KeypointSeries, Rep

SHOULDER_TO_ANKLE_FRACTION = 0.779  # of stature (Drillis & Contini 1966)
ROM_ANGLES = ("hip", "knee", "elbow", "shoulder", "trunk_lean")


def body_height_px(series: KeypointSeries) -> float:
    """Stature in pixels from the longest-seen torso, thigh and shin (least foreshortened)."""
    xy = series.xy.astype(np.float64)
    total = 0.0
    for a, b in (("shoulder", "hip"), ("hip", "knee"), ("knee", "ankle")):
        lengths = []
        for side in ("left", "right"):
            d = xy[:, KP[f"{side}_{a}"]] - xy[:, KP[f"{side}_{b}"]]
            lengths.append(np.hypot(d[:, 0], d[:, 1]))
        seg = np.concatenate(lengths)
        seg = seg[np.isfinite(seg)]
        if seg.size == 0:
            return float("nan")
        total += float(np.percentile(seg, 90))
    return total / SHOULDER_TO_ANKLE_FRACTION


def wrist_midpoint(series: KeypointSeries) -> np.ndarray:
    """(T, 2) pixels; the bar's position estimate, NaN where both wrists are unseen."""
    xy = series.xy.astype(np.float64)
    with np.errstate(all="ignore"):
        return np.nanmean(np.stack([xy[:, KP["left_wrist"]], xy[:, KP["right_wrist"]]]), axis=0)


def _nan_stat(fn, x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return round(float(fn(x)), 1) if x.size else None


def rep_metrics(rep: Rep, series: KeypointSeries, angles: AngleSeries, concentric_first: bool,
                height_px: float, user_height_m: float | None = None) -> dict:
    """Metrics of one rep (keys with units in their names; None = not measurable)."""
    fps = series.fps
    sl = slice(rep.start, rep.end + 1)
    first_s = (rep.turn - rep.start) / fps
    second_s = (rep.end - rep.turn) / fps
    conc = slice(rep.start, rep.turn + 1) if concentric_first else slice(rep.turn, rep.end + 1)
    m: dict = {
        "duration_s": round((rep.end - rep.start) / fps, 2),
        "concentric_s": round(first_s if concentric_first else second_s, 2),
        "eccentric_s": round(second_s if concentric_first else first_s, 2),
        "complete": rep.complete,
    }
    for name in ROM_ANGLES:
        x = angles[name][sl]
        lo, hi = _nan_stat(np.min, x), _nan_stat(np.max, x)
        m[f"rom_{name}_deg"] = round(hi - lo, 1) if lo is not None and hi is not None else None
    m["min_hip_deg"] = _nan_stat(np.min, angles["hip"][sl])
    m["min_knee_deg"] = _nan_stat(np.min, angles["knee"][sl])
    m["min_elbow_deg"] = _nan_stat(np.min, angles["elbow"][sl])  # bench: bar on the chest
    lock = rep.turn if concentric_first else rep.end
    lock_win = slice(max(0, lock - 2), lock + 3)
    for name in ("hip", "knee", "elbow"):
        m[f"lockout_{name}_deg"] = _nan_stat(np.nanmedian, angles[name][lock_win])
    m.update(_bar_metrics(series, conc, height_px, user_height_m))
    return m


def _bar_metrics(series: KeypointSeries, conc: slice, height_px: float, user_height_m: float | None) -> dict:
    bar = wrist_midpoint(series)[conc]
    ok = np.isfinite(bar).all(axis=1)
    out: dict = {"bar_path_drift_bh": None, "mean_concentric_speed_bh_s": None,
                 "mean_concentric_speed_m_s": None, "speed_is_estimate": True}
    if ok.sum() < 3 or not np.isfinite(height_px) or height_px <= 0:
        return out
    b = bar[ok]
    duration = (np.flatnonzero(ok)[-1] - np.flatnonzero(ok)[0]) / series.fps
    rise = abs(b[-1, 1] - b[0, 1]) / height_px
    out["bar_path_drift_bh"] = round(float(np.ptp(b[:, 0]) / height_px), 3)
    if duration > 0:
        speed = rise / duration
        out["mean_concentric_speed_bh_s"] = round(float(speed), 3)
        if user_height_m:
            out["mean_concentric_speed_m_s"] = round(float(speed * user_height_m), 3)
    return out
