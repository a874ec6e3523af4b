"""Spend pose time where something moves fast: pose every sample while anyone big in the picture moves fast,
every ``slow_step_s`` while everyone moves slowly, and only every ``step_s`` while everyone stands still, with
the skipped samples filled in between their neighbours.

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
- Slow (between the two): while nobody big moved faster than ``fast_bh_s`` body heights per second between
  two poses, the next ``batch`` x ``slow_every`` samples wait and every ``slow_every``-th is posed (one model
  call). If a pose pair among them moved faster, the samples between are posed too (one more call) and the gate
  turns dense; else they are skipped. A steady movement between two poses 1/15 s apart is a straight line:
  interpolation loses only the curvature, at most acceleration x (1/15 s)^2 / 8: < 6 mm at 10 m/s^2.
- Skipped samples are filled by ``fill_skipped``: each person matched (box IoU) between the two posed
  neighbours is interpolated linearly; their movement in between is below ``move_bh`` (still) or
  ``fast_bh_s`` (slow) by construction.

Every threshold has its unit; see ``core.config.AnalysisConfig`` (``still_*``, ``slow_step_s``,
``fast_bh_s``) for the values and their source.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.config import AnalysisConfig
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


DENSE, SLOW, STILL = "dense", "slow", "still"  # the gate's tiers: every sample, every slow_every-th, every step-th


@dataclass
class GateStats:
    """What the gate did on one clip: samples posed / skipped, back-filled after a probe saw movement."""

    posed: int = 0
    skipped: int = 0
    backfilled: int = 0


class MotionGate:
    """Decides which samples to pose (module docstring). ``step``, ``hold`` and ``slow_every`` are in samples of
    the grid, ``fast_move`` in body heights per sample; from seconds and body heights per second by the caller
    (``for_rate``). ``slow_every`` 1 turns the slow tier off (every sample posed while anyone moves)."""

    def __init__(self, step: int, hold: int, move_bh: float, batch: int = 4, slow_every: int = 1,
                 fast_move: float = float("inf")) -> None:
        self.step, self.hold, self.move_bh, self.batch = max(1, step), max(1, hold), float(move_bh), max(1, batch)
        self.slow_every, self.fast_move = max(1, int(slow_every)), float(fast_move)
        self.stats = GateStats()

    @classmethod
    def for_rate(cls, sample_hz: float, step_s: float, hold_s: float, move_bh: float, batch: int = 4,
                 slow_step_s: float = 0.0, fast_bh_s: float = float("inf")):
        """``slow_step_s``: s between poses while everyone moves slower than ``fast_bh_s`` body heights per
        second (0 or one sample: the slow tier is off)."""
        slow = max(1, int(round(slow_step_s * sample_hz)))
        return cls(int(round(step_s * sample_hz)), int(round(hold_s * sample_hz)), move_bh, batch, slow,
                   fast_bh_s / sample_hz if sample_hz > 0 else float("inf"))

    @classmethod
    def for_config(cls, config: AnalysisConfig, sample_hz: float, batch: int = 4):
        """The gate ``config`` asks for (``still_*``, ``slow_step_s``, ``fast_bh_s``) on a ``sample_hz`` grid;
        with ``still_skip`` off, every sample posed."""
        if not config.still_skip:
            return cls(1, 1, 0.0, batch)
        return cls.for_rate(sample_hz, config.still_step_s, config.still_hold_s, config.still_move_bh, batch,
                            config.slow_step_s, config.fast_bh_s)

    def run(self, frames: Iterable[Any], pose: Callable[[list[Any]], list[FramePeople]],
            on_posed: Callable[[Any], None] = lambda f: None) -> Iterator[tuple[Any, FramePeople | None]]:
        """(frame, people) per frame in order; people is None where the sample was skipped. ``pose`` takes a
        list of frames and returns their people; ``on_posed`` is called for each posed frame, in time order
        (observers that follow the picture, e.g. the bar tracker)."""
        self._recent: deque[tuple[int, FramePeople]] = deque()  # (sample number, pose) of the last hold
        self._last: FramePeople | None = None
        self._mode = DENSE
        self._n = 0  # samples seen before the pending ones
        pending: list[Any] = []
        for frame in frames:
            pending.append(frame)
            if len(pending) >= self._wanted():
                yield from self._flush(pending, pose, on_posed)
                pending = []
        if pending:  # the clip's end: what waits is flushed the same way (its last frame posed, so the fill ends)
            yield from self._flush(pending, pose, on_posed)

    def _wanted(self) -> int:
        return {DENSE: self.batch, SLOW: self.batch * self.slow_every, STILL: self.step}[self._mode]

    def _flush(self, pending: list[Any], pose, on_posed) -> Iterator[tuple[Any, FramePeople | None]]:
        first, self._n = self._n, self._n + len(pending)
        if self._mode == DENSE:
            yield from self._posed(first, pending, pose(self._observed(pending, on_posed)))
            self._settle(fast=self._fastest(first, range(len(pending))) > self.fast_move)
            return
        every = self.slow_every if self._mode == SLOW else len(pending)
        keep = [k for k in range(len(pending)) if k % every == every - 1 or k == len(pending) - 1]
        probes = pose([pending[k] for k in keep])
        got = dict(zip(keep, probes, strict=True))
        if self._mode == STILL:
            moved = self._last is None or moved_bh(self._last, probes[-1]) >= self.move_bh
        else:
            moved = self._fastest(first, keep, got) > self.fast_move
        if not moved:  # the skipped samples are filled between their posed neighbours (fill_skipped)
            self._observed([pending[k] for k in keep], on_posed)
            for k, f in enumerate(pending):
                if k in got:
                    yield from self._posed(first + k, [f], [got[k]])
                else:
                    self.stats.skipped += 1
                    yield f, None
            if self._mode == STILL:  # still it stays until a probe sees movement
                self._last = probes[-1]
            else:
                self._settle(fast=False)
            return
        # faster than the tier allows: pose the samples that waited too, and go dense
        rest = [k for k in range(len(pending)) if k not in got]
        self.stats.backfilled += len(rest)
        self._observed(pending, on_posed)
        got.update(zip(rest, pose([pending[k] for k in rest]) if rest else [], strict=True))
        if self._mode == STILL:
            self._recent.clear()
        yield from self._posed(first, pending, [got[k] for k in range(len(pending))])
        self._mode = DENSE

    def _fastest(self, first: int, ks, got: dict[int, FramePeople] | None = None) -> float:
        """Largest movement per sample, in body heights, between consecutive poses of samples ``first + k``
        (``got`` gives them, else the newest poses in ``_recent``), starting from the pose before them."""
        if self.slow_every <= 1:
            return float("inf")
        ks = list(ks)
        if got is None:
            posed = list(self._recent)[-len(ks):]
            prev = list(self._recent)[-len(ks) - 1] if len(self._recent) > len(ks) else None
        else:
            posed = [(first + k, got[k]) for k in ks]
            prev = self._recent[-1] if self._recent else None
        chain = ([prev] if prev is not None else []) + posed
        worst = 0.0
        for (na, a), (nb, b) in zip(chain[:-1], chain[1:], strict=False):
            worst = max(worst, moved_bh(a, b) / max(nb - na, 1))
        return worst

    def _settle(self, fast: bool) -> None:
        """After a flush: still when every pose of the last ``hold`` samples is within ``move_bh`` of the
        newest; else slow when nobody moved faster than ``fast_move`` per sample; else dense."""
        newest_n, self._last = self._recent[-1]
        while self._recent and self._recent[0][0] < newest_n - self.hold:
            self._recent.popleft()
        window = [p for n, p in self._recent if n < newest_n]
        covered = self._recent[0][0] <= newest_n - self.hold if window else False
        if covered and max(moved_bh(p, self._last) for p in window) < self.move_bh:
            self._mode = STILL
        elif self.slow_every > 1 and not fast:
            self._mode = SLOW
        else:
            self._mode = DENSE

    @staticmethod
    def _observed(frames: list[Any], on_posed) -> list[Any]:
        for f in frames:
            on_posed(f)
        return frames

    def _posed(self, first: int, frames: list[Any], people: list[FramePeople]
               ) -> Iterator[tuple[Any, FramePeople]]:
        for k, (f, p) in enumerate(zip(frames, people, strict=True)):
            self.stats.posed += 1
            self._recent.append((first + k, p))
            yield f, p
