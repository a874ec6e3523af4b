"""Spend pose time where something moves: pose every sample while anyone big in the picture moves, and only
every ``step_s`` while everyone stands still, with the skipped samples filled in between their neighbours.

Why: in a real set the lifter stands still for a large share of the clip (set-up, lockout, between reps, before
and after the set), and pose is ~90 % of the analysis time. Pose on a still person gives the same keypoints
frame after frame, so those frames can be interpolated instead of posed.

How (``MotionGate``, used by ``core.pipeline.run_pose`` and by ``bench/experiments/still_skip.py`` on cached traces):

- Dense: every sample (the ``max_sample_hz`` grid) is posed, in batches. Once no big person has moved more
  than ``move_bh`` body heights between the newest pose and any pose of the last ``hold_s``, the gate turns
  sparse.
- Sparse: the frames of the next ``step_s`` wait in a small buffer (at most ``step_s`` of decoded frames)
  and only the last of them is posed (the probe). If nobody moved more than ``move_bh`` since the previous
  pose, the waiting frames are skipped; otherwise they are posed too (so the start of a movement is never
  lost) and the gate turns dense.
- Skipped samples are filled by ``fill_skipped``: each person matched (box IoU) between the two posed
  neighbours is interpolated linearly; their movement in between is below ``move_bh`` by construction.

Every threshold has its unit; see ``core.config.AnalysisConfig`` (``still_*``) for the values and their source.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.perception.tracking import box_iou
from core.skeleton import N_KEYPOINTS
from core.types import FramePeople

BIG_PERSON = 0.5  # a person counts when their box is at least this share of the tallest box's height
# (background people far behind the lifter do not keep pose running); the lifter is nearly always the tallest
MATCH_IOU = 0.3  # box IoU above which two poses are the same person
KP_CONF = 0.5  # keypoints at or above this confidence in both poses are compared
MIN_KP = 4  # fewer shared confident keypoints: compare the boxes' corners instead
MOVE_QUANTILE = 75  # percentile of the per-keypoint displacement that stands for the person's movement


def _match(a: FramePeople, b: FramePeople) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (i in a, j in b) by box IoU >= MATCH_IOU, best first."""
    if not len(a.boxes) or not len(b.boxes):
        return []
    iou = box_iou(np.asarray(a.boxes, float), np.asarray(b.boxes, float))
    pairs = []
    for flat in np.argsort(-iou, axis=None):
        i, j = np.unravel_index(flat, iou.shape)
        if iou[i, j] < MATCH_IOU:
            break
        if all(i != p and j != q for p, q in pairs):
            pairs.append((int(i), int(j)))
    return pairs


def _big(p: FramePeople, tallest: float) -> np.ndarray:
    h = np.asarray(p.boxes[:, 3] - p.boxes[:, 1], float) if len(p.boxes) else np.zeros(0)
    return h >= BIG_PERSON * tallest


def moved_bh(a: FramePeople, b: FramePeople) -> float:
    """How far the big people moved from pose ``a`` to pose ``b``, in body heights (their box height): the
    largest over people of the MOVE_QUANTILE-th percentile of their confident keypoints' displacement. A big
    person found in one pose only, or nobody in either, counts as infinite movement (someone came, went or
    jumped, or pose is still looking for them)."""
    if not len(a.boxes) or not len(b.boxes):  # nobody seen: pose keeps looking (a fleeting detection matters)
        return float("inf")
    heights = [float(np.max(p.boxes[:, 3] - p.boxes[:, 1])) for p in (a, b)]
    tallest = max(heights)
    big_a, big_b = _big(a, tallest), _big(b, tallest)
    pairs = _match(a, b)
    if (set(np.flatnonzero(big_a)) - {i for i, _ in pairs}) or (set(np.flatnonzero(big_b)) - {j for _, j in pairs}):
        return float("inf")
    worst = 0.0
    for i, j in pairs:
        if not (big_a[i] or big_b[j]):
            continue
        h = max(float(b.boxes[j, 3] - b.boxes[j, 1]), 1.0)
        ka, kb = a.keypoints[i], b.keypoints[j]
        ok = (ka[:, 2] >= KP_CONF) & (kb[:, 2] >= KP_CONF)
        if ok.sum() >= MIN_KP:
            d = np.hypot(*(kb[ok, :2] - ka[ok, :2]).T)
        else:
            d = np.abs(np.asarray(b.boxes[j], float) - np.asarray(a.boxes[i], float))
        worst = max(worst, float(np.percentile(d, MOVE_QUANTILE)) / h)
    return worst


