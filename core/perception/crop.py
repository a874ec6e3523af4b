"""Run pose on a crop around the lifter instead of the whole frame.

Why: on a 2-core CPU the pose network's cost grows with its input pixels,
and the lifter usually fills a fraction of a landscape frame. After a
full-frame look, the next frames are cropped to the lifter's box plus a
margin, so the network sees about half as many pixels in total. A full
frame is looked at again every ``REFRESH_S``, so a walk-in or a wrong first
pick is corrected quickly, and on the very frame where the crop loses the
lifter (nobody in it, or the lifter's score dropping): that frame's result is
the full look's, so a lost crop costs one more pose run, never a sample.

Scale and grid: by default (``crop_imgsz=None``) the backend runs on a window of
its own full-frame input (``predict(..., window=...)``, core.perception.backends.onnx): the
full frame is letterboxed as for a full look and only a region on the network's
32-px stride grid is kept. The network then sees the lifter at exactly the
pixels, scale and grid phase of a full-frame run; only far background is cut.
Why: YOLO-pose is not shift- or scale-invariant at the sub-stride level. The
first version zoomed each crop to 320 px (the lifter got ~20 % more pixels,
the hips moved up to ~12 px, and a front-view deadlift's hip-angle range
shrank below the 35 deg needed to count its three pulls); the second cut the
crop from the decoded frame at the full frame's scale, but each crop still had
its own letterbox offset and resampling phase, so keypoints moved by a pixel or
two and verdicts near a threshold flipped on 4 of 16 clips. A fixed
``crop_imgsz`` (config.pose_crop_imgsz) keeps the zoomed mode as an opt-in.

Per-analysis state (the crop region) lives in :class:`LifterCrop`, one per
``run_pose`` call; the wrapped backend stays stateless and shared.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from core.config import AnalysisConfig
from core.types import FramePeople

logger = logging.getLogger(__name__)

MARGIN = AnalysisConfig().pose_crop_margin  # border around the lifter box, fraction of its long side (defined there)
REFRESH_S = 1.0  # s between full-frame looks, to pick up people entering or a better lifter candidate
SCORE_DROP = 0.15  # lifter's box score falling this far below its last full-frame score triggers a full look
MIN_CROP_PX = 64  # px; a smaller region means the lifter is tiny or lost: look at the whole frame
MAX_WINDOW_SHARE = 0.8  # a window keeping more of the full-frame input than this saves < 20 % of the pose time
# but still changes the network's context (keypoints move): run the full frame instead (e.g. a portrait clip
# the lifter fills; python -m bench.experiments.crop_keypoints)


def lifter_index(people: FramePeople) -> int:
    """The largest person (box area, px^2): the lifter is closest to the camera (core.perception.tracking ranks by
    size)."""
    b = people.boxes
    return int(np.argmax((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])))


def crop_region(box: np.ndarray, width: int, height: int, margin: float = MARGIN) -> tuple[int, int, int, int] | None:
    """Box xyxy px -> padded integer region inside the frame, or None when it is too small."""
    side = float(max(box[2] - box[0], box[3] - box[1]))
    m = margin * side
    x0, y0 = max(0, int(box[0] - m)), max(0, int(box[1] - m))
    x1, y1 = min(width, int(np.ceil(box[2] + m))), min(height, int(np.ceil(box[3] + m)))
    if x1 - x0 < MIN_CROP_PX or y1 - y0 < MIN_CROP_PX:
        return None
    return x0, y0, x1, y1


def shift(people: FramePeople, dx: float, dy: float) -> FramePeople:
    """People found in a crop, moved back to frame pixels."""
    if len(people) == 0:
        return people
    kp = people.keypoints.copy()
    kp[..., 0] += dx
    kp[..., 1] += dy
    return FramePeople(people.boxes + np.array([dx, dy, dx, dy], np.float32), people.scores, kp)


class LifterCrop:
    """Wraps a backend whose ``predict`` takes ``imgsz``; same interface as any PoseBackend."""

    def __init__(self, backend, crop_imgsz: int | None, fps: float, margin: float = MARGIN) -> None:
        self.backend = backend
        self.margin = float(margin)
        self.crop_imgsz = int(crop_imgsz) if crop_imgsz else None  # None: the full frame's scale (no zoom)
        self.refresh_every = max(1, int(round(REFRESH_S * fps)))
        self.name = f"{backend.name}+crop" + (f"@{self.crop_imgsz}" if self.crop_imgsz else "")
        self._region: tuple[int, int, int, int] | None = None
        self._since_full = 0
        self._score = 0.0  # lifter's box score at the last full look
        self.full_frames = 0  # how many frames needed a full look (reported by bench/)
        self.redone = 0  # of those, crop results thrown away because the crop lost the lifter (_lost)

    @property
    def imgsz(self) -> int:
        """The wrapped backend's full-frame input size (PoseBackend shape)."""
        return int(getattr(self.backend, "imgsz", 0))

    def predict(self, frames: Sequence[np.ndarray], imgsz: int | None = None) -> list[FramePeople]:
        """People per frame; ``imgsz`` is accepted for the PoseBackend shape, the crop picks its own sizes."""
        out: list[FramePeople] = []
        i = 0
        while i < len(frames):
            if self._region is None or self._since_full >= self.refresh_every:
                out.append(self._full(frames[i]))
                i += 1
                continue
            run = min(len(frames) - i, self.refresh_every - self._since_full)
            out.extend(self._cropped(frames[i:i + run]))
            i += run
        return out

    def _full(self, frame: np.ndarray) -> FramePeople:
        people = self.backend.predict([frame])[0]
        self.full_frames += 1
        self._since_full = 0
        self._follow(people, frame.shape)
        self._score = float(people.scores[lifter_index(people)]) if len(people) else 0.0
        return people

    def _crop_imgsz(self, frame_shape: tuple[int, ...], region: tuple[int, int, int, int]) -> int:
        """Input size for the crop: fixed when configured, else the frame's own scale for the crop's long side."""
        if self.crop_imgsz:
            return self.crop_imgsz
        full = int(getattr(self.backend, "imgsz", max(frame_shape[:2])))
        scale = full / max(frame_shape[:2])  # input px per frame px on a full-frame look
        x0, y0, x1, y1 = region
        return max(32, int(round(max(x1 - x0, y1 - y0) * scale)))

    def _window(self, frame_shape: tuple[int, ...]) -> tuple[tuple[int, int, int, int], float]:
        """The crop region in the backend's full-frame input px, widened to the network's stride grid,
        and the share of the full-frame input it keeps."""
        from core.perception.backends.onnx import STRIDE, letterbox_shape

        h, w = frame_shape[:2]
        scale, pad_h, pad_w = letterbox_shape(h, w, self.imgsz)
        left, top = (pad_w - round(w * scale)) // 2, (pad_h - round(h * scale)) // 2
        x0, y0, x1, y1 = self._region  # type: ignore[misc]
        gx0, gy0 = int((x0 * scale + left) // STRIDE) * STRIDE, int((y0 * scale + top) // STRIDE) * STRIDE
        gx1 = min(pad_w, int(np.ceil((x1 * scale + left) / STRIDE)) * STRIDE)
        gy1 = min(pad_h, int(np.ceil((y1 * scale + top) / STRIDE)) * STRIDE)
        gx0, gy0 = max(0, gx0), max(0, gy0)
        return (gx0, gy0, gx1, gy1), (gx1 - gx0) * (gy1 - gy0) / float(pad_w * pad_h)

    def _cropped(self, frames: Sequence[np.ndarray]) -> list[FramePeople]:
        x0, y0, x1, y1 = self._region  # type: ignore[misc]
        imgsz = self._crop_imgsz(frames[0].shape, self._region)  # type: ignore[arg-type]
        if self.crop_imgsz or not supports_window(self.backend):
            found = self.backend.predict([f[y0:y1, x0:x1] for f in frames], imgsz=imgsz)
            out = [shift(p, x0, y0) for p in found]
        else:  # same pixels and stride grid as a full look (module doc)
            window, share = self._window(frames[0].shape)
            whole = share > MAX_WINDOW_SHARE
            out = self.backend.predict(frames, window=None if whole else window)
            if whole:  # these were full looks already
                self._since_full += len(frames)
                self._follow(out[-1], frames[-1].shape)
                return out
        out = list(out)
        self._since_full += len(frames)
        redone = -1
        for k, people in enumerate(out):
            if self._lost(people):  # look at this same frame whole: a lost crop costs one more look, never a sample
                out[k] = self._full(frames[k])
                self.redone += 1
                redone = k
        if redone >= 0:
            self._since_full = len(frames) - 1 - redone
        if redone < len(frames) - 1:
            self._follow(out[-1], frames[-1].shape)
        return out

    def _lost(self, people: FramePeople) -> bool:
        """Nobody in the crop, or the lifter fading there (occluded, leaving it, a cut-off stranger picked)."""
        return len(people) == 0 or float(people.scores[lifter_index(people)]) < self._score - SCORE_DROP

    def _follow(self, people: FramePeople, shape: tuple[int, ...]) -> None:
        """Re-centre the crop on the lifter just seen; lose it (full look next) when nobody is there."""
        if len(people) == 0:
            self._region = None
            return
        self._region = crop_region(people.boxes[lifter_index(people)], shape[1], shape[0], self.margin)


def supports_window(backend) -> bool:
    """Backends whose predict can run on a stride-aligned window of the full-frame input
    (core.perception.backends.onnx)."""
    import inspect

    try:
        return "window" in inspect.signature(backend.predict).parameters
    except (TypeError, ValueError):
        return False


def supports_crop(backend) -> bool:
    """Only backends whose predict takes an input size can run crops at a smaller size."""
    import inspect

    try:
        return "imgsz" in inspect.signature(backend.predict).parameters
    except (TypeError, ValueError):
        return False
