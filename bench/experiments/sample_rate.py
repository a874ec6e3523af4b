"""How far below ~30 samples/s do answers start to move? Every real clip at the default cap vs lower caps.

    .venv/bin/python -m bench.experiments.sample_rate --traces DIR [--hz 15 10]

Reads full-rate pose traces (trace files, core.perception.trace_file, every frame), keeps the samples the default
cap keeps (``config.stride_for(fps)``) as the reference and the samples a lower ``max_sample_hz`` would keep as
the candidate, and compares ``analyze_trace`` answers (bench.experiments.sampling.diff: rep count, lift, style, every
verdict). The manifest's rep count is printed beside both. This is what rules out a lower default rate while
the lifter moves (issue 15): the still skip (core.perception.sampling) lowers it only while nobody moves.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from bench.common import load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, diff, subsample
from core.config import AnalysisConfig
from core.perception.trace_file import load_trace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--traces", required=True, help="folder of full-rate <clip stem>.npz (or .pkl) traces")
    ap.add_argument("--hz", nargs="*", type=float, default=[15.0, 10.0])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line())
    base = AnalysisConfig()
    tot = {hz: {"same": 0, "reps_ok": 0} for hz in args.hz}
    rows, n, ref_ok = [], 0, 0
    for path in sorted(p for p in Path(args.traces).iterdir() if p.suffix in (".npz", ".pkl")):
        if path.stem not in manifest():
            continue
        full = load_trace(path)
        truth = int(manifest()[path.stem]["reps"])
        ref = answers(subsample(full, base.stride_for(full.info.fps)), base)
        n += 1
        ref_ok += ref.get("reps") == truth
        row = [path.stem, round(full.info.fps, 1), truth, ref.get("reps", ref.get("error"))]
        for hz in args.hz:
            cfg = base.update(max_sample_hz=hz)
            got = answers(subsample(full, cfg.stride_for(full.info.fps)), cfg)
            what, _ = diff(ref, got)
            tot[hz]["same"] += not what
            tot[hz]["reps_ok"] += got.get("reps") == truth
            row += [got.get("reps", got.get("error")), what or "same"]
        rows.append(row)
    print_table(["clip", "fps", "reps (manifest)", f"reps at {base.max_sample_hz:g}/s",
                 *[c for hz in args.hz for c in (f"reps at {hz:g}/s", f"differences at {hz:g}/s")]], rows)
    print(f"{n} clips; rep count = manifest at {base.max_sample_hz:g}/s: {ref_ok}/{n}")
    for hz, t in tot.items():
        print(f"at {hz:g}/s: {t['same']}/{n} clips with identical answers, rep count = manifest {t['reps_ok']}/{n}")
    print(f"load avg at end {load_avg()}")


if __name__ == "__main__":
    main()
