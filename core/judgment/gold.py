"""Gold-pose scoring (S3, Martin/Kingsley/Tiwari): key frames against reference poses of good lifts.

S3 compares *critical joint pairs* (e.g. knee-knee) as distances normalised
by the image size, ``sqrt(((x2-x1)/W)**2 + ((y2-y1)/H)**2)``, with gold poses
seen from the front, the left and the right, and calls a pair bad when 2 of
the 3 views disagree. We keep that S3 ratio in the output, but decide on the
pair distance over the lifter's torso length: the S3 ratio changes with how
large the lifter is in the frame, so a clip filmed from further away would
"disagree" with every gold photo. The gold views present differ per lift
(deadlift: front + left; squat: front only; bench: front, left and right), so
the vote is "a majority of the views present" (2 of 3 when all three exist).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.skeleton import KP, N_KEYPOINTS
from core.types import KeypointSeries, Rep

logger = logging.getLogger(__name__)
LS, RS, LH, RH = KP["left_shoulder"], KP["right_shoulder"], KP["left_hip"], KP["right_hip"]

CRITICAL_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {  # S3's critical joint pairs per lift
    "deadlift": (("left_wrist", "right_wrist"), ("left_hip", "right_hip"), ("left_ankle", "right_ankle"),
                 ("left_knee", "right_knee")),
    "squat": (("left_wrist", "right_wrist"), ("left_knee", "right_knee"), ("left_ankle", "right_ankle"),
              ("{s}_hip", "{s}_knee")),
    "bench": (("left_wrist", "right_wrist"), ("{s}_wrist", "{s}_elbow"), ("left_elbow", "right_elbow"),
              ("{s}_elbow", "{s}_shoulder")),
}
PAIR_TOLERANCE = 0.25  # torso lengths; a pair further than this from the gold pose disagrees.
# Keypoint jitter is ~0.05 torso lengths and body proportions vary ~0.1 (Drillis & Contini 1966), so
# 0.25 flags only real differences in where the joints are.
GOLD_MIN_SCORE = 0.3  # gold keypoints below this confidence are ignored (S3: unannotated joints ignored)
SIDE_VIEW_MAX_RATIO = 0.55  # shoulder+hip width / torso length below this = a side photo (core.perception.view's
# front limit)


@dataclass(frozen=True)
class GoldPose:
    """One gold photo: keypoints (17, 3) as x px, y px, score; its view and size."""

    photo: str
    view: str  # "front" | "left" | "right"
    keypoints: np.ndarray
    width: int
    height: int


def _gold_view(k: np.ndarray) -> str:
    """front, or left/right (the side of the lifter the camera sees) from the photo's keypoints."""
    widths = (abs(k[LS, 0] - k[RS, 0]) + abs(k[LH, 0] - k[RH, 0])) / 2
    torso = np.hypot(*((k[LS, :2] + k[RS, :2]) / 2 - (k[LH, :2] + k[RH, :2]) / 2))
    if widths / max(torso, 1e-6) >= SIDE_VIEW_MAX_RATIO:
        return "front"
    # facing image right (nose ahead of the ears) shows the lifter's right side to the camera
    return "right" if k[0, 0] > (k[3, 0] + k[4, 0]) / 2 else "left"


@lru_cache(maxsize=8)
def load_gold(gold_dir: str, lift: str) -> tuple[GoldPose, ...]:
    """Gold poses of ``lift`` from ``<gold_dir>/<lift>/gold_<lift>.json`` (COCO-like, [x, y, score] triplets)."""
    if lift not in CRITICAL_PAIRS:
        raise ValueError(f"lift must be one of {sorted(CRITICAL_PAIRS)}, got {lift!r}")
    path = Path(gold_dir) / lift / f"gold_{lift}.json"
    data = json.loads(path.read_text())
    images = {im["id"]: im for im in data["images"]}
    poses = []
    for ann in data["annotations"]:
        im = images[ann["image_id"]]
        k = np.asarray(ann["keypoints"], dtype=np.float64).reshape(N_KEYPOINTS, 3)
        poses.append(GoldPose(im["file_name"], _gold_view(k), k, int(im["width"]), int(im["height"])))
    return tuple(poses)


