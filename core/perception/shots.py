"""Scene cuts (the lifter is followed across them by :func:`core.judgment.lifter.lifter_across_shots`).

Two signals, united in :func:`cuts_for`: the whole picture changes sharply between two samples
(:class:`SceneObserver`, a frame observer of the pose pass, scored by :func:`scene_cuts`), or the people do
(:func:`detect_cuts`).

An edited clip (a reel, a set filmed from two positions) changes the whole picture at a cut. The pose pass
does not keep pixels, but a cut shows in what it saw: from one sample to the next, no person box overlaps
any box of the previous sample, for the biggest people on both sides. A pan or a moving lifter keeps
overlapping boxes between consecutive samples; a cut does not.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from core.perception.tracking import box_iou
from core.types import FramePeople

CUT_MAX_IOU = 0.1  # the largest person on each side of a cut overlaps nobody on the other side more than this
CUT_LOOKBACK_S = 0.25  # s; a sample with nobody in it is bridged to the last one with people within this
MIN_SHOT_S = 0.3  # s; both sides of a cut must hold still this long (the same person box in most samples)
SOLID_SCORE = 0.4  # detector confidence of a person box that can mark a shot (flickering weak boxes cannot)
SOLID_HEIGHT = 0.15  # ... and its longer side over the frame's longer side
SAME_BOX_IOU = 0.3  # a box "persists" into a sample that has a box overlapping it this much


def _solid(frame: FramePeople, size: float) -> np.ndarray:
    """Boxes of confident, not tiny people (n, 4) float64."""
    if len(frame) == 0:
        return np.zeros((0, 4))
    b = frame.boxes.astype(np.float64)
    side = np.fmax(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    return b[(frame.scores >= SOLID_SCORE) & (side >= SOLID_HEIGHT * size)]


def _persists(box: np.ndarray, solid: list[np.ndarray], idx: range) -> bool:
    hits = [len(solid[i]) > 0 and box_iou(box[None], solid[i]).max() >= SAME_BOX_IOU for i in idx]
    return bool(hits) and np.mean(hits) >= 0.5


def _largest(boxes: np.ndarray) -> np.ndarray:
    return boxes[int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))]


def detect_cuts(people: list[FramePeople] | tuple[FramePeople, ...], fps: float,
                size: tuple[int, int] | None = None) -> list[int]:
    """Sample indices where a new shot starts (empty for a single shot). ``size``: frame (width, height)."""
    n = len(people)
    if size is None:
        size = (1, 1)
        boxes = [p.boxes for p in people if len(p)]
        if boxes:
            allb = np.concatenate(boxes)
            size = (float(np.nanmax(allb[:, 2])), float(np.nanmax(allb[:, 3])))
    solid = [_solid(p, max(size)) for p in people]
    look = max(1, int(round(CUT_LOOKBACK_S * fps)))
    hold = max(2, int(round(MIN_SHOT_S * fps)))
    cuts: list[int] = []
    last: int | None = None
    for t in range(n):
        if len(solid[t]) == 0:
            continue
        if last is not None and t - last <= look and (not cuts or t - cuts[-1] >= hold):
            before, after = _largest(solid[last]), _largest(solid[t])
            if (box_iou(before[None], solid[t]).max() < CUT_MAX_IOU
                    and box_iou(after[None], solid[last]).max() < CUT_MAX_IOU
                    and _persists(before, solid, range(max(0, last - hold), last))
                    and _persists(after, solid, range(t + 1, min(n, t + 1 + hold)))):
                cuts.append(t)
        last = t
    return cuts


# --- whole-image change (pixels) -------------------------------------------------------------------------------
THUMB_SIZE = (32, 18)  # px (w, h); the grey thumbnail compared between samples: the whole scene, not its detail


THUMB_PICK = 4  # the thumbnail averages THUMB_PICK x THUMB_PICK pixels picked evenly in each of its cells (a
# quarter of the cost of averaging every pixel of a 480-px frame, bench/accuracy/scene_cuts.py)


def frame_signature(image: np.ndarray) -> np.ndarray:
    """Grey thumbnail (float32, 0-255) of one BGR frame."""
    w, h = THUMB_SIZE
    picked = cv2.resize(image, (w * THUMB_PICK, h * THUMB_PICK), interpolation=cv2.INTER_NEAREST)
    small = cv2.resize(picked, THUMB_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)


CHANGE_GRID = (3, 3)  # regions (rows, columns) of the thumbnail; a cut changes most of them, not one part
FLAT_REGION_STD = 2.0  # grey levels (std); a region this flat in both thumbnails shows nothing (letterbox bars, black)


def signature_change(a: np.ndarray, b: np.ndarray) -> float:
    """How much the *whole* picture changed between two thumbnails, in grey levels (0-255): the median over
    a 3x3 grid of regions of each region's mean absolute grey difference, over the regions that show
    something (a flat region in both thumbnails, such as the black side bars of a portrait clip, is left
    out). A cut changes most regions; one part of the picture changing at once (a light or a screen in one
    corner, one panel of a stacked video going black) leaves the median low."""
    d = np.abs(a - b)
    changes = [float(d[c].mean()) for c in _cells(d.shape) if max(a[c].std(), b[c].std()) >= FLAT_REGION_STD]
    return float(np.median(changes)) if changes else 0.0


@functools.lru_cache(maxsize=8)
def _cells(shape: tuple[int, int]) -> tuple[tuple[slice, slice], ...]:
    """The CHANGE_GRID regions of a thumbnail of ``shape`` as (row, column) slices (edges as np.array_split)."""
    r = np.cumsum([0] + [len(p) for p in np.array_split(np.arange(shape[0]), CHANGE_GRID[0])])
    c = np.cumsum([0] + [len(p) for p in np.array_split(np.arange(shape[1]), CHANGE_GRID[1])])
    return tuple((slice(r[i], r[i + 1]), slice(c[j], c[j + 1]))
                 for i in range(CHANGE_GRID[0]) for j in range(CHANGE_GRID[1]))


class SceneObserver:
    """Frame observer of the pose pass (core.pipeline.FrameObserver): per sample, how much the whole picture
    changed since the previous sample (``signature_change``; the first sample 0). ~0.3 ms a frame (thumbnail
    and 3x3 region median), against 20-30 ms of pose."""

    every_sample = True  # one change per sample of the trace, posed or interpolated (core.pipeline.run_pose)

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self.change: list[float] = []

    def observe(self, frame_index: int, time_s: float, image: np.ndarray, scale: float) -> None:
        sig = frame_signature(image)
        self.change.append(signature_change(self._prev, sig) if self._prev is not None else 0.0)
        self._prev = sig

    def finish(self) -> np.ndarray:
        return np.asarray(self.change, dtype=np.float32)


CUT_MIN_CHANGE = 8.0  # grey levels (0-255), median region change of the 32x18 thumbnail (signature_change): a cut
# changes the picture at least this much from one sample to the next. Source: bench/accuracy/scene_cuts.py, 93 real
# clips (bench/results/scene_cuts.md): cuts seen in the frames 11-118; a lifter moving or a steady camera < 8; pans
# reach 29 but fail CUT_PEAK_RATIO.
CUT_PEAK_RATIO = 4.0  # a cut's change is this many times every other change within CUT_PEAK_S. Same source: cuts
# 5-118; pans, a camera whip, a lifter walking past the lens change the picture over several samples: <= 1.6.
CUT_PEAK_S = 0.2  # s either side of the sample


def scene_cuts(change: np.ndarray | None, times: np.ndarray) -> list[int]:
    """Sample indices where the whole picture changes at once: ``change[i]`` (grey thumbnail change from sample
    i-1 to i, :func:`signature_change`) is at least CUT_MIN_CHANGE and CUT_PEAK_RATIO times every other change
    within CUT_PEAK_S. Shots shorter than MIN_SHOT_S do not start a new cut (the first of a burst is kept)."""
    if change is None:
        return []
    change = np.nan_to_num(np.asarray(change, float), nan=0.0)
    times = np.asarray(times, float)
    cuts: list[int] = []
    for i in np.flatnonzero(change >= CUT_MIN_CHANGE):
        if i == 0:
            continue
        near = (np.abs(times - times[i]) <= CUT_PEAK_S)
        near[[0, i]] = False
        if near.any() and change[i] < CUT_PEAK_RATIO * change[near].max():
            continue
        if cuts and times[i] - times[cuts[-1]] < MIN_SHOT_S:
            continue
        cuts.append(int(i))
    return cuts


def cuts_for(trace) -> list[int]:
    """Scene cuts of a pose trace (core.pipeline.PoseTrace): the pixel cuts (``trace.scene_change``, where the
    pose pass kept it) united with the pose cuts (:func:`detect_cuts`); a cut within MIN_SHOT_S of an earlier
    one is the same cut, and one within MIN_SHOT_S of the clip's start or end is none."""
    info = trace.info
    change = getattr(trace, "scene_change", None)
    if change is not None and len(change) != len(trace.times):  # not this trace's samples: not usable
        change = None
    merged = sorted(set(detect_cuts(trace.people, trace.fps, (info.width, info.height)))
                    | set(scene_cuts(change, trace.times)))
    t = np.asarray(trace.times, float)
    out: list[int] = []
    for c in merged:
        if t[c] - t[0] < MIN_SHOT_S or t[-1] - t[c] < MIN_SHOT_S:
            continue  # a flash of another shot at the very start or end (an intro frame, a black last frame):
            # nothing can be counted in it, and cutting there only shortens the lift's own shot
        if not out or t[c] - t[out[-1]] >= MIN_SHOT_S:
            out.append(c)
    return out
