"""Does sampling at most ~30 samples/s change any answer? Full-rate vs capped analysis on real clips.

    .venv/bin/python -m bench.experiments.sampling --traces DIR [--all-30fps]

Reads full-rate pose traces (trace files, core.perception.trace_file, every frame, as written by the
lead's cache or ``python -m core evaluate clips``), emulates the default cap by keeping every
``config.stride_for(fps)``-th sample (the frames run_pose would have analysed), and compares
``analyze_trace`` on both: rep count, rep start/turn/end times, lift label, style, and every
fault's verdict per rep and per set. 30 fps clips keep every frame under the cap (identical by
construction); for them it also shows stride 2 (15 samples/s) as a margin. A real run of a few
clips (run_pose at both rates) confirms the emulation (``--confirm NAME ...``).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np

from bench.common import MODELS, clip, load_avg, machine_line, manifest, print_table
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import PoseTrace, analyze_trace


def subsample(trace: PoseTrace, stride: int) -> PoseTrace:
    """The samples run_pose keeps at ``stride`` (source frames 0, stride, 2*stride, ...)."""
    if stride == 1:
        return trace
    keep = np.flatnonzero(trace.frame_index % stride == 0)
    return dataclasses.replace(trace, people=tuple(trace.people[i] for i in keep), frame_index=trace.frame_index[keep],
                               times=trace.times[keep], fps=trace.fps / stride)


def verdict(f: dict) -> str:
    if "verdict" in f:
        return f["verdict"]
    if not f.get("judgeable", True):
        return "cannot_judge"
    return "fault" if f.get("detected") else "fine"


def answers(trace: PoseTrace, config: AnalysisConfig) -> dict:
    try:
        return answers_of(analyze_trace(trace, config).report)
    except FormLensError as err:
        return {"error": type(err).__name__}


def answers_of(r) -> dict:
    """A report's answers: rep count, lift, style, rep times (s), every verdict."""
    faults = {}
    for rep in r.reps:
        for f in rep.faults:
            faults[f"rep{rep.index + 1}:{f['name']}"] = verdict(f)
    for f in r.set_faults:
        faults[f"set:{f['name']}"] = verdict(f)
    return {"reps": r.rep_count, "lift": r.lift["label"], "style": (r.style or {}).get("label"),
            "turns": [rep.turn_s for rep in r.reps], "starts": [rep.start_s for rep in r.reps],
            "ends": [rep.end_s for rep in r.reps], "faults": faults}


def diff(a: dict, b: dict) -> tuple[str, float]:
    """Differences in words (empty = same answers) and the largest rep-time shift, s."""
    if "error" in a or "error" in b:
        return ("" if a.get("error") == b.get("error") else f"{a.get('error')} vs {b.get('error')}"), 0.0
    out = [f"{k} {a[k]} -> {b[k]}" for k in ("reps", "lift", "style") if a[k] != b[k]]
    shift = 0.0
    if a["reps"] == b["reps"] and a["reps"]:
        shift = float(max(np.max(np.abs(np.subtract(a[k], b[k]))) for k in ("starts", "turns", "ends")))
    for k in sorted(set(a["faults"]) | set(b["faults"])):
        va, vb = a["faults"].get(k, "-"), b["faults"].get(k, "-")
        if va != vb:
            out.append(f"{k} {va} -> {vb}")
    return "; ".join(out), shift


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--traces", required=True, help="folder of full-rate <clip stem>.npz (or .pkl) traces")
    ap.add_argument("--n30", type=int, default=8, help="30 fps clips to include (first N in manifest order)")
    ap.add_argument("--confirm", nargs="*", default=[], help="clips to re-run for real at both rates")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line())
    config = AnalysisConfig()
    rows, n_same, n = [], 0, 0
    fast = [s for s, r in manifest().items() if float(r["fps"]) > 35]
    slow = [s for s, r in manifest().items() if float(r["fps"]) <= 35][:args.n30]
    for stem in fast + slow:
        path = trace_in(Path(args.traces), stem)
        if not path.is_file():
            rows.append([stem, manifest()[stem]["fps"], "-", "-", "-", "no trace", "", load_avg()])
            continue
        full = load_trace(path)
        stride = config.stride_for(full.info.fps)
        strides = [stride] if stride > 1 else [1, 2]
        base = answers(full, config)
        for s in strides:
            capped = subsample(full, s)
            got = answers(capped, config)
            what, shift = diff(base, got)
            counted = s == stride
            n += counted
            n_same += counted and not what
            rows.append([stem, round(full.info.fps, 2), f"{s} ({capped.fps:.1f}/s)" + ("" if counted else " margin"),
                         base.get("reps", base.get("error")), got.get("reps", got.get("error")), what or "same",
                         round(shift, 3), load_avg()])
    print(f"cap {config.max_sample_hz:g} samples/s; traces from {args.traces}; 'margin' rows are not the default")
    print_table(["clip", "source fps", "stride (samples/s)", "reps full", "reps capped", "differences",
                 "max rep-time shift s", "load"], rows)
    print(f"default cap: {n_same}/{n} clips with identical reps, lift, style and verdicts")
    if args.confirm:
        confirm(args.confirm, config)


def confirm(stems: list[str], config: AnalysisConfig) -> None:
    """Real runs: run_pose at full rate and at the default cap on each clip."""
    from core.perception.pose import load_backend
    from core.pipeline import run_pose

    backend = load_backend(config.update(pose_weights=str(MODELS / "yolo11n-pose.onnx")))
    rows = []
    for stem in stems:
        t = time.perf_counter()
        full = run_pose(clip(stem), backend, config.update(frame_stride=1))
        t_full = time.perf_counter() - t
        t = time.perf_counter()
        capped = run_pose(clip(stem), backend, config)
        t_cap = time.perf_counter() - t
        what, shift = diff(answers(full, config), answers(capped, config))
        rows.append([stem, round(full.fps, 2), round(capped.fps, 2), round(t_full, 1), round(t_cap, 1),
                     what or "same", round(shift, 3), load_avg()])
    print("\nreal runs (run_pose at every frame vs default cap)")
    print_table(["clip", "full samples/s", "capped samples/s", "full wall s", "capped wall s", "differences",
                 "max rep-time shift s", "load"], rows)


if __name__ == "__main__":
    main()
