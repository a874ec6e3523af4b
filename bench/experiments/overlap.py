"""Decode in a thread (core.perception.prefetch, ``decode_ahead``) vs inline, side by side, each twice, same process.

    nice -n 10 .venv/bin/python -m bench.experiments.overlap [--clips 03y_deadlift2 mattiolato_bad_01] [--ahead 4]

Bar tracking off so only decode and pose overlap; the frames (and so the answers) are the same either way.
"""

from __future__ import annotations

import argparse
import time
import warnings

from bench.common import MODELS, clip, load_avg, machine_line
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.pipeline import run_pose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clips", nargs="*", default=["03y_deadlift2", "mattiolato_bad_01"])
    ap.add_argument("--ahead", type=int, default=4)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(), flush=True)
    cfg = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), bar_tracking=False)
    backend = load_backend(cfg)
    for stem in args.clips:
        for _round in range(2):
            for ahead in (0, args.ahead):
                t = time.perf_counter()
                tr = run_pose(clip(stem), backend, cfg.update(decode_ahead=ahead))
                print(f"{stem} decode_ahead {ahead}: wall {time.perf_counter() - t:.2f} s, decode {tr.decode_s:.2f} s, "
                      f"pose {tr.pose_s:.2f} s, load {load_avg()}", flush=True)


if __name__ == "__main__":
    main()
