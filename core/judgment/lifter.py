"""Which person is the lifter: the track that moves like a lift (the joint range of the lift its posture
shows), stays in place and is present; a spotter or coach stands still, a passer-by walks across, and neither
wins by being larger or closer. Tracks come from :mod:`core.perception.tracking`, scene cuts from
:mod:`core.perception.shots`; the posture is read by the lift rules (:mod:`core.judgment.lift`).
"""

from __future__ import annotations

import numpy as np

from core.judgment.lift import lift_probabilities
from core.movement.angles import compute_joint_angles
from core.movement.reps import thigh_elevation
from core.skeleton import KP
from core.types import KeypointSeries, Track

LIFT_RANGE = {"deadlift": 90.0, "squat": 0.6, "bench": 90.0}  # work-signal range of a full rep: hip angle (deg),
# thigh depth (sin units, standing to parallel), elbow flexion (deg); a range this big scores 1
MIN_TRACK_SHARE = 0.1  # tracks seen in less of the clip are scored on size and presence only
SIDE_EDGE = 0.01  # share of the frame width: a box reaching this close to the left or right edge is cut by it
SIDE_PERSON_WIDTH = 0.5  # share of the frame width: a box narrower than this is a person beside the scene, not one
# filling the picture
SIDE_CUT_DISCOUNT = 0.75  # share of the score a person loses when cut by the picture's side on every sample: part
# of the body is outside, so its joints are guessed or borrowed from whoever stands next to it. Hand-set, not
# fitted: one development source has such a person (docs/decisions.md, issue 23 second pass; 0.6-0.9 give the
# same leave-one-source-out table in bench/results/evaluate_clips.md)


def lift_motion(track: Track, fps: float = 30.0) -> float:
    """0..1: how much this person moves the way a lift moves.

    The person's own posture says which lift they would be doing (core.judgment.lift: hands vs shoulders and
    gravity, standing or lying); the range of that lift's work signal (hip angle, thigh depth, elbow
    flexion) over the clip, robust percentiles, is the score. A spotter or coach stands still with the
    hands in front; a passer-by's angles swing but the posture says no lift: both score low.
    """
    xyc = track.keypoints.astype(np.float32).copy()
    xyc[~(xyc[..., 2] >= 0.3), :2] = np.nan
    series = KeypointSeries(xyc, fps, 1, 1)
    probs = lift_probabilities(series)
    if probs is None:
        return 0.0
    angles = compute_joint_angles(series)
    signals = {"deadlift": angles["hip"], "squat": -thigh_elevation(series), "bench": 180.0 - angles["elbow"]}
    score = 0.0
    for lift, p in probs.items():
        v = signals[lift][np.isfinite(signals[lift])]
        if v.size >= 5:
            rng = float(np.percentile(v, 90) - np.percentile(v, 10))
            score += p * float(np.clip(rng / LIFT_RANGE[lift], 0, 1))
    return score


def side_cut_share(boxes: np.ndarray, width: int) -> float:
    """Share of the samples (boxes of the present samples, xyxy px) in which a person at the side of the
    picture (box narrower than ``SIDE_PERSON_WIDTH`` of the frame) reaches its left or right edge: partly
    outside. A lifter filling the picture (a close-up, a lying body across a portrait frame) reaches an edge
    by being big, not by standing off to the side; it is not counted."""
    if not len(boxes):
        return 0.0
    w = max(width, 1)
    at_side = (boxes[:, 0] <= SIDE_EDGE * w) | (boxes[:, 2] >= (1 - SIDE_EDGE) * w)
    narrow = (boxes[:, 2] - boxes[:, 0]) < SIDE_PERSON_WIDTH * w
    return float(np.mean(at_side & narrow))


def lifter_score(track: Track, width: int, height: int, fps: float = 30.0) -> float:
    """How likely this track is the lifter: doing a lift x present x seen x in place x (mildly) big.

    Motion comes first (``lift_motion``: the lift's own joint range, for the lift the person's posture
    shows); size enters as a square root of the box's longer side over the frame's, so a larger or closer
    bystander does not win on size alone, and a lying lifter (a wide, low box) is not penalised. A person
    who wanders across the picture (hip midpoint's interquartile range over body size) is discounted.
    Centrality breaks ties. A person cut by the picture's left or right edge is discounted
    (``SIDE_CUT_DISCOUNT``): the joints outside are guessed, and their "motion" is not a lift.
    """
    present = track.present
    if present.sum() < 3:
        return 0.0
    boxes = track.boxes[present]
    box_side = np.fmax(boxes[:, 3] - boxes[:, 1], boxes[:, 2] - boxes[:, 0])
    size_px = float(np.median(box_side))
    size = size_px / max(width, height, 1)
    presence = float(present.mean())
    kp = track.keypoints[present]
    conf = float(np.nanmean(kp[..., 2]))
    cx = (boxes[:, 0] + boxes[:, 2]) / 2 / max(width, 1)
    centrality = 1.0 - float(np.clip(np.abs(np.median(cx) - 0.5) * 2, 0, 1))
    motion = lift_motion(track, fps) if presence >= MIN_TRACK_SHARE else 0.0
    hips = kp[:, [KP["left_hip"], KP["right_hip"]], :]
    with np.errstate(all="ignore"):
        hip_x = np.nanmean(np.where(hips[..., 2] > 0.3, hips[..., 0], np.nan), axis=1)
    hip_x = hip_x[np.isfinite(hip_x)]
    wander = float(np.subtract(*np.percentile(hip_x, [75, 25]))) / max(size_px, 1.0) if hip_x.size >= 5 else 0.0
    cut = 1.0 - SIDE_CUT_DISCOUNT * side_cut_share(boxes, width)
    return (np.sqrt(size) * presence * conf * (0.15 + motion) * (0.75 + 0.25 * centrality) * cut
            / (1.0 + 2.0 * wander))


def rank_tracks(tracks: list[Track], width: int, height: int, fps: float = 30.0) -> list[Track]:
    """Tracks with their lifter score, best first."""
    scored = [Track(t.track_id, t.keypoints, t.boxes, lifter_score(t, width, height, fps)) for t in tracks]
    return sorted(scored, key=lambda t: -t.score)


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
