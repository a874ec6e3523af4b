"""Small annotated JPEG key frames stored with a set, so compare and classroom pages can show the
lifter at a given rep phase without keeping the video."""

from __future__ import annotations

import cv2
import numpy as np

from core.perception.video import VideoSource
from core.pipeline import Analysis
from core.records.compare import KEY_PHASES_PCT, phase_times, rep_window
from core.records.storage import StoredKeyFrame
from core.render.replay import key_frames

JPEG_QUALITY = 75  # OpenCV scale 0-100; ~15-30 kB per 320 px frame, plenty for a thumbnail
STORED_MAX_SIDE = 480  # px, long side of a stored key frame: sharp at a projector's half-screen width


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode the key frame as JPEG")
    return buf.tobytes()


def phase_samples(analysis: Analysis, phases: tuple[float, ...] = KEY_PHASES_PCT) -> dict[int, dict[int, float]]:
    """rep index -> {sample: its % of the rep} for the analysed sample nearest each of ``phases`` (% of the rep
    from rest to rest, ``rep_window``, the same mapping as the compare page's curves)."""
    t = np.asarray(analysis.report.series.get("t", []), dtype=np.float64)
    out: dict[int, dict[int, float]] = {}
    if not len(t):
        return out
    for r in analysis.reps:
        window = rep_window(analysis.report, r.index)
        chosen: dict[int, float] = {}
        for when in phase_times(window, np.asarray(phases, dtype=np.float64)):
            s = int(np.argmin(np.abs(t - when)))
            first = t[s] <= window.turn_s
            span = (window.turn_s - window.start_s) if first else (window.end_s - window.turn_s)
            pct = 50.0 * (t[s] - window.start_s) / span if first else 50.0 + 50.0 * (t[s] - window.turn_s) / span
            chosen[s] = round(float(np.clip(pct if span > 0 else 50.0, 0.0, 100.0)), 1)
        out[r.index] = chosen
    return out


def stored_key_frames(source: VideoSource, analysis: Analysis, max_side: int = STORED_MAX_SIDE,
                      blur_faces: bool = False) -> list[StoredKeyFrame]:
    """Annotated key frames of every rep at ``KEY_PHASES_PCT`` (rest, halfway down, turnaround, ...), as JPEGs
    tagged with their rep phase (%)."""
    chosen = phase_samples(analysis)
    samples = {rep: sorted(s) for rep, s in chosen.items()}
    out = []
    for k in key_frames(source, analysis, max_side=max_side, blur_faces=blur_faces, samples=samples):
        out.append(StoredKeyFrame(k.rep, chosen[k.rep][k.sample], round(k.time_s, 3), k.phase, encode_jpeg(k.image)))
    return out
