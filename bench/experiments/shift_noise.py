"""How much do answers move when the full frame is only shifted by half a network stride? (noise floor)

    .venv/bin/python -m bench.experiments.shift_noise [--only STEM ...] [--ref /work/cache/traces] [--shift 16]
                                                    [--out DIR] [--md FILE]

Without ``--only`` every real clip runs, shortest first; ``--out`` keeps each shifted trace (``<stem>.npz``)
and re-uses it on the next run, so the noise floor of all clips can be compared with any other variant
(bench/experiments/fast_vs_full.py) without running pose again.

Runs the full-frame pose pass (no crop) on frames padded by ``--shift`` px of grey on the left and top (the
network's 32-px grid then falls 16 px elsewhere on the lifter; nothing else changes), moves the keypoints
back and compares the answers with the full-frame reference trace, exactly as bench/experiments/fast_vs_full.py compares
the default crop. A verdict that flips under this shift is within the pose model's own noise: the crop
cannot be blamed for flipping it, and neither answer is more right than the other.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np

from bench.common import MODELS, clip, load_avg, machine_line, manifest
from bench.experiments.sampling import answers, diff
from core.config import AnalysisConfig
from core.perception.backends.onnx import PAD_VALUE
from core.perception.crop import shift
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, save_trace, trace_in
from core.pipeline import run_pose


class Shifted:
    """A backend wrapper: pads each frame by ``px`` grey on the left and top, moves results back."""

    def __init__(self, backend, px: int) -> None:
        self.backend, self.px, self.imgsz = backend, int(px), backend.imgsz
        self.name = f"{backend.name}+shift{px}"

    def predict(self, frames, imgsz=None):
        p = self.px
        padded = [np.pad(f, ((p, 0), (p, 0), (0, 0)), constant_values=PAD_VALUE) for f in frames]
        imgsz = self.imgsz + p  # same scale: the padded frame's long side grows by p px
        return [shift(people, -p, -p) for people in self.backend.predict(padded, imgsz=imgsz)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ref", default="/work/cache/traces")
    ap.add_argument("--only", nargs="*", default=None, help="clip stems (default: every clip with a reference)")
    ap.add_argument("--out", default=None, help="keep (and re-use) the shifted traces here")
    ap.add_argument("--md", default=None, help="also write the table to this markdown file")
    ap.add_argument("--shift", type=int, default=16, help="px of the decoded (480-px) frame")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    head = machine_line()
    print(head, flush=True)
    config = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_crop=False, bar_tracking=False,
                            slow_step_s=0.0)  # the pose of the reference traces (python -m bench.traces)
    backend = Shifted(load_backend(config), args.shift)
    rows = manifest()
    stems = args.only or sorted(rows, key=lambda s: float(rows[s]["duration_s"] or 0))
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    lines, n, n_same, n_reps = [], 0, 0, 0
    for stem in stems:
        ref_path = trace_in(Path(args.ref), stem)
        if not ref_path.is_file():
            continue
        ref = load_trace(ref_path)
        kept = trace_in(out, stem) if out else None
        if kept and kept.is_file():
            got = load_trace(kept)
        else:
            got = run_pose(clip(stem), backend, config)
            if kept:
                save_trace(got, kept)
        # the shift is the pose network's noise: the bar track and the scene cuts (other detectors, not run
        # here) are the reference's
        got = dataclasses.replace(got, bar=ref.bar, scene_change=ref.scene_change)
        a, b = answers(ref, config), answers(got, config)
        what, moved = diff(a, b)
        n += 1
        n_same += not what
        n_reps += a.get("reps") != b.get("reps")
        line = f"| {stem} | shifted {args.shift} px | {what or 'same'} | {moved:.3f} | {load_avg()} |"
        lines.append(line)
        print(line, flush=True)
    summary = (f"{n_same}/{n} clips with identical reps, lift, style and verdicts under a {args.shift}-px shift of "
               f"the full frame; rep count changed on {n_reps}")
    print(summary)
    if args.md:
        Path(args.md).write_text(f"<!-- nice -n 10 python -m bench.experiments.shift_noise, "
                                 f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC -->\n\n{head}\n\n"
                                 "| clip | variant | differences (full -> shifted) | max rep-time shift s | load |\n"
                                 "|---|---|---|---|---|\n" + "\n".join(lines) + f"\n\n- {summary}\n")

if __name__ == "__main__":
    main()
