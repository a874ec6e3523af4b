"""Annotated key frames and the annotated video of an analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.judgment.reading import read_rep, rep_status
from core.perception.video import VideoSource
from core.pipeline import Analysis
from core.render.annotate import (
    BAD,
    GOOD,
    NEUTRAL,
    blur_face,
    draw_bar_path,
    draw_label,
    draw_skeleton,
    key_frame_samples,
    render_frames,
    write_video,
)
from core.skeleton import LIFT_JOINTS


@dataclass(frozen=True)
class KeyFrame:
    rep: int  # 0-based rep index
    sample: int  # index into the analysed series
    frame_index: int  # source frame number
    time_s: float
    phase: str
    image: np.ndarray  # (H, W, 3) uint8 RGB


def _rep_has_fault(analysis: Analysis, rep: int) -> bool:
    """A standard failed or a fault was called (core.judgment.reading.rep_status): drawn red."""
    return rep < len(analysis.report.reps) and rep_status(read_rep(analysis.report.reps[rep])) == "red"


# Capitals of a key frame's text are this share of the frame's height: ~10 px on a 480 px thumbnail, ~36 px when a
# projector shows the frame 800 px tall (readable on both).
KEY_FRAME_TEXT_SHARE = 0.045
ANGLE_NAMES = ("hip", "knee", "elbow", "shoulder")  # joint angles written on a key frame (the lift's first two)


def _annotator(analysis: Analysis, sample: int, rep: int | None, blur: bool) -> Callable[[np.ndarray], np.ndarray]:
    xyc = analysis.series.xyc[sample]
    color = NEUTRAL if rep is None else (BAD if _rep_has_fault(analysis, rep) else GOOD)
    angles = analysis.angles
    phase = analysis.phases[sample] if sample < len(analysis.phases) else ""
    when = f"{sample / analysis.series.fps:.2f} s"
    lines = [f"Rep {rep + 1}" + (f" {phase}" if phase else "") + f" - {when}" if rep is not None else when]
    joints = LIFT_JOINTS.get(str(analysis.report.lift.get("label")), ("hip", "knee"))
    seen = [f"{name} {angles[name][sample]:.0f}" for name in joints
            if name in ANGLE_NAMES and name in angles.names and np.isfinite(angles[name][sample])][:2]
    if seen:
        lines.append(" ".join(seen) + " deg")

    bar_xy = _bar_path_until(analysis, sample, rep)

    def draw(img: np.ndarray) -> np.ndarray:
        if blur:
            blur_face(img, analysis.raw.xyc[sample])
        draw_skeleton(img, xyc, color)
        if bar_xy is not None:
            draw_bar_path(img, bar_xy)
        return draw_label(img, lines, share=KEY_FRAME_TEXT_SHARE)

    return draw


BAR_TAIL_S = 2.0  # s of bar path drawn between reps


def _bar_path_until(analysis: Analysis, sample: int, rep: int | None) -> np.ndarray | None:
    """The tracked bar path from the rep's start (or the last BAR_TAIL_S) to ``sample``; None without a bar."""
    bar = analysis.bar
    if bar is None or len(bar.xy) != analysis.series.n_frames or not bar.seen.any():
        return None
    if rep is not None and rep < len(analysis.reps):
        start = analysis.reps[rep].start
    else:
        start = max(0, sample - int(BAR_TAIL_S * analysis.series.fps))
    return bar.xy[start:sample + 1]


def key_frames(source: VideoSource, analysis: Analysis, per_rep: int = 10, max_side: int = 480,
               blur_faces: bool = False, samples: dict[int, list[int]] | None = None) -> list[KeyFrame]:
    """``per_rep`` evenly spaced annotated frames of every rep (or the given ``samples`` of each rep index), in
    one decode pass."""
    wanted: dict[int, Callable] = {}
    meta: dict[int, tuple[int, int]] = {}
    fi = analysis.series.frame_index
    for rep in analysis.reps:
        chosen = samples.get(rep.index, []) if samples is not None else key_frame_samples(rep.start, rep.end, per_rep)
        for s in chosen:
            f = int(fi[s])
            wanted[f] = _annotator(analysis, s, rep.index, blur_faces)
            meta[f] = (rep.index, s)
    images = render_frames(source, wanted, max_side)
    out = []
    for f in sorted(images):
        rep, s = meta[f]
        out.append(KeyFrame(rep, s, f, s / analysis.series.fps, str(analysis.phases[s]), images[f]))
    return out


def person_numbers(analysis: Analysis) -> dict[int, int]:
    """track id -> the number (1..n) a person has in the warning, the picker and the boxed frame."""
    ids = [c["track_id"] for c in analysis.report.lifter.get("candidates", [])] or [analysis.lifter_id]
    return {tid: i + 1 for i, tid in enumerate(ids)}


def people_frame(source: VideoSource, analysis: Analysis, max_side: int = 640) -> np.ndarray | None:
    """A frame with every tracked person boxed and numbered, for choosing the lifter."""
    import cv2

    number = person_numbers(analysis)
    tracks = [t for t in analysis.tracks if t.track_id in number]
    counts = np.sum([t.present for t in tracks], axis=0) if tracks else np.zeros(0)
    if counts.size == 0:
        return None
    sample = int(np.argmax(counts))
    f = int(analysis.trace.frame_index[sample])

    def draw(img: np.ndarray) -> np.ndarray:
        for t in tracks:
            box = t.boxes[sample]
            if not np.isfinite(box[0]):
                continue
            color = GOOD if t.track_id == analysis.lifter_id else NEUTRAL
            x0, y0, x1, y1 = (int(v) for v in box)
            th = max(2, img.shape[0] // 240)
            cv2.rectangle(img, (x0, y0), (x1, y1), color, th)
            cv2.putText(img, str(number[t.track_id]), (x0 + 4, y0 + 30 * th // 2), cv2.FONT_HERSHEY_SIMPLEX,
                        0.6 * th, color, th, cv2.LINE_AA)
        return img

    return render_frames(source, {f: draw}, max_side).get(f)


def write_annotated_video(source: VideoSource, analysis: Analysis, out_path: str | Path,
                          blur_faces: bool = False, progress=None) -> Path:
    """The whole clip with the lifter's skeleton, rep number and phase drawn on every analysed frame."""
    by_frame = {int(f): s for s, f in enumerate(analysis.series.frame_index)}
    rep_of = np.full(analysis.series.n_frames, -1)
    for r in analysis.reps:
        rep_of[r.start:r.end + 1] = r.index
    last = {"s": 0}

    def annotate(frame_index: int, img: np.ndarray) -> np.ndarray:
        s = by_frame.get(frame_index, last["s"])
        last["s"] = s
        rep = int(rep_of[s]) if rep_of[s] >= 0 else None
        img = _annotator(analysis, s, rep, blur_faces)(img)
        draw_label_bottom = f"Reps: {sum(1 for r in analysis.reps if r.end <= s)}"
        import cv2

        cv2.putText(img, draw_label_bottom, (10, img.shape[0] - 16), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.6, img.shape[0] / 700), (255, 255, 255), 2, cv2.LINE_AA)
        return img

    info = analysis.trace.info
    return write_video(source, out_path, annotate, info.fps, progress=progress, total=info.frames)