def _lerp(a: FramePeople, b: FramePeople, w: float) -> FramePeople:
    """People between pose ``a`` (w=0) and ``b`` (w=1): matched people interpolated, the others taken from
    the nearer pose."""
    pairs = _match(a, b)
    boxes, scores, kps = [], [], []
    for i, j in pairs:
        boxes.append((1 - w) * a.boxes[i] + w * b.boxes[j])
        scores.append(min(a.scores[i], b.scores[j]))
        k = (1 - w) * a.keypoints[i] + w * b.keypoints[j]
        k[:, 2] = np.minimum(a.keypoints[i, :, 2], b.keypoints[j, :, 2])
        kps.append(k)
    near, taken = (a, {i for i, _ in pairs}) if w < 0.5 else (b, {j for _, j in pairs})
    for n in range(len(near.boxes)):
        if n not in taken:
            boxes.append(near.boxes[n])
            scores.append(near.scores[n])
            kps.append(near.keypoints[n])
    if not boxes:
        return FramePeople.empty()
    return FramePeople(np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float32),
                       np.asarray(kps, np.float32).reshape(-1, N_KEYPOINTS, 3))


def fill_skipped(people: Sequence[FramePeople | None], times: Sequence[float]) -> list[FramePeople]:
    """``people`` with every None (a skipped sample) replaced by the interpolation, in time, between the
    posed samples on either side (the nearer one alone at the ends)."""
    out = list(people)
    posed = [i for i, p in enumerate(out) if p is not None]
    if not posed:
        return [FramePeople.empty() for _ in out]
    for k in range(len(out)):
        if out[k] is not None:
            continue
        j = bisect.bisect(posed, k)  # posed[j - 1] < k < posed[j]: the neighbours, without a scan per sample
        before = posed[j - 1] if j > 0 else None
        after = posed[j] if j < len(posed) else None
        if before is None or after is None:
            out[k] = people[after if before is None else before]
            continue
        span = times[after] - times[before]
        w = (times[k] - times[before]) / span if span > 0 else 0.5
        out[k] = _lerp(people[before], people[after], float(w))
    return out


@dataclass
class GateStats:
    """What the gate did on one clip: samples posed / skipped, back-filled after a probe saw movement."""

    posed: int = 0
    skipped: int = 0
    backfilled: int = 0


class MotionGate:
    """Decides which samples to pose (module docstring). ``step`` and ``hold`` are in samples of the grid,
    from seconds by the caller (``for_rate``)."""

    def __init__(self, step: int, hold: int, move_bh: float, batch: int = 4) -> None:
        self.step, self.hold, self.move_bh, self.batch = max(1, step), max(1, hold), float(move_bh), max(1, batch)
        self.stats = GateStats()

    @classmethod
    def for_rate(cls, sample_hz: float, step_s: float, hold_s: float, move_bh: float, batch: int = 4):
        return cls(int(round(step_s * sample_hz)), int(round(hold_s * sample_hz)), move_bh, batch)

    def run(self, frames: Iterable[Any], pose: Callable[[list[Any]], list[FramePeople]],
            on_posed: Callable[[Any], None] = lambda f: None) -> Iterator[tuple[Any, FramePeople | None]]:
        """(frame, people) per frame in order; people is None where the sample was skipped. ``pose`` takes a
        list of frames and returns their people; ``on_posed`` is called for each posed frame, in time order,
        before its pose (observers that follow the picture, e.g. the bar tracker)."""
        self._recent: deque[FramePeople] = deque(maxlen=self.hold + 1)  # the last poses of a dense run
        self._last: FramePeople | None = None
        self._dense = True
        pending: list[Any] = []
        for frame in frames:
            pending.append(frame)
            if len(pending) >= (self.batch if self._dense else self.step):
                yield from self._flush(pending, pose, on_posed)
                pending = []
        if pending:  # the clip's end: what waits is flushed the same way (its last frame posed, so the fill ends)
            yield from self._flush(pending, pose, on_posed)

    def _flush(self, pending: list[Any], pose, on_posed) -> Iterator[tuple[Any, FramePeople | None]]:
        if self._dense:
            yield from self._posed(pending, pose(self._observed(pending, on_posed)))
            self._last = self._recent[-1]
            window = list(self._recent)[:-1]
            if len(window) >= self.hold and max(moved_bh(p, self._last) for p in window) < self.move_bh:
                self._dense = False
            return
        probe = pose([pending[-1]])[0]
        if self._last is not None and moved_bh(self._last, probe) < self.move_bh:
            for f in pending[:-1]:
                self.stats.skipped += 1
                yield f, None
            self._observed(pending[-1:], on_posed)
            self.stats.posed += 1
            self._last = probe
            yield pending[-1], probe
            return
        # something moved since the last pose: pose the frames that waited too, and go dense
        self.stats.backfilled += len(pending) - 1
        self._observed(pending, on_posed)
        back = pose(pending[:-1]) if len(pending) > 1 else []
        self._recent.clear()
        yield from self._posed(pending, [*back, probe])
        self._last = probe
        self._dense = True

    @staticmethod
    def _observed(frames: list[Any], on_posed) -> list[Any]:
        for f in frames:
            on_posed(f)
        return frames

    def _posed(self, frames: list[Any], people: list[FramePeople]) -> Iterator[tuple[Any, FramePeople]]:
        for f, p in zip(frames, people, strict=True):
            self.stats.posed += 1
            self._recent.append(p)
            yield f, p
