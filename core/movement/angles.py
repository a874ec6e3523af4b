"""Joint and segment angles from the one table in :mod:`core.skeleton`.

One vectorised function computes every row; adding an angle means adding a
row to ``ANGLE_DEFS``. In side views the far side of the body is guessed by
the pose model, so each angle is read from the better-seen side; when both
sides are seen equally (front views) they are averaged.
"""

from __future__ import annotations

import numpy as np

from core.skeleton import ANGLE_DEFS, AngleDef, side_index
from core.types import AngleSeries, KeypointSeries

SIDE_CONF_MARGIN = 0.08  # mean-confidence gap that makes one side "the visible side"


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle ABC in degrees, [0, 180]; inputs (..., 2); NaN propagates."""
    u = a - b
    v = c - b
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = (u * v).sum(-1)
    with np.errstate(invalid="ignore"):
        ang = np.degrees(np.arctan2(np.abs(cross), dot))
    degenerate = (np.hypot(*np.moveaxis(u, -1, 0)) < 1e-9) | (np.hypot(*np.moveaxis(v, -1, 0)) < 1e-9)
    return np.where(degenerate, np.nan, ang)


def angle_from_vertical(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of segment a->b from straight up in image coordinates (y grows down), [0, 180]."""
    d = b - a
    with np.errstate(invalid="ignore"):
        ang = np.degrees(np.arctan2(np.abs(d[..., 0]), -d[..., 1]))
    return np.where(np.hypot(d[..., 0], d[..., 1]) < 1e-9, np.nan, ang)


def _one_side(xy: np.ndarray, row: AngleDef, side: str) -> np.ndarray:
    a = xy[:, side_index(row.a, side)]
    b = xy[:, side_index(row.b, side)]
    if row.kind == "joint":
        return joint_angle(a, b, xy[:, side_index(row.c, side)])
    if row.kind == "vertical":
        return angle_from_vertical(a, b)
    raise ValueError(f"unknown angle kind {row.kind!r}; allowed: ['joint', 'vertical']")


def _side_conf(conf: np.ndarray, row: AngleDef, side: str) -> float:
    names = [row.a, row.b] + ([row.c] if row.c else [])
    with np.errstate(all="ignore"):
        v = np.nanmean(conf[:, [side_index(n, side) for n in names]])
    return float(np.nan_to_num(v))


def compute_joint_angles(series: KeypointSeries, defs: tuple[AngleDef, ...] = ANGLE_DEFS) -> AngleSeries:
    """All angles of ``defs`` for the series, plus ``left_*``/``right_*`` columns of the sided ones.

    Output columns: the combined angle per row (better-seen side, or the mean
    of both when neither is clearly better), then each side separately.
    """
    xy = series.xy.astype(np.float64)
    conf = series.conf
    names: list[str] = []
    sides: list[str] = []
    cols: list[np.ndarray] = []
    per_side: list[tuple[str, np.ndarray]] = []
    for row in defs:
        left, right = _one_side(xy, row, "left"), _one_side(xy, row, "right")
        cl, cr = _side_conf(conf, row, "left"), _side_conf(conf, row, "right")
        if abs(cl - cr) >= SIDE_CONF_MARGIN:
            best, other, side = (left, right, "left") if cl > cr else (right, left, "right")
            combined = np.where(np.isfinite(best), best, other)
        else:
            with np.errstate(all="ignore"):
                combined = np.nanmean(np.stack([left, right]), axis=0)
            side = "both"
        names.append(row.name)
        sides.append(side)
        cols.append(combined)
        per_side += [(f"left_{row.name}", left), (f"right_{row.name}", right)]
    for name, col in per_side:
        names.append(name)
        sides.append(name.split("_", 1)[0])
        cols.append(col)
    values = np.stack(cols, axis=1) if cols else np.zeros((series.n_frames, 0))
    return AngleSeries(tuple(names), values, series.fps, tuple(sides))
