"""Measurements from the tracked bar: the ruler (plate or lifter height), per-rep speed, ROM, drift.

All per-rep values are in SI units (m/s, cm); None when unknown. The ruler is the plate's apparent
diameter (a standard plate is 450 mm across; ``AnalysisConfig.bar_plate_diameter_m`` for smaller
ones), else the lifter's stated height over their height in px, else there is no ruler and only the
pixel path is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.perception.bar.types import BarTrack

SMOOTH_HZ = 6.0  # Hz; low-pass of the bar path before differentiating (Winter 2009: human lifts < 3 Hz)
MOVING_SHARE = 0.1  # of the rep's peak speed: the concentric starts/ends where the bar speed crosses it
MIN_SEEN_SHARE = 0.6  # share of a phase's frames in which the bar must be seen to measure it
OFF_FLOOR_CM = 2.0  # cm above its lowest point where the bar counts as off the floor (deadlift)
FRONT_NOTE = ("Front view: the camera sees no depth, so the bar speed is an estimate; film side-on "
              "for a measured speed.")
HEIGHT_NOTE = ("No plate was measured: the scale comes from your height, so speeds are estimates "
               "(about ±10 %).")
# The plate is the lifter's ruler only when its size fits the lifter's: a 450 mm plate beside a 1.5-2.0 m lifter
# spans 0.22-0.30 of their stature in px (core.movement.metrics.body_height_px), widened for perspective (the near
# plate up to ~1.5x closer than the body's plane, the far one farther) and for the stature read from foreshortened
# segments (up to ~25 % short). Outside it the box is another plate (one stacked near the camera, a bar on a
# rack) or a hub ring. On the 72 single-camera development clips with a chosen plate the ratio spans 0.16-0.54
# (none outside), so this guards unseen footage and changes no development clip (docs/decisions.md).
PLATE_TO_STATURE = (0.15, 0.6)
# The plate is a sure ruler only when most of its measured sizes agree (BarTrack.plate_support): where under this
# share agree, the sizes fall in several circles (the rim, an inner ring the rim fit caught, a second plate) and the
# circle chosen can flip with the picture's quality. On the 72 development clips measured both as uploads and as
# live recordings (<= 640 px, re-encoded), the two rulers differed by >= 5 % on 17 clips, 11 of them under this
# support in the upload; 9 of the 50 clips whose rulers agreed within 2 % were under it too (docs/decisions.md,
# 2026-12-06 plate ruler in doubt). "Most" is the rule, not a fit: 0.5 flags 10 of 17 and 4 of 50, 0.7 13 and 15
PLATE_SUPPORT_MIN = 0.6
PLATE_UNSURE_NOTE = ("The plate's size was read more than one way (its rim, an inner ring or another plate), so "
                     "speeds and distances may be off by 10 % or more.")
HEIGHT_INSTEAD_NOTE = "The scale comes from your height instead, so speeds are estimates (about ±10 %)."
PLATE_MISMATCH_NOTE = ("The plate seen is not the size of the lifter's plate (another plate nearer the camera?), so "
                       "it is not used as the ruler.")


def plate_fits_lifter(plate_px: float | None, stature_px: float | None) -> bool:
    """True when the plate's apparent diameter is a plausible 450 mm plate beside this lifter (PLATE_TO_STATURE);
    True too without a stature to check against (the plate is then the only ruler there is)."""
    if not plate_px or not np.isfinite(plate_px) or plate_px <= 0:
        return False
    if stature_px is None or not np.isfinite(stature_px) or stature_px <= 0:
        return True
    lo, hi = PLATE_TO_STATURE
    return lo <= plate_px / stature_px <= hi


@dataclass(frozen=True)
class Scale:
    ruler: str | None  # "plate", "height" or None
    m_per_px: float | None
    estimate_note: str | None

    def to_dict(self) -> dict:
        return {"ruler": self.ruler, "m_per_px": None if self.m_per_px is None else float(f"{self.m_per_px:.6g}"),
                "estimate_note": self.estimate_note}


def choose_scale(plate_px: float | None, plate_m: float, height_px: float, user_height_m: float | None,
                 view: str | None, plate_support: float | None = None) -> Scale:
    """Plate first (when it fits the lifter), the user's height second, else none; with a note when the speed is
    an estimate, the plate's size is in doubt (``plate_support`` under PLATE_SUPPORT_MIN) or the plate was set
    aside."""
    notes = []
    plate = bool(plate_px and plate_px > 0 and plate_m > 0)
    mismatch = plate and not plate_fits_lifter(plate_px, height_px)
    if mismatch:
        notes.append(PLATE_MISMATCH_NOTE)
    if plate and not mismatch:
        ruler, mpp = "plate", plate_m / plate_px
        if plate_support is not None and plate_support < PLATE_SUPPORT_MIN:
            notes.append(PLATE_UNSURE_NOTE)
    elif user_height_m and np.isfinite(height_px) and height_px > 0:
        ruler, mpp = "height", user_height_m / height_px
        notes.append(HEIGHT_INSTEAD_NOTE if mismatch else HEIGHT_NOTE)
    else:
        ruler, mpp = None, None
    if view == "front" and ruler is not None:
        notes.append(FRONT_NOTE)
    return Scale(ruler, mpp, " ".join(notes) or None)


def smooth_path(xy: np.ndarray, fps: float, cutoff_hz: float = SMOOTH_HZ) -> np.ndarray:
    """Zero-phase low-pass of each contiguous seen stretch (NaN gaps stay NaN)."""
    from scipy.signal import butter, sosfiltfilt

    out = xy.astype(np.float64).copy()
    if fps <= 2 * cutoff_hz:
        return out
    sos = butter(2, cutoff_hz / (fps / 2), output="sos")
    seen = np.isfinite(xy[:, 0]).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], seen, [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a > 12:  # sosfiltfilt's default padding needs ~3x the filter order per side
            out[a:b] = sosfiltfilt(sos, out[a:b], axis=0)
    return out


def on_grid(bar: BarTrack, n: int, fps: float) -> np.ndarray:
    """Bar xy on the analysis grid (sample i at i / fps from the first frame); NaN where not seen."""
    if len(bar.times) == n:
        return bar.xy.astype(np.float64)
    t = bar.times - bar.times[0]
    grid = np.arange(n) / fps
    idx = np.clip(np.searchsorted(t, grid), 1, max(1, len(t) - 1))
    out = np.full((n, 2), np.nan)
    if len(t) < 2:
        return out
    lo, hi = idx - 1, idx
    w = np.clip((grid - t[lo]) / np.maximum(t[hi] - t[lo], 1e-9), 0, 1)
    out = bar.xy[lo] + w[:, None] * (bar.xy[hi] - bar.xy[lo])  # NaN if either neighbour is unseen
    return out


def _concentric_window(vy: np.ndarray) -> tuple[int, int] | None:
    """First..last sample where the upward speed exceeds MOVING_SHARE of its peak (bar moving)."""
    ok = np.isfinite(vy)
    if ok.sum() < 3:
        return None
    peak = np.nanmax(vy)
    if not np.isfinite(peak) or peak <= 0:
        return None
    moving = np.flatnonzero(ok & (vy >= MOVING_SHARE * peak))
    return int(moving[0]), int(moving[-1])


def rep_bar_metrics(xy: np.ndarray, fps: float, start: int, turn: int, end: int, concentric_first: bool,
                    m_per_px: float | None, body: np.ndarray | None = None) -> dict:
    """Bar speed, ROM, drift (and bar-to-body distance for pulls) of one rep, from a smoothed path.

    ``xy`` is the whole clip's smoothed bar path in px on the analysis grid; ``body`` (T, 2, 2) optional
    shin and thigh line points for the bar-to-body distance (see :func:`body_lines`).
    """
    out = {"bar_mean_velocity_m_s": None, "bar_peak_velocity_m_s": None, "bar_rom_cm": None,
           "bar_drift_cm": None, "bar_body_distance_cm": None, "bar_seen_share": 0.0}
    a, b = (start, turn) if concentric_first else (turn, end)
    rep = xy[start:end + 1]
    seen = np.isfinite(rep[:, 0])
    out["bar_seen_share"] = round(float(seen.mean()), 3) if seen.size else 0.0
    conc = xy[a:b + 1]
    if m_per_px is None or conc.shape[0] < 3 or np.isfinite(conc[:, 0]).mean() < MIN_SEEN_SHARE:
        return out
    vy = -np.gradient(conc[:, 1]) * fps * m_per_px  # m/s, up positive (image y points down)
    win = _concentric_window(vy)
    if win is None:
        return out
    i, j = win
    rise = conc[i, 1] - conc[j, 1] if j > i else float("nan")
    # a bar that ends its push no higher than it started was not followed through it; one not seen from the
    # sample before its push to the sample after it, slower then than MOVING_SHARE of its peak (the plate
    # leaving the picture at the top of a squat), has no known start or end: no number either (docs/decisions.md,
    # 2026-12-06: 1 of 105 speeds withheld on the uploads of the 110 single-camera clips)
    followed = (bool(np.isfinite(vy[i:j + 1]).all()) and (i == 0 or bool(np.isfinite(vy[i - 1])))
                and (j == len(vy) - 1 or bool(np.isfinite(vy[j + 1]))))
    if rise > 0 and followed:
        out["bar_mean_velocity_m_s"] = round(float(rise * m_per_px * fps / (j - i)), 3)
    out["bar_peak_velocity_m_s"] = round(float(np.nanmax(vy)), 3)
    if seen.mean() >= MIN_SEEN_SHARE:
        out["bar_rom_cm"] = round(float(np.nanmax(rep[:, 1]) - np.nanmin(rep[:, 1])) * m_per_px * 100, 1)
    out["bar_drift_cm"] = round(float(np.nanmax(conc[:, 0]) - np.nanmin(conc[:, 0])) * m_per_px * 100, 1)
    if body is not None:
        out["bar_body_distance_cm"] = _body_distance_cm(conc, body[a:b + 1], m_per_px)
    return out


def body_lines(keypoints: np.ndarray, min_conf: float = 0.3) -> np.ndarray:
    """(T, 3, 2) hip, knee, ankle xy of the better-seen side (NaN where not confident)."""
    sides = ((11, 13, 15), (12, 14, 16))
    conf = [np.nanmean(keypoints[:, list(s), 2]) for s in sides]
    s = sides[int(np.argmax(conf))]
    pts = keypoints[:, list(s), :2].astype(np.float64).copy()
    pts[keypoints[:, list(s), 2] < min_conf] = np.nan
    return pts


def _body_distance_cm(conc: np.ndarray, body: np.ndarray, m_per_px: float) -> float | None:
    """Largest horizontal distance between the bar and the shin (below the knee) or thigh (above it)
    while the bar is off the floor, in cm: how far the bar drifts away from the legs in a pull."""
    low = np.nanmax(conc[:, 1])  # image y of the bar's lowest point
    dists = []
    for (x, y), (hip, knee, ankle) in zip(conc, body, strict=True):
        if not (np.isfinite(x) and np.isfinite(y)) or (low - y) * m_per_px * 100 < OFF_FLOOR_CM:
            continue
        top, bot = (knee, ankle) if np.isfinite(knee[1]) and y >= knee[1] else (hip, knee)
        if not (np.isfinite(top).all() and np.isfinite(bot).all()) or abs(bot[1] - top[1]) < 1e-6:
            continue
        w = np.clip((y - top[1]) / (bot[1] - top[1]), 0, 1)
        seg_x = top[0] + w * (bot[0] - top[0])
        dists.append(abs(x - seg_x))
    return round(float(max(dists)) * m_per_px * 100, 1) if dists else None


def velocity_loss_pct(mean_velocities: list[float | None]) -> float | None:
    """Velocity loss of the set: (fastest - last) / fastest, in %, from reps with a measured speed."""
    v = [x for x in mean_velocities if x is not None and x > 0]
    if len(v) < 2:
        return None
    return round(100.0 * (max(v) - v[-1]) / max(v), 1)


def measure_set(bar: BarTrack, n: int, fps: float, reps, concentric_first: bool, view: str | None,
                plate_m: float, height_px: float, user_height_m: float | None,
                keypoints: np.ndarray | None = None, lift: str | None = None) -> tuple[dict, list[dict], float | None]:
    """The report's ``bar`` block, per-rep bar metrics (same order as ``reps``) and the set's velocity loss.

    ``n``/``fps``: the analysis grid (KeypointSeries); ``keypoints`` (n, 17, 3) the lifter's on that grid.
    """
    scale = choose_scale(bar.plate_px, plate_m, height_px, user_height_m, view, bar.plate_support)
    xy = smooth_path(on_grid(bar, n, fps), fps)
    body = body_lines(keypoints) if keypoints is not None and lift == "deadlift" else None
    per_rep = [rep_bar_metrics(xy, fps, r.start, r.turn, r.end, concentric_first, scale.m_per_px, body)
               for r in reps]
    block = bar.to_dict()
    block["scale"] = scale.to_dict()
    block["seen_share"] = round(float(bar.seen.mean()), 3) if len(bar.times) else 0.0
    block["detect_runs"] = bar.n_detect
    return block, per_rep, velocity_loss_pct([m["bar_mean_velocity_m_s"] for m in per_rep])
