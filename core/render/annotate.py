"""Draw the analysed skeleton on frames: key-frame replays and the annotated MP4.

Frames are decoded again here (a second streamed pass) rather than kept from
the pose pass, so memory stays bounded by the few key frames requested.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np

from core.perception.video import VideoSource, iter_frames
from core.skeleton import EDGES, KP

logger = logging.getLogger(__name__)

GOOD = (80, 200, 80)  # BGR
BAD = (60, 60, 230)
NEUTRAL = (230, 200, 60)
TEXT = (255, 255, 255)


def draw_skeleton(image: np.ndarray, xyc: np.ndarray, color=NEUTRAL, min_conf: float = 0.0) -> np.ndarray:
    """Draw bones and joints of one (17, 3) pose in place; joints with NaN or low confidence are skipped."""
    scale = max(image.shape[:2]) / 720
    thick = max(1, int(round(3 * scale)))
    ok = np.isfinite(xyc[:, 0]) & np.isfinite(xyc[:, 1]) & (np.nan_to_num(xyc[:, 2]) >= min_conf)
    for a, b in EDGES:
        if ok[a] and ok[b]:
            cv2.line(image, _pt(xyc[a]), _pt(xyc[b]), color, thick, cv2.LINE_AA)
    for k in np.flatnonzero(ok):
        cv2.circle(image, _pt(xyc[k]), thick + 2, (255, 255, 255), -1, cv2.LINE_AA)
    return image


BAR_PATH = (0, 215, 255)  # BGR amber: the tracked barbell path


def draw_bar_path(image: np.ndarray, xy: np.ndarray, color=BAR_PATH) -> np.ndarray:
    """Draw the bar-end path (n, 2) source px in place: a polyline through seen points (broken at
    unseen ones) and a ring at the last seen point (the bar now)."""
    scale = max(image.shape[:2]) / 720
    thick = max(1, int(round(3 * scale)))
    ok = np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1])
    for i in range(1, len(xy)):
        if ok[i] and ok[i - 1]:
            cv2.line(image, _pt(xy[i - 1]), _pt(xy[i]), color, thick, cv2.LINE_AA)
    if len(xy) and ok[-1]:
        cv2.circle(image, _pt(xy[-1]), 3 * thick + 2, color, thick, cv2.LINE_AA)
    return image


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def label_font(shape: tuple[int, ...]) -> tuple[float, int]:
    """(font scale, thickness) of :func:`draw_label` text on an image of this shape."""
    scale = max(shape[:2]) / 900
    return max(0.45, 0.8 * scale), max(1, int(round(2 * scale)))


LABEL_MARGIN_PX = 14  # px the label box takes beyond its text width (10 px left of the text, 4 px right)


def fit_text(text: str, shape: tuple[int, ...], max_lines: int = 3) -> list[str]:
    """``text`` as at most ``max_lines`` label lines that fit the image width, broken between words.

    OpenCV's Hershey fonts draw ASCII only, so dashes and degree signs are spelt out; a text that
    still does not fit ends with "..." after the last whole word that does.
    """
    fs, th = label_font(shape)
    room = shape[1] - LABEL_MARGIN_PX - 6
    plain = text.replace("\u2014", "-").replace("\u2013", "-").replace("\u00b0", " deg").replace("\u2026", "...")
    plain = plain.encode("ascii", "ignore").decode()

    def width(s: str) -> int:
        return cv2.getTextSize(s, cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0]

    lines: list[str] = []
    for word in plain.split():
        if lines and width(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
        elif len(lines) < max_lines and width(word) <= room:
            lines.append(word)
        else:  # out of lines (or one word wider than the picture): end the last line with "..."
            if not lines:
                return []
            while lines[-1] and width(lines[-1] + "...") > room:
                lines[-1] = lines[-1].rsplit(" ", 1)[0] if " " in lines[-1] else ""
            lines[-1] += "..."
            break
    return lines


HERSHEY_CAP_PX = 22  # px height of FONT_HERSHEY_SIMPLEX capitals at font scale 1 (cv2.getTextSize)


def share_font(shape: tuple[int, ...], lines: list[str], share: float) -> tuple[float, int]:
    """(font scale, thickness) whose capitals are ``share`` of the image height, shrunk only as far as the widest
    of ``lines`` needs to fit the image width."""
    fs = share * shape[0] / HERSHEY_CAP_PX
    th = max(1, int(round(1.6 * fs)))
    widest = max((cv2.getTextSize(x, cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0] for x in lines), default=0)
    room = shape[1] - LABEL_MARGIN_PX - 6
    if widest > room:
        fs *= room / widest
        th = max(1, int(round(1.6 * fs)))
    return fs, th


def draw_label(image: np.ndarray, lines: list[str], color=TEXT, share: float | None = None) -> np.ndarray:
    """A readable text box in the top-left corner; with ``share``, capitals ``share`` of the image height
    (``share_font``), else :func:`label_font`'s size."""
    fs, th = share_font(image.shape, lines, share) if share else label_font(image.shape)
    first_h = cv2.getTextSize("Ag", cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][1]
    y = max(int(30 * max(max(image.shape[:2]) / 900, 0.6)), first_h + 10)
    for line in lines:
        (w, h), _ = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, fs, th)
        cv2.rectangle(image, (6, y - h - 6), (14 + w, y + 6), (0, 0, 0), -1)
        cv2.putText(image, line, (10, y), cv2.FONT_HERSHEY_SIMPLEX, fs, color, th, cv2.LINE_AA)
        y += h + max(14, h // 2)
    return image


def blur_face(image: np.ndarray, xyc: np.ndarray) -> np.ndarray:
    """Blur a box around the head keypoints (nose, eyes, ears) in place."""
    head = xyc[[KP["nose"], KP["left_eye"], KP["right_eye"], KP["left_ear"], KP["right_ear"]]]
    head = head[np.isfinite(head[:, 0]) & (np.nan_to_num(head[:, 2]) > 0.2)]
    if len(head) == 0:
        return image
    cx, cy = head[:, 0].mean(), head[:, 1].mean()
    sh = xyc[[KP["left_shoulder"], KP["right_shoulder"]]]
    r = max(20.0, float(np.ptp(head[:, 0])) * 1.6)
    if np.isfinite(sh[:, 1]).any():
        r = max(r, 0.5 * abs(float(np.nanmean(sh[:, 1])) - cy))
    h, w = image.shape[:2]
    x0, x1 = int(max(0, cx - r)), int(min(w, cx + r))
    y0, y1 = int(max(0, cy - r * 1.2)), int(min(h, cy + r))
    if x1 > x0 and y1 > y0:
        k = max(3, (x1 - x0) // 3) | 1
        image[y0:y1, x0:x1] = cv2.GaussianBlur(image[y0:y1, x0:x1], (k, k), 0)
    return image


def key_frame_samples(start: int, end: int, n: int = 10) -> list[int]:
    """``n`` evenly spaced sample indices from start to end inclusive (fewer if the rep is short)."""
    if end < start:
        raise ValueError(f"end {end} before start {start}")
    return sorted(set(np.linspace(start, end, num=n).round().astype(int).tolist()))


def scaled(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    s = max_side / max(image.shape[:2])
    if s >= 1:
        return image, 1.0
    return cv2.resize(image, (int(image.shape[1] * s), int(image.shape[0] * s)), interpolation=cv2.INTER_AREA), s


def render_frames(source: VideoSource, wanted: dict[int, Callable[[np.ndarray], np.ndarray]],
                  max_side: int = 640) -> dict[int, np.ndarray]:
    """Decode once and apply ``wanted[frame_index](bgr)`` to each requested frame; returns RGB images."""
    out: dict[int, np.ndarray] = {}
    if not wanted:
        return out
    last = max(wanted)
    for frame in iter_frames(source):
        if frame.index in wanted:
            img = wanted[frame.index](frame.image.copy())
            img, _ = scaled(img, max_side)
            out[frame.index] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        if frame.index >= last:
            break
    return out


def write_video(source: VideoSource, out_path: str | Path, annotate: Callable[[int, np.ndarray], np.ndarray],
                fps: float, max_side: int = 1280, progress: Callable[[float, str], None] | None = None,
                total: int = 0) -> Path:
    """Re-encode the clip as H.264 MP4 with ``annotate(frame_index, bgr)`` applied to each frame."""
    out_path = Path(out_path)
    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    with av.open(str(out_path), mode="w") as container:
        stream = None
        for frame in iter_frames(source):
            img = annotate(frame.index, frame.image.copy())
            img, _ = scaled(img, max_side)
            h, w = img.shape[:2]
            img = img[: h - h % 2, : w - w % 2]
            if stream is None:
                rate = round(fps * 1000) / 1000 if codec == "mpeg4" else int(round(fps))
                stream = container.add_stream(codec, rate=rate)
                stream.width, stream.height = img.shape[1], img.shape[0]
                stream.pix_fmt = "yuv420p"
                if codec == "libx264":
                    stream.options = {"preset": "veryfast", "crf": "23", "movflags": "+faststart"}
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                container.mux(packet)
            if progress and total and frame.index % 15 == 0:
                progress(min(0.99, frame.index / total), "Drawing the skeleton on every frame")
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    return out_path
