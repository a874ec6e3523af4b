"""The bench pause's still threshold (core.judgment.standards.STILL_SPEED_M_S) against the per-rep ``pause``
labels, leave one source out: for each source, the threshold that calls the other sources' labelled reps best is
applied to its reps. Also: what each candidate threshold gives pooled, the reps the notes of other rows describe
as paused (not the ``pause`` column: shown apart), and the forearm ruler against the plate ruler.

    .venv/bin/python -m bench.accuracy.pause_still --traces /work/cache/traces [--shared ../shared] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from core.config import AnalysisConfig, shared_dir
from core.evaluation.clips import read_manifest, source_of
from core.evaluation.standards import labelled_reps, read_labels, truth_of
from core.judgment.standards import BY_NAME, FOREARM_M, SetContext, pause_seconds
from core.perception.trace_file import load_trace_of, trace_in
from core.pipeline import analyze_trace

CANDIDATES_M_S = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20)  # m/s still thresholds tried
NOTED_PAUSES = {("jlederer_bench_press", 1): "~3 s pause on chest", ("chauhan08_bench-press", 7): "~1.2 s pause",
                ("victorccole_supino_vi", 1): "~1 s pause near chest"}  # from rep_labels.csv notes (rater H)


def collect(shared_real: Path, traces: Path, config: AnalysisConfig) -> tuple[list[dict], list[str]]:
    """Per labelled bench rep: source, truth, and the still seconds at each candidate threshold."""
    labels = read_labels(shared_real)
    manifest = {Path(r["file"]).stem: r for r in read_manifest(shared_real)}
    rows, rulers = [], []
    for stem, labs in sorted(labels.items()):
        if manifest.get(stem, {}).get("lift") != "bench" or not trace_in(traces, stem).is_file():
            continue
        trace = load_trace_of(traces, stem)
        a = analyze_trace(trace, config, lift_override="bench")
        t0 = float(trace.times[0]) if len(trace.times) else 0.0
        ctx = SetContext("bench", a.series, a.report.view["label"], a.bar, a.angles, False,
                         config.bar_plate_diameter_m, pause_s=config.standard_pause_s)
        forearm = ctx._forearm_px()
        if ctx.plate_px and np.isfinite(forearm):
            rulers.append(f"| {stem} | {forearm:.0f} | {ctx.plate_px:.0f} | "
                          f"{forearm / ctx.plate_px * config.bar_plate_diameter_m:.2f} |")
        for k, rep in enumerate(labelled_reps("bench", labs, t0, a.series.fps, a.series.n_frames, a.angles)):
            still = {}
            for thr in CANDIDATES_M_S:
                x, what, why = pause_seconds(ctx, rep, thr)
                still[thr] = (x, what, why)
            rows.append({"stem": stem, "rep": k + 1, "source": source_of(stem), "label": labs[k]["pause"].strip(),
                         "truth": truth_of("pause", labs[k]), "still": still,
                         "ruler": "plate" if ctx.plate_px else "forearm" if ctx.still_m_per_px else "none"})
    return rows, rulers


def calls(rows: list[dict], thr: float, pause_s: float) -> list[str]:
    std = BY_NAME["pause"]
    return [std.call(r["still"][thr][0], pause_s) if r["still"][thr][2] is None else "cant_see" for r in rows]


def score(rows: list[dict], thr: float, pause_s: float) -> tuple[int, int]:
    """(right, wrong) among pass/fail calls on reps with a truth."""
    cs = calls(rows, thr, pause_s)
    right = sum(c == r["truth"] for r, c in zip(rows, cs, strict=True) if c in ("pass", "fail"))
    wrong = sum(c != r["truth"] for r, c in zip(rows, cs, strict=True) if c in ("pass", "fail"))
    return right, wrong


def pick(rows: list[dict], pause_s: float) -> float:
    """The candidate with the most right minus wrong calls; ties: the median tied candidate."""
    net = {t: (lambda rw: rw[0] - rw[1])(score(rows, t, pause_s)) for t in CANDIDATES_M_S}
    best = max(net.values())
    tied = [t for t in CANDIDATES_M_S if net[t] == best]
    return tied[len(tied) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=Path, required=True)
    ap.add_argument("--shared", type=Path, default=shared_dir())
    ap.add_argument("--out", type=Path, help="write the markdown here too")
    args = ap.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    config = AnalysisConfig()
    pause_s = config.standard_pause_s
    rows, rulers = collect(args.shared / "data" / "real", args.traces, config)
    truth = [r for r in rows if r["truth"] is not None]
    out = ["# Bench pause: the still threshold against the labels", "",
           "Command: `python -m bench.accuracy.pause_still --traces /work/cache/traces`", "",
           f"Pause setting {pause_s} s (band {BY_NAME['pause'].band} s). {len(truth)} labelled reps with a clear "
           f"`pause` (pass = yes, fail = no) from {len({r['source'] for r in truth})} sources.", "",
           "## Still seconds per labelled rep at each threshold (m/s)", "",
           "| rep | label | ruler | " + " | ".join(f"{t:g}" for t in CANDIDATES_M_S) + " |",
           "|---|---|---|" + "---|" * len(CANDIDATES_M_S)]
    for r in rows:
        if not r["label"] and (r["stem"], r["rep"]) not in NOTED_PAUSES:
            continue
        label = r["label"] or f"(note: {NOTED_PAUSES[(r['stem'], r['rep'])]})"
        cells = ["can't see" if w is not None else f"{x:.2f}" for x, _, w in r["still"].values()]
        out.append(f"| {r['stem']} {r['rep']} | {label} | {r['ruler']} | " + " | ".join(cells) + " |")
    out += ["", "## Pooled (every labelled source; for reference only)", "",
            "| threshold m/s | right | wrong |", "|---|---|---|"]
    for t in CANDIDATES_M_S:
        right, wrong = score(truth, t, pause_s)
        out.append(f"| {t:g} | {right} | {wrong} |")
    out += ["", "## Leave one source out", "", "| held-out source | threshold picked on the others | right | wrong | "
            "calls |", "|---|---|---|---|---|"]
    by_src: dict[str, list[dict]] = defaultdict(list)
    for r in truth:
        by_src[r["source"]].append(r)
    tot_r = tot_w = 0
    picks = []
    for src, rs in sorted(by_src.items()):
        t = pick([r for r in truth if r["source"] != src], pause_s)
        picks.append(t)
        right, wrong = score(rs, t, pause_s)
        tot_r, tot_w = tot_r + right, tot_w + wrong
        cs = ", ".join(f"{r['truth']}->{c}" for r, c in zip(rs, calls(rs, t, pause_s), strict=True))
        out.append(f"| {src} | {t:g} | {right} | {wrong} | {cs} |")
    out += ["", f"Held out: {tot_r} right, {tot_w} wrong of {len(truth)} labelled reps "
                f"(the rest borderline or can't see). Picks: {sorted(set(picks))} m/s.", "",
            "## Forearm ruler against the plate ruler", "",
            f"FOREARM_M = {FOREARM_M} m is the hands' ruler where no plate is measured.", "",
            "| clip | forearm px | plate px | forearm through the plate (m) |", "|---|---|---|---|", *rulers, ""]
    text = "\n".join(out)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
