"""Small annotated JPEG key frames stored with a set, so compare and classroom pages can show the
lifter at a given rep phase without keeping the video."""

from __future__ import annotations

import cv2
import numpy as np

from core.perception.video import VideoSource
from core.pipeline import Analysis
from core.records.storage import StoredKeyFrame
from core.replay import key_frames

JPEG_QUALITY = 75  # OpenCV scale 0-100; ~15-30 kB per 320 px frame, plenty for a thumbnail
STORED_MAX_SIDE = 360  # px, long side of a stored key frame
STORED_PER_REP = 6  # frames per rep: 0, 20, 40, 60, 80, 100 % of the rep when evenly spaced


def phase_pct(sample: int, start: int, turn: int, end: int) -> float:
    """% of the rep at ``sample``: start 0, turnaround 50, end 100 (same mapping as core.records.compare)."""
    if sample <= turn:
        return 50.0 * (sample - start) / max(turn - start, 1)
    return 50.0 + 50.0 * (sample - turn) / max(end - turn, 1)


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the key frame as JPEG")
    return buf.tobytes()


def stored_key_frames(source: VideoSource, analysis: Analysis, per_rep: int = STORED_PER_REP,
                      max_side: int = STORED_MAX_SIDE, blur_faces: bool = False) -> list[StoredKeyFrame]:
    """Annotated key frames of every rep, as JPEGs tagged with their rep phase (%)."""
    reps = {r.index: r for r in analysis.reps}
    out = []
    for k in key_frames(source, analysis, per_rep=per_rep, max_side=max_side, blur_faces=blur_faces):
        r = reps[k.rep]
        out.append(StoredKeyFrame(k.rep, round(phase_pct(k.sample, r.start, r.turn, r.end), 1),
                                  round(k.time_s, 3), k.phase, encode_jpeg(k.image)))
    return out
