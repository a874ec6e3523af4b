"""Pose features that transfer between the simulator, public keypoint data and YOLO output.

Why: the models are trained mostly on simulated and third-party keypoints but run on
YOLO keypoints of phone clips. Raw pixels differ in frame size, distance and facing, so
every input is centred on the hips, scaled by the torso and mirrored so the lifter faces
+x. Confidences differ between pose models, so the third channel is a 0/1 "seen" flag.
"""

from __future__ import annotations

import numpy as np

from core.skeleton import FLIP_PERMUTATION, KP

SEQ_LEN = 200  # samples per sequence (seed S0 design: 200 frames x 51 features)
N_FEATURES = 51  # 17 keypoints x (x, y, seen)
MIN_TORSO = 1e-3  # px; a shorter torso means the pose is degenerate


def _mid(xy: np.ndarray, a: str, b: str) -> np.ndarray:
    """(T, 2) midpoint of two keypoints; NaN-aware (one side seen is enough)."""
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(np.stack([xy[:, KP[a]], xy[:, KP[b]]]), axis=0)


def _nanmedian(x: np.ndarray, default: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else default


def torso_length(xy: np.ndarray) -> float:
    """Median hip-midpoint to shoulder-midpoint distance over the clip, px (NaN if never seen)."""
    d = np.linalg.norm(_mid(xy, "left_shoulder", "right_shoulder") - _mid(xy, "left_hip", "right_hip"), axis=1)
    return _nanmedian(d, np.nan)


def facing_sign(xy: np.ndarray, torso: float) -> float:
    """+1 if the lifter faces +x in the image, -1 if -x.

    Two cues, summed in torso units: the nose ahead of the ears, and the shoulders ahead
    of the hips (true when bending in a deadlift/squat and for the head end on a bench).
    """
    nose = xy[:, KP["nose"], 0] - _mid(xy, "left_ear", "right_ear")[:, 0]
    lean = _mid(xy, "left_shoulder", "right_shoulder")[:, 0] - _mid(xy, "left_hip", "right_hip")[:, 0]
    score = _nanmedian(nose, 0.0) / torso + _nanmedian(lean, 0.0) / torso
    return -1.0 if score < 0 else 1.0


def normalize_pose(xyc: np.ndarray, per_frame_centre: bool = False) -> np.ndarray:
    """(T, 17, 3) px + conf -> (T, 17, 3) torso units, y up, facing +x, third channel = seen (0/1).

    Centre: the clip's median hip midpoint (keeps the up/down motion), or each frame's own hip
    midpoint with ``per_frame_centre`` (posture only). Missing points become 0 with seen = 0.
    """
    xy = np.asarray(xyc[..., :2], np.float64)
    seen = np.isfinite(xy).all(-1) & (np.nan_to_num(xyc[..., 2]) > 0)
    xy = np.where(seen[..., None], xy, np.nan)
    torso = torso_length(xy)
    if not np.isfinite(torso) or torso < MIN_TORSO:
        return np.zeros(xy.shape[:2] + (3,), np.float32)
    hips = _mid(xy, "left_hip", "right_hip")
    centre = hips if per_frame_centre else np.array([_nanmedian(hips[:, 0], 0.0), _nanmedian(hips[:, 1], 0.0)])
    if per_frame_centre:
        centre = np.where(np.isfinite(centre), centre, np.nanmedian(hips, axis=0) if np.isfinite(hips).any() else 0.0)
    out = (xy - (centre[:, None, :] if per_frame_centre else centre)) / torso
    out[..., 1] *= -1.0  # image y grows downward; make y point up
    if facing_sign(xy, torso) < 0:
        out[..., 0] *= -1.0
        out, seen = out[:, FLIP_PERMUTATION], seen[:, FLIP_PERMUTATION]
    out = np.clip(np.nan_to_num(out, nan=0.0), -6.0, 6.0)  # +-6 torsos bounds any real keypoint
    return np.concatenate([out, seen[..., None]], -1).astype(np.float32)


def resample_time(x: np.ndarray, n: int = SEQ_LEN) -> np.ndarray:
    """(T, ...) -> (n, ...) by linear interpolation over normalised time (any T >= 1)."""
    T = x.shape[0]
    if T == 1:
        return np.repeat(x, n, axis=0)
    flat = x.reshape(T, -1)
    src, dst = np.linspace(0, 1, T), np.linspace(0, 1, n)
    out = np.stack([np.interp(dst, src, flat[:, j]) for j in range(flat.shape[1])], 1)
    return out.reshape((n,) + x.shape[1:]).astype(np.float32)


def sequence_features(xyc: np.ndarray, n: int = SEQ_LEN) -> np.ndarray:
    """(T, 17, 3) -> (n, 51): normalised clip or rep, resampled in time.

    The seed kept the first 200 frames; resampling instead keeps the whole movement,
    whatever the clip length and frame rate.
    """
    return resample_time(normalize_pose(xyc), n).reshape(n, N_FEATURES)


def frame_features(xyc: np.ndarray) -> np.ndarray:
    """(T, 17, 3) -> (T, 51): each frame's posture (centred on its own hips)."""
    return normalize_pose(xyc, per_frame_centre=True).reshape(len(xyc), N_FEATURES)
