"""Scene cuts from the pose pass alone, and the lifter followed across them.

An edited clip (a reel, a set filmed from two positions) changes the whole picture at a cut. The pose pass
does not keep pixels, but a cut shows in what it saw: from one sample to the next, no person box overlaps
any box of the previous sample, for the biggest people on both sides. A pan or a moving lifter keeps
overlapping boxes between consecutive samples; a cut does not.
"""

from __future__ import annotations

import numpy as np

from core.tracking import box_iou, lifter_score
from core.types import FramePeople, Track

CUT_MAX_IOU = 0.1  # the largest person on each side of a cut overlaps nobody on the other side more than this
CUT_LOOKBACK_S = 0.25  # s; a sample with nobody in it is bridged to the last one with people within this
MIN_SHOT_S = 0.3  # s; cuts closer together than this are one flicker, not two shots


def _largest(boxes: np.ndarray) -> int:
    return int(np.argmax((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])))


def detect_cuts(people: list[FramePeople] | tuple[FramePeople, ...], fps: float) -> list[int]:
    """Sample indices where a new shot starts (empty for a single shot)."""
    cuts: list[int] = []
    last: int | None = None
    look = max(1, int(round(CUT_LOOKBACK_S * fps)))
    min_gap = max(1, int(round(MIN_SHOT_S * fps)))
    for t, frame in enumerate(people):
        if len(frame) == 0:
            continue
        if last is not None and t - last <= look:
            prev = people[last]
            iou = box_iou(prev.boxes.astype(np.float64), frame.boxes.astype(np.float64))
            if (iou[_largest(prev.boxes)].max() < CUT_MAX_IOU and iou[:, _largest(frame.boxes)].max() < CUT_MAX_IOU
                    and (not cuts or t - cuts[-1] >= min_gap)):
                cuts.append(t)
        last = t
    return cuts


def _masked(track: Track, a: int, b: int) -> Track:
    kp = np.full_like(track.keypoints, np.nan)
    bx = np.full_like(track.boxes, np.nan)
    kp[a:b], bx[a:b] = track.keypoints[a:b], track.boxes[a:b]
    return Track(track.track_id, kp, bx, track.score)


def lifter_across_shots(tracks: list[Track], cuts: list[int], width: int, height: int, fps: float,
                        first: Track) -> Track:
    """One track made of the best-scoring person in each shot (a new shot starts a new tracker id); it keeps
    the id of ``first`` (the clip's top-ranked person). Without cuts, ``first`` itself."""
    if not cuts:
        return first
    n = first.keypoints.shape[0]
    kp = np.full_like(first.keypoints, np.nan)
    bx = np.full_like(first.boxes, np.nan)
    bounds = [0, *cuts, n]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        inside = [_masked(t, a, b) for t in tracks if t.present[a:b].any()]
        if not inside:
            continue
        best = max(inside, key=lambda t: lifter_score(t, width, height, fps) if t.present.sum() >= 3 else 0.0)
        kp[a:b], bx[a:b] = best.keypoints[a:b], best.boxes[a:b]
    return Track(first.track_id, kp, bx, first.score)
