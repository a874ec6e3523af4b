"""Does the tracked bar say which lift it is? Leave-one-source-out, on every real clip with a bar track.

    .venv/bin/python -m bench.experiments.bar_lift --traces <folder of trace files with .bar>

Per clip the statistic of core.perception.bar.evidence (the bar's upper-quartile height above the lifter's
shoulders, in torso lengths). First with the shipped body-proportion priors (BAR_HEIGHT), then with each
lift's mean and spread fitted on the other sources only (the source is the clip name's prefix), and for the
question the bar is for (deadlift or squat, upright lifters) alone. Prints per-clip values and both scores.
"""

from __future__ import annotations

import argparse
import csv
import warnings
from pathlib import Path

import numpy as np

from bench.common import SHARED
from core.config import AnalysisConfig
from core.judgment.lift import shoulders_and_torso
from core.perception.bar.evidence import BAR_HEIGHT, bar_statistic
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import analyze_trace

MIN_SD = 0.1  # torso lengths: floor on a fitted spread (a source with one clip has none)


def clip_statistic(trace, cfg) -> float | None:
    """The lifter's bar statistic, as core.pipeline.choose_lift computes it."""
    a = analyze_trace(trace, cfg)
    if a.bar is None or len(a.bar.times) != len(a.series.xy):
        return None
    return bar_statistic(a.bar.xy[:, 1], *shoulders_and_torso(a.series))


def classify(q: float, params: dict[str, tuple[float, float]], lifts) -> str:
    return max(lifts, key=lambda k: -0.5 * ((q - params[k][0]) / params[k][1]) ** 2 - np.log(params[k][1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    cfg = AnalysisConfig()
    with open(args.shared / "data" / "real" / "manifest.csv", newline="") as fh:
        rows = {Path(r["file"]).stem: r for r in csv.DictReader(fh)}
    clips = []
    for stem, r in sorted(rows.items()):
        p = trace_in(args.traces, stem)
        if not p.is_file():
            continue
        try:
            q = clip_statistic(load_trace(p), cfg)
        except Exception:  # a clip the pipeline refuses says nothing here
            q = None
        if q is not None:
            clips.append((stem, stem.split("_")[0], r["lift"], q))
    print("| clip | lift | bar height (torso lengths) |\n|---|---|---|")
    for stem, _src, lift, q in clips:
        print(f"| {stem} | {lift} | {q:.2f} |")
    lifts = tuple(BAR_HEIGHT)
    prior = sum(classify(q, BAR_HEIGHT, lifts) == lift for _s, _src, lift, q in clips)
    loso, dl_sq, dl_sq_n = 0, 0, 0
    for _stem, src, lift, q in clips:
        train = [c for c in clips if c[1] != src]
        params = {}
        for k in lifts:
            v = np.array([c[3] for c in train if c[2] == k])
            params[k] = (float(np.mean(v)), max(MIN_SD, float(np.std(v)))) if v.size >= 2 else BAR_HEIGHT[k]
        loso += classify(q, params, lifts) == lift
        if lift in ("deadlift", "squat"):
            dl_sq_n += 1
            dl_sq += classify(q, params, ("deadlift", "squat")) == lift
    n = len(clips)
    print(f"\n{n} clips with the bar and the shoulders seen together on >= 5 samples")
    print(f"- shipped priors (body proportions): lift named right on {prior}/{n}")
    print(f"- each lift's mean and spread fitted leaving the clip's source out: {loso}/{n}")
    print(f"- deadlift or squat only (upright lifters; the body tells lying from upright): {dl_sq}/{dl_sq_n}")


if __name__ == "__main__":
    main()
