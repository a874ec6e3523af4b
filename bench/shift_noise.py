"""How much do answers move when the full frame is only shifted by half a network stride? (noise floor)

    nice -n 10 .venv/bin/python -m bench.shift_noise --only STEM ... [--ref /work/cache/traces] [--shift 16]

Runs the full-frame pose pass (no crop) on frames padded by ``--shift`` px of grey on the left and top (the
network's 32-px grid then falls 16 px elsewhere on the lifter; nothing else changes), moves the keypoints
back and compares the answers with the full-frame reference trace, exactly as bench/fast_vs_full.py compares
the default crop. A verdict that flips under this shift is within the pose model's own noise: the crop
cannot be blamed for flipping it, and neither answer is more right than the other.
"""

from __future__ import annotations

import argparse
import pickle
import warnings
from pathlib import Path

import numpy as np

from bench.common import MODELS, clip, load_avg, machine_line
from bench.sampling import answers, diff
from core.config import AnalysisConfig
from core.perception.backends.onnx import PAD_VALUE
from core.perception.crop import shift
from core.perception.pose import load_backend
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
    ap.add_argument("--only", nargs="+", required=True)
    ap.add_argument("--shift", type=int, default=16, help="px of the decoded (480-px) frame")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(), flush=True)
    config = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_crop=False, bar_tracking=False)
    backend = Shifted(load_backend(config), args.shift)
    for stem in args.only:
        with open(Path(args.ref) / f"{stem}.pkl", "rb") as fh:
            ref = pickle.load(fh)
        got = run_pose(clip(stem), backend, config)
        what, moved = diff(answers(ref, config), answers(got, config))
        print(f"| {stem} | shifted {args.shift} px | {what or 'same'} | {moved:.3f} | {load_avg()} |", flush=True)


if __name__ == "__main__":
    main()