def _pair_points(k: np.ndarray, a: str, b: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (x, y, score) rows of a pair; templated pairs give one per body side."""
    sides = ("left", "right") if "{s}" in a else ("",)
    return [(k[KP[a.format(s=s)]], k[KP[b.format(s=s)]]) for s in sides]


def pair_ratios(k: np.ndarray, width: float, height: float, lift: str) -> dict[str, tuple[float, float]]:
    """Per critical pair: (S3 frame-size ratio, distance / torso length); NaN where a joint is unseen."""
    torso = np.hypot(*((k[LS, :2] + k[RS, :2]) / 2 - (k[LH, :2] + k[RH, :2]) / 2))
    out = {}
    for a, b in CRITICAL_PAIRS[lift]:
        frame, rel = [], []
        for p, q in _pair_points(k, a, b):
            if min(p[2], q[2]) < GOLD_MIN_SCORE or not np.isfinite(p[:2]).all() or not np.isfinite(q[:2]).all():
                continue
            frame.append(np.hypot((q[0] - p[0]) / width, (q[1] - p[1]) / height))
            rel.append(np.hypot(*(q[:2] - p[:2])) / torso if torso > 1e-6 else np.nan)
        name = f"{a}-{b}".replace("{s}_", "")
        out[name] = (float(np.mean(frame)) if frame else float("nan"), float(np.mean(rel)) if rel else float("nan"))
    return out


def _key_frames(reps: list[Rep]) -> list[int]:
    return sorted({i for r in reps for i in (r.start, r.turn, r.end)})


def _compare(frame_ratios: list[dict], gold: GoldPose, lift: str) -> dict:
    """Best-matching key frame for one gold photo, and each pair's difference there."""
    g = pair_ratios(gold.keypoints, gold.width, gold.height, lift)
    best, best_err = None, np.inf
    for i, fr in enumerate(frame_ratios):
        diffs = [abs(fr[p][1] - g[p][1]) for p in g if np.isfinite(fr[p][1]) and np.isfinite(g[p][1])]
        if diffs and np.mean(diffs) < best_err:
            best, best_err = i, float(np.mean(diffs))
    if best is None:
        return {"photo": gold.photo, "error": None, "pairs": {}}
    pairs = {p: {"video_frame_ratio": _r(frame_ratios[best][p][0]), "gold_frame_ratio": _r(g[p][0]),
                 "video_torso": _r(frame_ratios[best][p][1]), "gold_torso": _r(g[p][1]),
                 "agrees": bool(abs(frame_ratios[best][p][1] - g[p][1]) <= PAIR_TOLERANCE)}
             for p in g if np.isfinite(frame_ratios[best][p][1]) and np.isfinite(g[p][1])}
    return {"photo": gold.photo, "key_frame": best, "error": round(best_err, 3), "pairs": pairs}


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 3)


def score_against_gold(lift: str | None, series: KeypointSeries, reps: list[Rep],
                       gold_dir: str | None) -> dict | None:
    """S3 gold scoring of the reps' key frames (start, turn, end); None without gold data or reps."""
    if lift not in CRITICAL_PAIRS or not reps or not gold_dir:
        return None
    try:
        golds = load_gold(gold_dir, lift)
    except (OSError, KeyError, ValueError) as err:
        logger.warning("gold poses for %s unavailable in %s: %s", lift, gold_dir, err)
        return None
    frames = _key_frames(reps)
    frame_ratios = [pair_ratios(series.xyc[i].astype(np.float64), series.width, series.height, lift)
                    for i in frames]
    views: dict[str, dict] = {}
    for view in ("front", "left", "right"):
        results = [_compare(frame_ratios, g, lift) for g in golds if g.view == view]
        results = [r for r in results if r["error"] is not None]
        if results:
            views[view] = min(results, key=lambda r: r["error"])
            views[view]["key_frame"] = frames[views[view]["key_frame"]]
            views[view]["agrees"] = all(p["agrees"] for p in views[view]["pairs"].values())
    return _vote(lift, views)


def _vote(lift: str, views: dict[str, dict]) -> dict:
    """Majority of the gold views present: which view the clip matches, and pairs called bad."""
    pair_names = sorted({p for v in views.values() for p in v["pairs"]})
    need = len(views) // 2 + 1  # 2 of 3; 1 of 1; 2 of 2
    bad = [p for p in pair_names if sum(not v["pairs"].get(p, {"agrees": True})["agrees"] for v in views.values())
           >= need]
    agreeing = [name for name, v in views.items() if v["agrees"]]
    return {"lift": lift, "source": "gold (liftingpose, S3 critical pairs)", "views_present": sorted(views),
            "votes_needed": need, "tolerance_torso": PAIR_TOLERANCE, "views": views,
            "matching_views": agreeing, "bad_pairs": bad,
            "summary": _summary(views, agreeing, bad, need)}


def _summary(views: dict, agreeing: list[str], bad: list[str], need: int) -> str:
    if not views:
        return "no gold pose could be compared (joints unseen)"
    n = len(views)
    match = (f"the key frames match {len(agreeing)} of the {n} reference views ({', '.join(agreeing)})" if agreeing
             else f"the key frames match none of the {n} reference views")
    flagged = ", ".join(p.replace("_", " ") for p in bad) if bad else "none"
    return f"{match}; joint pairs off in at least {need} of the {n} views: {flagged}"
