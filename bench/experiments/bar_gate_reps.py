"""Rep counts and lift type on every real clip from pose traces that carry a bar track, analysed as they are (the
bar gate ``core.movement.reps.bar_moves_with`` active) and with the bar track removed (issue 12: "rep counts and
lift type on all real clips before and after the bar is used"). Prints the clips that differ or are wrong, then
both tables.

    .venv/bin/python -m bench.experiments.bar_gate_reps --traces /work/cache/traces_fast [--shared ../shared]
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

from bench.common import SHARED
from core.config import AnalysisConfig
from core.evaluation.clips import analyse_clip, read_manifest, summary_table
from core.perception.trace_file import load_trace, trace_in


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=Path, required=True, help="folder of trace files <stem>.npz (or .pkl) with .bar")
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    cfg = AnalysisConfig()
    rows = [r for r in read_manifest(args.shared / "data" / "real")
            if (trace_in(args.traces, Path(r['file']).stem)).is_file()]
    with_bar, without, no_track = [], [], 0
    for r in rows:
        trace = load_trace(trace_in(args.traces, Path(r['file']).stem))
        no_track += getattr(trace, "bar", None) is None
        with_bar.append(analyse_clip(r, trace, cfg.update(rep_gate_bar=True)))
        without.append(analyse_clip(r, dataclasses.replace(trace, bar=None), cfg))
    print(f"{len(rows)} clips; {no_track} without a bar track in the trace\n")
    print("| clip | manifest | with bar | without bar |\n|---|---|---|---|")
    for a, b in zip(with_bar, without, strict=True):
        if (a.reps, a.best_lift) != (b.reps, b.best_lift) or not a.reps_exact or not b.reps_exact:
            print(f"| {a.stem} | {a.reps_true} {a.lift_true} | {a.reps} {a.best_lift} | {b.reps} {b.best_lift} |")
    print()
    print(summary_table(with_bar, "with the bar track (bar gate active)"))
    print()
    print(summary_table(without, "the same traces, bar track removed"))


if __name__ == "__main__":
    main()
