"""Rounded back from the back's silhouette between shoulder and hip (issue 13, item 3; a cue study).

``.venv/bin/python -m bench.experiments.back_silhouette --traces /work/cache/traces_fast --cache /work/cache/faults3``

The shoulder-hip chord cannot bend, so a rounding spine is invisible to the keypoints. The outline of the back
can: on a still camera the lifter is the part of the picture that differs from the background. Per clip:

1. Background: per-pixel median of the clip's frames (scaled to ``WORK_PX``), each frame contributing only the
   pixels away from the lifter's skeleton (bones drawn ``BODY_RADIUS`` body heights thick), so a lifter who
   stands in one place is not baked into the background. Pixels the lifter covers in every frame stay unknown.
2. Foreground: colour difference to that background above ``DIFF_LEVEL`` (8-bit), opened and closed.
3. Per sample, rays from the shoulder-hip chord at ``FRACTIONS`` of its length, away from the chest: the back's
   edge is where the foreground ends (``GAP_PX`` background pixels in a row). The bow is how far the middle of
   that edge (mean over the middle rays) stands out beyond the straight line through the edge near the shoulder and
   near the hip (median of the two end rays each), in torso lengths (flat back ~0; a rounded back > 0); only
   samples with the trunk at least ``MIN_TRUNK_DEG`` from vertical. Unknown background on a ray: no reading.
4. Per rep, off the floor: the 80th percentile of the bow from ``SETUP_WINDOW_S`` before the pull leaves the floor
   to ``core.judgment.faults.measures.OFF_FLOOR_SHARE`` of the lifting phase; a clip's reading is its worst rep.

Direction fixed before looking: larger bow = rounder back = worse. Scored like
``bench.experiments.fault_cues`` (AUC bad vs good and rounded-back-named vs good with intervals from
resampling lifter groups, within-lifter AUC). Nothing is
fitted here, so the AUCs are out of fold by construction. Per-clip readings are cached as JSON in ``--cache``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import cv2
import numpy as np

from bench.common import SHARED
from bench.experiments.fault_cues import ROUNDED, boot, scored, within
from core.judgment.faults.geometry import facing, mid
from core.judgment.faults.measures import OFF_FLOOR_SHARE, SETUP_WINDOW_S, RepContext
from core.judgment.faults.table import ROWS
from core.movement.metrics import body_height_px
from core.perception.trace_file import load_trace, trace_in
from core.skeleton import KP

WORK_PX = 540  # longest side of the frames worked on (px)
BODY_RADIUS = 0.09  # body heights either side of a bone masked out of the background (torso half-depth ~0.07)
DIFF_LEVEL = 30.0  # 8-bit colour difference to the background that counts as the lifter
GAP_PX = 3  # background pixels in a row that end the back's outline
RAY_MAX = 0.45  # torso lengths searched outward from the chord
FRACTIONS = np.linspace(0.15, 0.85, 8)  # along the chord, hip (0) to shoulder (1)
MIN_SAMPLES = 3  # off-the-floor samples with a reading needed for a rep's reading
BONES = (("shoulder", "hip"), ("hip", "knee"), ("knee", "ankle"), ("shoulder", "elbow"), ("elbow", "wrist"),
         ("ear", "shoulder"), ("nose", "ear"))
VERSION = 2
MIN_TRUNK_DEG = 30.0  # only samples with the trunk this far from vertical (bent over: the back faces the camera side)


def read_frames(path: Path, wanted: np.ndarray) -> tuple[dict[int, np.ndarray], float]:
    """{source frame: (h, w, 3) uint8 BGR scaled to WORK_PX} for the wanted frames; and the scale."""
    cap = cv2.VideoCapture(str(path))
    want, out, i, scale = set(int(x) for x in wanted), {}, 0, 1.0
    last = max(want) if want else -1
    while i <= last:
        ok, f = cap.read()
        if not ok:
            break
        if i in want:
            h, w = f.shape[:2]
            scale = WORK_PX / max(h, w)
            out[i] = cv2.resize(f, (int(round(w * scale)), int(round(h * scale))), interpolation=cv2.INTER_AREA)
        i += 1
    cap.release()
    return out, scale


def body_masks(xy: np.ndarray, shape: tuple[int, int], radius: float) -> np.ndarray:
    """(T, h, w) bool: pixels within ``radius`` px of a bone (either side) of each sample's skeleton."""
    masks = np.zeros((len(xy), *shape), dtype=np.uint8)
    r = max(1, int(round(radius)))
    for t in range(len(xy)):
        for a, b in BONES:
            for side in ("left", "right"):
                ka = KP.get(f"{side}_{a}", KP.get(a))
                kb = KP.get(f"{side}_{b}", KP.get(b))
                p, q = xy[t, ka], xy[t, kb]
                if np.isfinite(p).all() and np.isfinite(q).all():
                    cv2.line(masks[t], tuple(int(v) for v in p), tuple(int(v) for v in q), 1, 2 * r)
    return masks.astype(bool)


