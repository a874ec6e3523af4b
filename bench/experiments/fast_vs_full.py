"""The pose pass with the crop around the lifter (capped sampling, bar tracking) vs the full-frame analysis.

    .venv/bin/python -m bench.experiments.fast_vs_full [--ref /work/cache/traces] [--out /work/cache/traces_fast]
                                                     [--only STEM ...] [--reuse] [--md bench/results/fast_vs_full.md]

For every real clip (shortest first) it runs ``run_pose`` with ``pose_crop=True`` (``--margin``) and the
barbell observer, otherwise exactly as
``core.pipeline.analyze_video`` does, and stores the trace (bar track included) as ``<out>/<stem>.npz``
(written to a temporary name and renamed, so a reader never sees half a file); ``<out>/DONE`` is written at
the end. ``--reuse`` re-analyses stored traces without running pose again.

The reference is the full-frame trace in ``--ref`` (480 px, at most 30 samples/s, bar track). With ``--no-bar``
the candidate gets the reference's bar track and scene cuts, so the table shows what the crop changes and
nothing else: rep count, lift, style, every rep's and the set's fault verdicts, the largest rep start/turn/end
shift. The manifest's true rep count is printed next to both, to tell a fix from a regression.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from pathlib import Path

from bench.common import MODELS, ROOT, clip, load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, diff
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, save_trace, trace_in
from core.perception.video import probe
from core.pipeline import bar_observer, run_pose


def fast_trace(stem: str, backend, config: AnalysisConfig, bar: bool = True):
    """The crop pose pass with the bar observer (unless ``bar`` is False), as analyze_video runs it."""
    info = probe(clip(stem), config)
    bar_obs = bar_observer(config) if bar else None
    trace = run_pose(clip(stem), backend, config, info=info, observers=(bar_obs,) if bar_obs else ())
    if bar_obs is not None:
        trace = dataclasses.replace(trace, bar=bar_obs.finish(bar_obs.detector.name))
    return trace


def save(trace, path: Path) -> None:
    save_trace(trace, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ref", default="/work/cache/traces", help="full-frame <stem>.npz (or .pkl) traces")
    ap.add_argument("--out", default="/work/cache/traces_fast", help="where the crop pass's traces go")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--reuse", action="store_true", help="analyse traces already in --out instead of re-running")
    ap.add_argument("--md", default=None, help="also write the table to this markdown file")
    ap.add_argument("--margin", type=float, default=AnalysisConfig().pose_crop_margin, help="config.pose_crop_margin")
    ap.add_argument("--no-bar", action="store_true", help="skip the bar observer and give the crop's trace the "
                    "reference's bar track and scene cuts (the crop changes pose only)")
    ap.add_argument("--slow", type=float, default=0.0, help="config.slow_step_s (0: the reference traces' gate)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    head = machine_line()
    print(head, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_crop=True,
                            pose_crop_margin=args.margin, slow_step_s=args.slow)
    backend = load_backend(config)
    rows = manifest()
    stems = args.only or sorted(rows, key=lambda s: float(rows[s]["duration_s"] or 0))
    table, n_same, n, right = [], 0, 0, {"ref": 0, "fast": 0}
    pose_ref = pose_fast = 0.0
    for stem in stems:
        ref_path, path = trace_in(Path(args.ref), stem), trace_in(out, stem)
        if not ref_path.is_file():
            print("SKIP", stem, "no reference trace", flush=True)
            continue
        ref = load_trace(ref_path)
        load, t = load_avg(), time.perf_counter()
        try:
            if args.reuse and path.is_file():
                got = load_trace(path)
            else:
                got = fast_trace(stem, backend, config, bar=not args.no_bar)
                save(got, path)
        except FormLensError as err:
            print("ERROR", stem, type(err).__name__, err, flush=True)
            continue
        wall = time.perf_counter() - t
        if args.no_bar:  # the crop changes pose only: the bar track and scene cuts are the reference's
            got = dataclasses.replace(got, bar=ref.bar, scene_change=ref.scene_change)
        a, b = answers(ref, config), answers(got, config)
        what, shift = diff(a, b)
        true = int(rows[stem]["reps"]) if rows[stem]["reps"].strip().isdigit() else None
        n += 1
        n_same += not what
        right["ref"] += a.get("reps") == true
        right["fast"] += b.get("reps") == true
        pose_ref += ref.pose_s
        pose_fast += got.pose_s
        row = [stem, f"{ref.info.width}x{ref.info.height}@{ref.info.fps:.0f}", true, a.get("reps", a.get("error")),
               b.get("reps", b.get("error")), what or "same", round(shift, 3),
               round(ref.pose_s / max(len(ref.people), 1) * 1000, 1),
               round(got.pose_s / max(len(got.people), 1) * 1000, 1), "yes" if got.bar is not None else "no",
               round(wall, 1), load]
        table.append(row)
        print("ROW", row, flush=True)
    if not args.only:
        (out / "DONE").write_text(f"{n} clips, {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC\n")
    headers = ["clip", "source", "reps (manifest)", "reps full frame", "reps crop", "differences (full -> crop)",
               "max rep-time shift s", "full pose ms/sample", "crop pose ms/sample", "bar track", "wall s", "load"]
    summary = [f"{n_same}/{n} clips with identical reps, lift, style and verdicts (crop vs full frame)",
               f"rep count equal to the manifest: full frame {right['ref']}/{n}, crop {right['fast']}/{n}",
               f"pose time, all clips: full frame {pose_ref:.0f} s (cached traces, load then unknown), crop "
               f"{pose_fast:.0f} s (this run){' (reused traces: earlier run)' if args.reuse else ''}",
               f"load avg at end {load_avg()}"]
    print()
    print_table(headers, table)
    print("\n".join(summary))
    if args.md:
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            print_table(headers, table)
        Path(ROOT / args.md if not Path(args.md).is_absolute() else args.md).write_text(
            f"<!-- nice -n 10 python -m bench.experiments.fast_vs_full {' '.join(sys.argv[1:])}, "
            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC -->\n\n{head}\n\n{buf.getvalue()}\n"
            + "\n".join(f"- {s}" for s in summary) + "\n")


if __name__ == "__main__":
    main()
