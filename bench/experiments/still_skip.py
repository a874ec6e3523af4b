"""Does posing only every ``still_step_s`` while nobody moves (core.perception.sampling.MotionGate) change any
answer? Emulated exactly on cached pose traces, then timed for real on a few clips.

    .venv/bin/python -m bench.experiments.still_skip --traces DIR [--step S] [--hold S] [--move BH] [--confirm NAME ...]

For every real clip with a trace in DIR (a trace file, core.perception.trace_file, at every frame or at the default
cap), the samples the default analysis poses (``config.stride_for(fps)``) are the reference. The gate is run
over them with the cached poses standing in for the model (the pose of a sample does not depend on which
other samples were posed: the direct backend has no state between frames), the skipped samples are filled
exactly as ``core.pipeline.run_pose`` fills them, and ``analyze_trace`` answers are compared: rep count, lift,
style, every rep's and the set's fault verdicts, the largest rep start/turn/end shift. The manifest's count is
printed next to both. ``--confirm`` runs the real pose pass with and without the gate on the named clips and
prints both wall times and answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

from bench.common import MODELS, clip, load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, diff, subsample
from core.config import AnalysisConfig
from core.perception.sampling import MotionGate, fill_skipped
from core.perception.trace_file import load_trace


def gated(trace, config: AnalysisConfig):
    """``trace`` as the gate would have posed it: (trace with skipped samples filled, gate stats)."""
    gate = MotionGate.for_rate(trace.fps, config.still_step_s, config.still_hold_s, config.still_move_bh)
    out = list(gate.run(range(len(trace.people)), lambda idx: [trace.people[i] for i in idx]))
    people = fill_skipped([p for _, p in out], trace.times)
    return dataclasses.replace(trace, people=tuple(people)), gate.stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--traces", required=True)
    ap.add_argument("--step", type=float, default=None, help="s; config.still_step_s")
    ap.add_argument("--hold", type=float, default=None, help="s; config.still_hold_s")
    ap.add_argument("--move", type=float, default=None, help="body heights; config.still_move_bh")
    ap.add_argument("--confirm", nargs="*", default=[])
    ap.add_argument("--quiet", action="store_true", help="only clips whose answers change, and the totals")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line())
    config = AnalysisConfig()
    config = config.update(**{k: v for k, v in (("still_step_s", args.step), ("still_hold_s", args.hold),
                                                ("still_move_bh", args.move)) if v is not None})
    rows, n, same, ok_ref, ok_gate, posed, total = [], 0, 0, 0, 0, 0, 0
    for path in sorted(p for p in Path(args.traces).iterdir() if p.suffix in (".npz", ".pkl")):
        stem = path.stem
        if stem not in manifest():
            continue
        full = load_trace(path)
        ref = subsample(full, max(1, config.stride_for(full.info.fps) // max(1, round(full.info.fps / full.fps))))
        cand, stats = gated(ref, config)
        a, b = answers(ref, config), answers(cand, config)
        what, shift = diff(a, b)
        truth = int(manifest()[stem]["reps"])
        n += 1
        same += not what
        ok_ref += a.get("reps") == truth
        ok_gate += b.get("reps") == truth
        posed += stats.posed
        total += len(ref.people)
        if what or not args.quiet:
            rows.append([stem, f"{full.info.fps:.0f}", len(ref.people), f"{stats.posed / len(ref.people):.2f}",
                         stats.backfilled, truth, a.get("reps", a.get("error")), b.get("reps", b.get("error")),
                         what or "same", round(shift, 3)])
    print(f"gate: step {config.still_step_s:g} s, hold {config.still_hold_s:g} s, move {config.still_move_bh:g} "
          f"body heights; traces {args.traces}")
    print_table(["clip", "fps", "samples", "share posed", "back-filled", "reps (manifest)", "reps every sample",
                 "reps gated", "differences", "max rep-time shift s"], rows)
    print(f"{same}/{n} clips with identical reps, lift, style and verdicts; samples posed {posed}/{total} "
          f"= {posed / max(total, 1):.2f}; rep count = manifest: every sample {ok_ref}/{n}, gated {ok_gate}/{n}")
    if args.confirm:
        confirm(args.confirm, config)


def confirm(stems: list[str], config: AnalysisConfig) -> None:
    """Real pose passes with the gate off and on."""
    from core.perception.pose import load_backend
    from core.pipeline import analyze_video

    config = config.update(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"))
    backend = load_backend(config)
    rows = []
    for stem in stems:
        res = {}
        for name, cfg in (("off", config.update(still_skip=False)), ("on", config.update(still_skip=True))):
            t = time.perf_counter()
            an = analyze_video(clip(stem), backend, cfg)
            res[name] = (time.perf_counter() - t, an)
        a = answers(res["off"][1].trace, config)
        b = answers(res["on"][1].trace, config)
        what, shift = diff(a, b)
        dur = float(manifest()[stem]["duration_s"])
        rows.append([stem, round(dur, 1), round(dur / res["off"][0], 2), round(dur / res["on"][0], 2),
                     round(res["off"][0] / res["on"][0], 2), what or "same", round(shift, 3), load_avg()])
    print("\nreal runs (analyze_video, gate off vs on)")
    print_table(["clip", "video s", "off x real time", "on x real time", "speed-up", "differences",
                 "max rep-time shift s", "load"], rows)


if __name__ == "__main__":
    main()
