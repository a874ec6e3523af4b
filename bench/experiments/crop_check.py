"""Crop around the lifter + capped sampling vs the full-rate, full-frame analysis, on real clips.

    .venv/bin/python -m bench.experiments.crop_check --traces DIR [--only NAME ...] [--no-crop]

The reference is a full-rate, full-frame pose trace (every frame, 480 px, yolo11n-pose.onnx: the
lead's cache or ``python -m core evaluate clips``'s traces); the candidate is a real ``run_pose``
with the default sampling cap and ``pose_crop=True``. Compares rep count, rep times, lift, style and
every fault verdict, and the pose time of both. One line per clip is printed as soon as it is done.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from bench.common import MODELS, clip, load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, diff
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import run_pose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--traces", required=True, help="folder of full-rate <clip stem>.npz (or .pkl) traces")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--no-crop", action="store_true", help="candidate without the crop (sampling cap only)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(), flush=True)
    config = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_imgsz=480,
                            pose_crop=not args.no_crop)
    backend = load_backend(config)
    stems = args.only or sorted(manifest(), key=lambda s: float(manifest()[s]["duration_s"]))
    rows, same = [], 0
    for stem in stems:
        path = trace_in(Path(args.traces), stem)
        if not path.is_file():
            continue
        ref = load_trace(path)
        load = load_avg()
        t = time.perf_counter()
        got = run_pose(clip(stem), backend, config)
        wall = time.perf_counter() - t
        what, shift = diff(answers(ref, config), answers(got, config))
        same += not what
        a = answers(ref, config)
        row = [stem, f"{ref.info.width}x{ref.info.height}@{ref.info.fps:.0f}", a.get("reps", a.get("error")),
               what or "same", round(shift, 3), round(ref.pose_s / max(len(ref.people), 1) * 1000, 1),
               round(got.pose_s / max(len(got.people), 1) * 1000, 1), len(ref.people), len(got.people),
               round(wall, 1), load]
        rows.append(row)
        print("ROW", row, flush=True)
    print(f"\ncandidate: {'capped sampling' if args.no_crop else 'capped sampling + crop at full-frame scale'}; "
          f"reference: full-rate full-frame traces in {args.traces}")
    print_table(["clip", "source", "reps (ref)", "differences", "max rep-time shift s", "ref pose ms/sample",
                 "candidate pose ms/sample", "ref samples", "candidate samples", "candidate wall s", "load"], rows)
    print(f"{same}/{len(rows)} clips with identical reps, lift, style and verdicts; load at end {load_avg()}")


if __name__ == "__main__":
    main()
