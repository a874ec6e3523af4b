"""Pose at half rate while everyone moves slowly (``AnalysisConfig.slow_step_s``, core.perception.sampling's slow
tier): are the answers any worse against the labels? Emulated on cached traces, confirmed for real on a few clips.

    .venv/bin/python -m bench.accuracy.pose_rate [--traces DIR] [--slow S] [--fast BH_S] [--confirm NAME ...]

Reference: each clip's trace in DIR as the current default writes it (python -m bench.traces: every sample of the
~30/s grid posed, except while everyone stands still). Candidate: the gate with the slow tier run over the same
samples, the cached poses standing in for the model (the direct ONNX backend has no state between frames, so a
sample posed in both gets the same keypoints), the skipped samples filled as core.pipeline.run_pose fills them.
Both analysed with the current code; compared per source (name prefix) against the manifest (rep count, lift)
and ``labels/rep_labels.csv`` (a counted rep whose lockout is within 0.5 s of a labelled one), and answer by
answer (reps, lift, style, every verdict; core.evaluation.clips and bench.experiments.sampling).
``--confirm`` runs the real pose pass on the named clips with the slow tier off and on: wall times and answers
(alone without ``--traces``).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from collections import defaultdict
from pathlib import Path

from bench.common import MODELS, REAL, clip, load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, answers_of, diff
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.evaluation.clips import match_reps, read_rep_labels, rep_tops, source_of
from core.perception.sampling import MotionGate, fill_skipped
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import analyze_trace


def gated(trace, config: AnalysisConfig):
    """``trace`` as the gate of ``config`` would have posed it: (trace, samples posed)."""
    gate = MotionGate.for_config(config, trace.fps)
    out = [p for _, p in gate.run(range(len(trace.people)), lambda idx: [trace.people[i] for i in idx])]
    people = fill_skipped(out, trace.times) if gate.stats.skipped else out
    return dataclasses.replace(trace, people=tuple(people), samples_posed=gate.stats.posed), gate.stats.posed


def judged(trace, config: AnalysisConfig) -> tuple[dict, tuple[float, ...]]:
    """(answers, each counted rep's lockout time in s) of one trace."""
    try:
        analysis = analyze_trace(trace, config)
    except FormLensError as err:
        return {"error": type(err).__name__}, ()
    return answers_of(analysis.report), rep_tops(analysis)


def _f1(matched: int, counted: int, labelled: int) -> str:
    return f"{2 * matched / (counted + labelled):.2f}" if counted + labelled else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--traces", default=None)
    ap.add_argument("--slow", type=float, default=None, help="s between poses in the slow tier (config.slow_step_s)")
    ap.add_argument("--fast", type=float, default=None, help="body heights/s (config.fast_bh_s)")
    ap.add_argument("--confirm", nargs="*", default=[])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    base = AnalysisConfig()
    cand = base.update(slow_step_s=base.slow_step_s if args.slow is None else args.slow,
                       fast_bh_s=base.fast_bh_s if args.fast is None else args.fast)
    ref_cfg = base.update(slow_step_s=0.0)
    if not args.traces:
        print(machine_line())
        confirm(args.confirm, ref_cfg, cand)
        return
    print(machine_line())
    print(f"reference: the default without the slow tier (traces {args.traces}); candidate: slow tier every "
          f"{cand.slow_step_s:g} s while everyone moves slower than {cand.fast_bh_s:g} body heights/s\n")
    labels = read_rep_labels(REAL)
    per = defaultdict(lambda: defaultdict(int))
    changed, posed_ref, posed_cand, total = [], 0, 0, 0
    for stem, row in manifest().items():
        path = trace_in(Path(args.traces), stem)
        if not path.is_file():
            continue
        ref = load_trace(path)
        cand_trace, n_posed = gated(ref, cand)
        (a, tops_a), (b, tops_b) = judged(ref, ref_cfg), judged(cand_trace, ref_cfg)
        what, shift = diff(a, b)
        s = per[source_of(stem)]
        s["clips"] += 1
        truth = int(row["reps"])
        scored = truth == 0 or stem in labels  # as evaluate clips: a 0-rep clip's counted reps are all false
        tops = labels.get(stem, [])
        for key, ans, found in (("ref", a, tops_a), ("cand", b, tops_b)):
            s[f"count_{key}"] += ans.get("reps") == truth
            s[f"lift_{key}"] += ans.get("lift") == row["lift"]
            s[f"counted_{key}"] += len(found) if scored else 0
            s[f"matched_{key}"] += match_reps(found, tops) if scored else 0
        s["labelled"] += len(tops) if scored else 0
        s["changed"] += bool(what)
        posed_ref += ref.samples_posed or len(ref.people)
        posed_cand += n_posed
        total += len(ref.people)
        if what:
            changed.append([stem, truth, a.get("reps"), b.get("reps"), what[:300], round(shift, 3)])
    rows, tot = [], defaultdict(int)
    for src in sorted(per):
        s = per[src]
        for k, v in s.items():
            tot[k] += v
        rows.append(_row(src, s))
    rows.append(_row("**all**", tot))
    print_table(["source", "clips", "exact count ref / cand", "lift right ref / cand", "per-rep F1 ref / cand",
                 "clips with any answer changed"], rows)
    print(f"\nsamples posed: reference {posed_ref}/{total} = {posed_ref / max(total, 1):.2f}, candidate "
          f"{posed_cand}/{total} = {posed_cand / max(total, 1):.2f} (x{posed_ref / max(posed_cand, 1):.2f} fewer)")
    print("\nchanged clips (reference -> candidate)\n")
    print_table(["clip", "reps (manifest)", "reps ref", "reps cand", "differences", "max rep-time shift s"], changed)
    if args.confirm:
        confirm(args.confirm, ref_cfg, cand)


def _row(src: str, s) -> list:
    return [src, s["clips"], f"{s['count_ref']} / {s['count_cand']}", f"{s['lift_ref']} / {s['lift_cand']}",
            f"{_f1(s['matched_ref'], s['counted_ref'], s['labelled'])} / "
            f"{_f1(s['matched_cand'], s['counted_cand'], s['labelled'])}", s["changed"]]


def confirm(stems: list[str], ref_cfg: AnalysisConfig, cand: AnalysisConfig) -> None:
    """Real pose passes with the slow tier off and on, one after the other per clip."""
    from core.perception.pose import load_backend
    from core.pipeline import analyze_video

    weights = dict(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"))
    backend = load_backend(ref_cfg.update(**weights))
    rows = []
    for stem in stems:
        res = {}
        for name, cfg in (("off", ref_cfg.update(**weights)), ("on", cand.update(**weights))):
            t = time.perf_counter()
            an = analyze_video(clip(stem), backend, cfg)
            res[name] = (time.perf_counter() - t, an)
        a, b = answers(res["off"][1].trace, ref_cfg), answers(res["on"][1].trace, ref_cfg)
        what, shift = diff(a, b)
        dur = float(manifest()[stem]["duration_s"])
        rows.append([stem, round(dur, 1), round(res["off"][0], 2), round(res["on"][0], 2),
                     round(res["off"][0] / res["on"][0], 2), res["off"][1].trace.samples_posed,
                     res["on"][1].trace.samples_posed, what or "same", round(shift, 3), load_avg()])
    print("\nreal runs (analyze_video, slow tier off vs on, one after the other)\n")
    print_table(["clip", "video s", "off wall s", "on wall s", "speed-up", "posed off", "posed on", "differences",
                 "max rep-time shift s", "load"], rows)


if __name__ == "__main__":
    main()
