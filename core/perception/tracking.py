"""Follow every person through a clip.

An IoU tracker (Hungarian matching, scipy) is kept per analysis, so the
shared pose model carries no tracking state between users. Which track is
the lifter is judged in :mod:`core.judgment.lifter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from core.skeleton import N_KEYPOINTS
from core.types import FramePeople, Track


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of xyxy boxes: (n, 4) x (m, 4) -> (n, m)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


@dataclass
class _OpenTrack:
    track_id: int
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    keypoints: list[np.ndarray] = field(default_factory=list)

    @property
    def last_box(self) -> np.ndarray:
        return self.boxes[-1]


class PersonTracker:
    """Greedy-optimal IoU tracker; ``max_age`` frames of absence before a track closes."""

    def __init__(self, max_age: int = 30, min_iou: float = 0.2) -> None:
        self.max_age = max_age
        self.min_iou = min_iou
        self._tracks: list[_OpenTrack] = []
        self._next_id = 1
        self._t = -1

    def update(self, people: FramePeople) -> list[int]:
        """Assign this frame's people to tracks; returns the track id of each person."""
        self._t += 1
        live = [tr for tr in self._tracks if self._t - tr.frames[-1] <= self.max_age]
        ids = [-1] * len(people)
        if live and len(people):
            iou = box_iou(np.stack([tr.last_box for tr in live]), people.boxes)
            rows, cols = linear_sum_assignment(-iou)
            for r, c in zip(rows, cols, strict=True):
                if iou[r, c] >= self.min_iou:
                    self._extend(live[r], people, c)
                    ids[c] = live[r].track_id
        for c in range(len(people)):
            if ids[c] == -1:
                tr = _OpenTrack(self._next_id)
                self._next_id += 1
                self._tracks.append(tr)
                self._extend(tr, people, c)
                ids[c] = tr.track_id
        return ids

    def _extend(self, tr: _OpenTrack, people: FramePeople, c: int) -> None:
        tr.frames.append(self._t)
        tr.boxes.append(people.boxes[c])
        tr.keypoints.append(people.keypoints[c])

    def tracks(self, n_frames: int | None = None) -> list[Track]:
        """Dense per-frame arrays for every track (NaN where absent)."""
        n = (self._t + 1) if n_frames is None else n_frames
        out = []
        for tr in self._tracks:
            kp = np.full((n, N_KEYPOINTS, 3), np.nan, np.float32)
            bx = np.full((n, 4), np.nan, np.float32)
            idx = np.asarray(tr.frames)
            kp[idx] = np.stack(tr.keypoints)
            bx[idx] = np.stack(tr.boxes)
            out.append(Track(tr.track_id, kp, bx))
        return out


def dedupe_people(people: FramePeople, same_dist: float = 0.12) -> FramePeople:
    """Drop second detections of one person (two boxes, same skeleton), keeping the more confident.

    Two detections are one person when their confidently-seen keypoints lie
    within ``same_dist`` of a box height of each other on average.
    """
    n = len(people)
    if n < 2:
        return people
    kp = people.keypoints
    heights = np.maximum(people.boxes[:, 3] - people.boxes[:, 1], 1.0)
    order = np.argsort(-np.nanmean(kp[:, :, 2], axis=1))
    keep: list[int] = []
    for i in order:
        dup = False
        for j in keep:
            both = (kp[i, :, 2] > 0.3) & (kp[j, :, 2] > 0.3)
            if both.sum() >= 4:
                d = np.hypot(*(kp[i, both, :2] - kp[j, both, :2]).T).mean()
                if d < same_dist * max(heights[i], heights[j]):
                    dup = True
                    break
        if not dup:
            keep.append(int(i))
    keep.sort()
    return FramePeople(people.boxes[keep], people.scores[keep], people.keypoints[keep])


def stitch_tracks(tracks: list[Track], max_gap: int, max_overlap: int = 5) -> list[Track]:
    """Join fragments of one person: B starts where A ends (small gap or overlap), at the same place.

    Fragments appear when a detection drops out for longer than the tracker's
    memory, or flips between two boxes of one body.
    """
    tracks = sorted(tracks, key=lambda t: int(np.flatnonzero(t.present)[0]))
    merged = True
    while merged:
        merged = False
        for a in tracks:
            pa = np.flatnonzero(a.present)
            a_end = pa[-1]
            box_a = a.boxes[a_end]
            h_a = box_a[3] - box_a[1]
            for b in tracks:
                if b is a:
                    continue
                pb = np.flatnonzero(b.present)
                b_start = pb[0]
                if not (a_end - max_overlap <= b_start <= a_end + max_gap) or pb[-1] <= a_end:
                    continue
                box_b = b.boxes[b_start]
                h_b = box_b[3] - box_b[1]
                ca = (box_a[:2] + box_a[2:]) / 2
                cb = (box_b[:2] + box_b[2:]) / 2
                if np.hypot(*(ca - cb)) > 0.5 * max(h_a, h_b) or not 0.4 < h_b / max(h_a, 1) < 2.5:
                    continue
                kp = a.keypoints.copy()
                bx = a.boxes.copy()
                take = b.present & ~a.present | (b.present & (np.arange(len(bx)) > a_end))
                kp[take] = b.keypoints[take]
                bx[take] = b.boxes[take]
                tracks = [t for t in tracks if t is not a and t is not b] + [Track(a.track_id, kp, bx)]
                tracks.sort(key=lambda t: int(np.flatnonzero(t.present)[0]))
                merged = True
                break
            if merged:
                break
    return tracks


def track_people(frames_people: list[FramePeople], fps: float) -> list[Track]:
    """Run the tracker over a whole clip; tracks keep 1 s of memory, then fragments are stitched."""
    tracker = PersonTracker(max_age=max(5, int(round(fps))))
    for people in frames_people:
        tracker.update(dedupe_people(people))
    tracks = [t for t in tracker.tracks(len(frames_people)) if t.present.any()]
    return stitch_tracks(tracks, max_gap=max(5, int(round(2 * fps))))
