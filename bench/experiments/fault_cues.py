"""Candidate 2-D deadlift cues on the labelled real clips, scored across lifters (issue 13, item 3).

``.venv/bin/python -m bench.experiments.fault_cues --traces /work/cache/traces > bench/results/fault_cues.md``

Every cue is read per rep and a clip's reading is its worst rep. Each cue has a direction fixed before looking
(larger = worse form), so nothing is fitted and the AUC is out of fold by construction. Printed per cue:

- AUC of labelled-bad vs labelled-good video clips, with a 95 % interval from resampling *lifter groups*
  (core.evaluation.faults.lifter_group) with replacement;
- AUC of the clips whose label names a rounded back (upper or lower) vs good clips;
- within-lifter AUC: only (bad, good) pairs of the same lifter (the lifters with both; no scene/lifter confound);
- AUC on the Deadlift-ESAP keypoint files (another source: good vs bad, faults not named).

The deciding score stays the clip-level leave-one-lifter-out balanced accuracy of ``python -m core evaluate
faults`` after a cue is put in its row (docs/decisions.md says which were tried).
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.common import SHARED
from core.judgment.faults.geometry import facing, head_drop, median_at, mid, nanmed, nanpct, torso_chord_shortening
from core.judgment.faults.measures import SETUP_WINDOW_S, TOP_WINDOW_S, RepContext
from core.movement.metrics import body_height_px
from core.perception.trace_file import load_trace, trace_in

N_BOOT = 1000
ROUNDED = {"rounded_upper_back", "rounded_lower_back"}


def shoulder_flexion(s) -> np.ndarray:
    """(T,) deg the ear-shoulder-hip angle is short of a straight line (head and back in line = 0)."""
    sh, hip, ear = mid(s, "shoulder"), mid(s, "hip"), mid(s, "ear")
    a, b = ear - sh, hip - sh
    with np.errstate(all="ignore"):
        return 180 - np.degrees(np.arccos(np.clip((a * b).sum(1) / np.hypot(*a.T) / np.hypot(*b.T), -1, 1)))


def rep_cues(s, a, rep, concentric_first: bool) -> dict[str, float]:
    ctx = RepContext(s, a, rep, facing(s), float(np.nanmedian(body_height_px(s))), concentric_first)
    c0 = ctx.pull_start()
    _, c1 = ctx.concentric()
    top = ctx.top()
    hip, sh = mid(s, "hip"), mid(s, "shoulder")
    torso = float(np.nanpercentile(np.hypot(*(sh - hip).T), 95))
    out: dict[str, float] = {}
    for w in (0.3, 0.5):  # s off the floor
        j = min(c0 + ctx.s(w), c1)
        rise_hip = (median_at(hip[:, 1], c0, 1) - median_at(hip[:, 1], j, 1)) / torso
        rise_sh = (median_at(sh[:, 1], c0, 1) - median_at(sh[:, 1], j, 1)) / torso
        out[f"hip rise minus shoulder rise, first {w} s (torso lengths)"] = rise_hip - rise_sh
        d = {k: median_at(a[k], j, 1) - median_at(a[k], c0, 1) for k in ("trunk_lean", "knee", "hip")}
        out[f"trunk tip minus half the knee opening, first {w} s (deg)"] = d["trunk_lean"] - 0.5 * d["knee"]
        out[f"knee opening minus hip opening, first {w} s (deg)"] = d["knee"] - d["hip"]
    flex, drop = shoulder_flexion(s), head_drop(s, ctx.face)
    pull = slice(max(0, c0 - ctx.s(SETUP_WINDOW_S)), c1 + 1)
    out["head-shoulder-hip flexion at set-up (deg)"] = median_at(flex, c0, ctx.s(0.15))
    out["head-shoulder-hip flexion, 90th pct set-up to lockout (deg)"] = nanpct(flex[pull], 90)
    out["head-shoulder-hip flexion at lockout (deg)"] = median_at(flex, top, ctx.s(0.15))
    out["head drop at set-up (torso lengths; shipped rounded_upper_back)"] = nanmed(
        drop[max(0, c0 - ctx.s(SETUP_WINDOW_S)):c0 + ctx.s(SETUP_WINDOW_S) + 1])
    out["head drop, 90th pct set-up to lockout (torso lengths)"] = nanpct(drop[pull], 90)
    short, _ = torso_chord_shortening(s)
    out["shoulder-hip chord shortening at set-up (fraction)"] = median_at(short, c0, ctx.s(0.15))
    out["shoulder-hip chord shortening, 80th pct of the rep (shipped rounded_lower_back)"] = nanpct(
        short[ctx.span], 80)
    near_top = slice(max(0, top - ctx.s(TOP_WINDOW_S)), top + ctx.s(TOP_WINDOW_S) + 1)
    out["hips short of straight at lockout (deg; shipped hips_not_locked)"] = 180 - nanpct(a["hip"][near_top], 90)
    out["knees short of straight at lockout (deg)"] = 180 - nanpct(a["knee"][near_top], 90)
    out["trunk from vertical at set-up (deg)"] = median_at(a["trunk_lean"], c0, 1)
    return out


def clip_cues(series, angles, reps, concentric_first: bool) -> dict[str, float]:
    per = []
    for r in reps:
        try:
            per.append(rep_cues(series, angles, r, concentric_first))
        except (ValueError, IndexError):
            continue
    keys = {k for p in per for k in p}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {k: float(np.nanmax([p.get(k, np.nan) for p in per])) for k in keys}


def collect(traces: Path) -> list[dict]:
    from core.config import AnalysisConfig
    from core.errors import FormLensError
    from core.evaluation.faults import labelled_clips
    from core.judgment.learned.datasets import load_esap
    from core.movement.angles import compute_joint_angles
    from core.movement.cleaning import clean_series
    from core.movement.reps import detect_reps
    from core.pipeline import analyze_trace

    cfg, rows = AnalysisConfig.from_env(), []
    real = SHARED / "data" / "real"
    for c in labelled_clips(real):
        p = trace_in(traces, c.stem)
        if c.lift != "deadlift" or not p.is_file():
            continue
        try:
            a = analyze_trace(load_trace(p), cfg, lift_override="deadlift")
        except FormLensError:
            continue
        if a.reps:
            cf = a.signal.concentric_first if a.signal is not None else True
            rows.append({"stem": c.stem, "group": c.group, "label": c.label, "named": c.named, "kind": "video",
                         "cues": clip_cues(a.series, a.angles, a.reps, cf)})
    for kc in load_esap(real / "keypoints" / "deadlift_esap_openpose18"):
        s = clean_series(kc.series, cfg)
        ang = compute_joint_angles(s)
        reps, signal = detect_reps("deadlift", s, ang, cfg)
        if reps:
            rows.append({"stem": f"esap:{kc.name}", "group": "esap", "label": kc.label, "named": frozenset(),
                         "kind": "esap", "cues": clip_cues(s, ang, reps, signal.concentric_first)})
    return rows


def auc(pos, neg) -> float:
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    pos, neg = pos[np.isfinite(pos)], neg[np.isfinite(neg)]
    if not pos.size or not neg.size:
        return float("nan")
    return float(((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])).mean())


def scored(rows, key, is_pos: Callable[[dict], bool]) -> float:
    return auc([r["cues"].get(key, np.nan) for r in rows if is_pos(r)],
               [r["cues"].get(key, np.nan) for r in rows if r["label"] == "good"])


def boot(rows, key, is_pos, rng) -> tuple[float, float]:
    groups = sorted({r["group"] for r in rows})
    by = {g: [r for r in rows if r["group"] == g] for g in groups}
    vals = [scored([r for g in rng.choice(groups, len(groups)) for r in by[g]], key, is_pos) for _ in range(N_BOOT)]
    vals = [v for v in vals if np.isfinite(v)]
    return tuple(np.percentile(vals, [2.5, 97.5])) if vals else (float("nan"), float("nan"))


def within(rows, key) -> tuple[float, int]:
    num = den = 0.0
    for g in {r["group"] for r in rows}:
        b = np.array([r["cues"].get(key, np.nan) for r in rows if r["group"] == g and r["label"] == "bad"])
        n = np.array([r["cues"].get(key, np.nan) for r in rows if r["group"] == g and r["label"] == "good"])
        b, n = b[np.isfinite(b)], n[np.isfinite(n)]
        num += ((b[:, None] > n[None]) + 0.5 * (b[:, None] == n[None])).sum()
        den += b.size * n.size
    return (num / den if den else float("nan")), int(den)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", required=True, help="folder of cached pose traces <stem>.npz or .pkl")
    args = ap.parse_args()
    rows = collect(Path(args.traces))
    video = [r for r in rows if r["kind"] == "video"]
    esap = [r for r in rows if r["kind"] == "esap"]
    rng = np.random.default_rng(0)
    bad = [r for r in video if r["label"] == "bad"]
    mixed = sorted(g for g in {r["group"] for r in video} if {"good", "bad"} <= {r["label"] for r in video
                                                                                if r["group"] == g})
    print("# Candidate deadlift cues on the labelled real clips (issue 13)\n")
    print(f"- video deadlift clips with a rep: {len(video)} ({len(bad)} bad in "
          f"{len({r['group'] for r in bad})} lifter groups, {len(video) - len(bad)} good in "
          f"{len({r['group'] for r in video if r['label'] == 'good'})} groups); rounded back named in "
          f"{sum(bool(r['named'] & ROUNDED) for r in video)} clips "
          f"({len({r['group'] for r in video if r['named'] & ROUNDED})} groups)")
    print(f"- lifters with both good and bad clips (within-lifter AUC): {', '.join(mixed)}")
    print(f"- ESAP files with a rep: {len(esap)} ({sum(r['label'] == 'bad' for r in esap)} bad)")
    print(f"- intervals: {N_BOOT} resamples of lifter groups; directions fixed beforehand (larger = worse)\n")
    print("| cue | AUC bad vs good [95 %] | AUC rounded back named vs good [95 %] | within-lifter AUC (pairs) "
          "| ESAP AUC bad vs good |")
    print("| --- | --- | --- | --- | --- |")
    keys = sorted({k for r in rows for k in r["cues"]})
    res = []
    for k in keys:
        a1 = scored(video, k, lambda r: r["label"] == "bad")
        a2 = scored(video, k, lambda r: bool(r["named"] & ROUNDED))
        lo1, hi1 = boot(video, k, lambda r: r["label"] == "bad", rng)
        lo2, hi2 = boot(video, k, lambda r: bool(r["named"] & ROUNDED), rng)
        w, n = within(video, k)
        res.append((a1, f"| {k} | {a1:.2f} [{lo1:.2f}, {hi1:.2f}] | {a2:.2f} [{lo2:.2f}, {hi2:.2f}] | {w:.2f} ({n}) "
                        f"| {scored(esap, k, lambda r: r['label'] == 'bad'):.2f} |"))
    for _, line in sorted(res, key=lambda x: -x[0] if np.isfinite(x[0]) else 0):
        print(line)


if __name__ == "__main__":
    main()