def background(frames: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(h, w, 3) float: per-pixel median of the unmasked frames; NaN where the lifter always covers it."""
    stack = frames.astype(np.float32)
    stack[masks] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(stack, axis=0)


def foreground(frame: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """(h, w) int8: 1 lifter, 0 background, -1 unknown background."""
    d = np.nanmax(np.abs(frame.astype(np.float32) - bg), axis=2) if np.isfinite(bg).any() else None
    unknown = ~np.isfinite(bg).all(axis=2)
    fg = (np.nan_to_num(d, nan=0.0) > DIFF_LEVEL).astype(np.uint8)
    k = np.ones((3, 3), np.uint8)
    fg = cv2.morphologyEx(cv2.morphologyEx(fg, cv2.MORPH_OPEN, k), cv2.MORPH_CLOSE, k)
    out = fg.astype(np.int8)
    out[unknown] = -1
    return out


def back_bow(fg: np.ndarray, hip: np.ndarray, sh: np.ndarray, face: int) -> float:
    """Torso lengths the back's outline bows out beyond the line through its ends (NaN: no reading)."""
    t = sh - hip
    length = float(np.hypot(*t))
    if not np.isfinite(length) or length < 8 or face == 0:
        return float("nan")
    normal = -face * np.array([-t[1], t[0]]) / length  # away from the chest
    steps = np.arange(0, int(RAY_MAX * length))
    h, w = fg.shape
    d = np.full(len(FRACTIONS), np.nan)
    for j, f in enumerate(FRACTIONS):
        pts = hip + f * t + steps[:, None] * normal
        x, y = np.round(pts[:, 0]).astype(int), np.round(pts[:, 1]).astype(int)
        inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        if not inside.all():
            continue
        v = fg[y, x]
        gap = 0
        for i, val in enumerate(v):
            if val < 0:
                break  # unknown background before the edge: no reading on this ray
            gap = gap + 1 if val == 0 else 0
            if gap >= GAP_PX:
                d[j] = i - GAP_PX + 1
                break
    ok = np.isfinite(d)
    if ok.sum() < 5 or not (ok[0] or ok[1]) or not (ok[-1] or ok[-2]):
        return float("nan")
    lo, hi = np.nanmedian(d[:2]), np.nanmedian(d[-2:])  # the outline near the hip and near the shoulder
    f_lo, f_hi = FRACTIONS[:2].mean(), FRACTIONS[-2:].mean()
    line = lo + (hi - lo) * (FRACTIONS - f_lo) / (f_hi - f_lo)
    return float(np.nanmean((d - line)[2:-2]) / length)  # mean bulge of the middle rays


def clip_bow(video: Path, a, concentric_first: bool) -> dict:
    """Per-rep bow (torso lengths, 80th pct off the floor) and the per-sample series for one analysed clip."""
    s = a.series
    frames, scale = read_frames(video, s.frame_index)
    keep = [i for i, fi in enumerate(s.frame_index) if int(fi) in frames]
    if len(keep) < 10:
        return {"reps": [], "note": "frames not decoded"}
    stack = np.stack([frames[int(s.frame_index[i])] for i in keep])
    xy = s.xy[keep].astype(np.float64) * scale
    bh = body_height_px(s) * scale
    masks = body_masks(xy, stack.shape[1:3], BODY_RADIUS * bh)
    bg = background(stack, masks)
    face = facing(s)
    hip, sh = mid(s, "hip")[keep] * scale, mid(s, "shoulder")[keep] * scale
    bow = np.full(s.n_frames, np.nan)
    bent = np.nan_to_num(a.angles["trunk_lean"], nan=0.0) >= MIN_TRUNK_DEG
    for j, i in enumerate(keep):
        if bent[i]:
            bow[i] = back_bow(foreground(stack[j], bg), hip[j], sh[j], face)
    reps = []
    for r in a.reps:
        ctx = RepContext(s, a.angles, r, face, float(body_height_px(s)), concentric_first)
        try:
            c0 = ctx.pull_start()
            b0, b1 = ctx.concentric()
        except (ValueError, IndexError):
            continue
        w1 = b0 + max(ctx.s(0.1), int(round(OFF_FLOOR_SHARE * (b1 - b0))))
        seg = bow[max(0, c0 - ctx.s(SETUP_WINDOW_S)):w1 + 1]
        seg = seg[np.isfinite(seg)]
        reps.append(float(np.percentile(seg, 80)) if seg.size >= MIN_SAMPLES else None)
    return {"reps": reps, "face": face, "unknown_bg": float(np.mean(~np.isfinite(bg).all(axis=2))),
            "readable": float(np.isfinite(bow).mean())}


def collect(traces: Path, cache: Path) -> list[dict]:
    from core.config import AnalysisConfig
    from core.errors import FormLensError
    from core.evaluation.faults import labelled_clips
    from core.pipeline import analyze_trace

    cfg, rows = AnalysisConfig.from_env(), []
    real = SHARED / "data" / "real"
    cache.mkdir(parents=True, exist_ok=True)
    for c in labelled_clips(real):
        p = trace_in(traces, c.stem)
        if c.lift != "deadlift" or not p.is_file():
            continue
        hit = cache / f"{c.stem}.bow.json"
        res = json.loads(hit.read_text()) if hit.is_file() else None
        if res is None or res.get("version") != VERSION:
            try:
                a = analyze_trace(load_trace(p), cfg, lift_override="deadlift")
            except FormLensError:
                continue
            if not a.reps:
                continue
            cf = a.signal.concentric_first if a.signal is not None else True
            res = {"version": VERSION, "view": a.report.view["label"], **clip_bow(real / c.path, a, cf)}
            hit.write_text(json.dumps(res))
        vals = [v for v in res.get("reps", []) if v is not None]
        if not res.get("reps"):
            continue
        rows.append({"stem": c.stem, "group": c.group, "label": c.label, "named": c.named, "kind": "video",
                     "view": res.get("view"), "readable": res.get("readable"),
                     "cues": {"back bow off the floor (torso lengths)": max(vals) if vals else float("nan")}})
    return rows


# The bow as a rounded-lower-back reading: prior p = 0.1 at a flat back, 0.9 at a bulge of OUTLINE_BAD.
OUTLINE_BAD = 0.08  # torso lengths (~4 cm on a 50 cm torso); a prior only, refitted in the folds
OUTLINE_ROW = "rounded_lower_back"


def held_out_check(traces: Path, cache: Path) -> str:
    """``python -m core evaluate faults``'s held-out score with and without the outline standing in for the
    shoulder-hip chord as the rounded-lower-back reading (same clips, same run; the calibration is refitted
    leaving each lifter out in both). Where the outline could not be read the rep says "can't judge"."""
    from dataclasses import replace

    from core.evaluation import calibration as cal
    from core.evaluation.faults import analyse_clips, clip_table, held_out, summary

    real = SHARED / "data" / "real"
    results = analyse_clips(real, traces)
    base_scored = held_out(results, cal.refitter)
    base = summary(base_scored, "today's rows (shoulder-hip chord)")
    swapped = []
    for r in results:
        hit = cache / f"{r.clip.stem}.bow.json"
        bows = json.loads(hit.read_text()).get("reps", []) if hit.is_file() and r.clip.kind == "video" else []
        reps = []
        for i, rep in enumerate(r.reps):
            x = bows[i] if i < len(bows) else None
            new = []
            for f in rep:
                if f["name"] == OUTLINE_ROW and f.get("judgeable", True):
                    f = ({**f, "measure": float(x), "source": "rule:outline"} if x is not None else
                         {**f, "judgeable": False, "verdict": "cannot_judge", "p": None, "measure": None})
                new.append(f)
            reps.append(new)
        swapped.append(replace(r, reps=reps))
    row = ROWS[OUTLINE_ROW]
    ROWS[OUTLINE_ROW] = replace(row, threshold=replace(row.threshold, ok=0.0, bad=OUTLINE_BAD,
                                                         unit="torso lengths the back's outline bows out"))
    try:
        trial_scored = held_out(swapped, cal.refitter)
        trial = summary(trial_scored, "the back's outline as the rounded-lower-back reading")
    finally:
        ROWS[OUTLINE_ROW] = row
    before = {r["clip"]: r for r in clip_table(base_scored)}
    changed = [f"- {r['clip']} ({r['label']}): right {before[r['clip']]['right']} -> {r['right']}; fault verdicts "
               f"{', '.join(before[r['clip']]['found']) or 'none'} -> {', '.join(r['found']) or 'none'}"
               for r in clip_table(trial_scored) if r["right"] != before[r["clip"]]["right"]]
    return base + "\n\n" + trial + "\n\n## Clips scored differently\n\n" + ("\n".join(changed) or "none")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", required=True, help="folder of cached pose traces <stem>.npz or .pkl")
    ap.add_argument("--cache", required=True, help="folder for per-clip readings (JSON)")
    ap.add_argument("--held-out", action="store_true", help="also run the held-out A/B of evaluate faults")
    args = ap.parse_args()
    rows = collect(Path(args.traces), Path(args.cache))
    rng = np.random.default_rng(0)
    key = "back bow off the floor (torso lengths)"
    print("# Back silhouette bow off the floor (issue 13 cue study)\n")
    print("| clip | group | label | view | share of samples read | bow (torso lengths) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in sorted(rows, key=lambda r: (r["group"], r["stem"])):
        lab = r["label"] + (f":{','.join(sorted(r['named']))}" if r["named"] else "")
        print(f"| {r['stem']} | {r['group']} | {lab} | {r['view']} | {r['readable']:.2f} | "
              f"{r['cues'][key]:.3f} |")
    for name, sel in (("all views", rows), ("side view", [r for r in rows if r["view"] == "side"])):
        a1 = scored(sel, key, lambda r: r["label"] == "bad")
        a2 = scored(sel, key, lambda r: bool(r["named"] & ROUNDED))
        lo1, hi1 = boot(sel, key, lambda r: r["label"] == "bad", rng)
        lo2, hi2 = boot(sel, key, lambda r: bool(r["named"] & ROUNDED), rng)
        w, n = within(sel, key)
        nb = sum(r["label"] == "bad" and np.isfinite(r["cues"][key]) for r in sel)
        ng = sum(r["label"] == "good" and np.isfinite(r["cues"][key]) for r in sel)
        print(f"\n- {name}: {nb} bad / {ng} good clips with a reading; "
              f"AUC bad vs good {a1:.2f} [{lo1:.2f}, {hi1:.2f}]; "
              f"rounded back named vs good {a2:.2f} [{lo2:.2f}, {hi2:.2f}]; within-lifter {w:.2f} ({n} pairs)")
    if args.held_out:
        print(("\n" + held_out_check(Path(args.traces), Path(args.cache))).replace("\n# ", "\n## "))


if __name__ == "__main__":
    main()
