"""Crop variants side by side on one clip: pose time and how far the lifter's keypoints move from full frame.

    nice -n 10 .venv/bin/python -m bench.experiments.crop_keypoints STEM [--ref /work/cache/traces] [--margin 0.35]
                                                        [--sizes 384 320] [--variants full window ...]

Variants, each a real run_pose in the same process and load: "window" (the crop as a window of the
full-frame input on the 32-px grid, what ``pose_crop=True`` runs), "from-frame" (the crop cut from the
decoded frame with its own letterbox, the previous version) and "zoom320" (``pose_crop_imgsz=320``), plus
"full" (no crop); for each ``--sizes`` px also "window@N" (the window crop on a full-frame input of N px:
the smaller pose input on the crop) and "full@N" (the whole frame at N px, to tell the size's effect from the
crop's). Keypoint distance: max over joints per frame vs the full-frame reference trace, median
and p95 over frames, source px. Answers compared as in bench/experiments/fast_vs_full.py.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

import core.perception.crop as crop
from bench.common import MODELS, clip, load_avg, machine_line
from bench.experiments.sampling import answers, diff
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, trace_in
from core.pipeline import run_pose


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("stem")
    ap.add_argument("--ref", default="/work/cache/traces")
    ap.add_argument("--margin", type=float, default=AnalysisConfig().pose_crop_margin)
    ap.add_argument("--sizes", nargs="*", type=int, default=[], help="smaller full-frame input sizes to try, px")
    ap.add_argument("--variants", nargs="*", default=None, help="only these variant names")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(), flush=True)
    base = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"), bar_tracking=False, pose_crop=False)
    backend = load_backend(base)
    ref = load_trace(trace_in(Path(args.ref), args.stem))
    want = answers(ref, base)
    window = crop.supports_window
    crop_cfg = base.update(pose_crop=True, pose_crop_margin=args.margin)
    variants = [("full", base, window), ("window", crop_cfg, window),
                ("from-frame", crop_cfg, lambda _b: False),
                ("zoom320", crop_cfg.update(pose_crop_imgsz=320), window)]
    for px in args.sizes:
        variants += [(f"full@{px}", base.update(pose_imgsz=px), window),
                     (f"window@{px}", crop_cfg.update(pose_imgsz=px), window)]
    variants = [v for v in variants if args.variants is None or v[0] in args.variants]
    backends = {base.pose_imgsz: backend}
    print("| clip | variant | pose s | keypoint move median px | p95 px | differences vs reference | load |")
    print("|---|---|---|---|---|---|---|")
    for name, cfg, supports in variants:
        crop.supports_window = supports
        load = load_avg()
        if cfg.pose_imgsz not in backends:
            backends[cfg.pose_imgsz] = load_backend(cfg)
        got = run_pose(clip(args.stem), backends[cfg.pose_imgsz], cfg)
        by_frame = dict(zip(ref.frame_index.tolist(), ref.people, strict=True))  # a full-rate reference: same frames
        pairs = [(by_frame[f], b) for f, b in zip(got.frame_index.tolist(), got.people, strict=True) if f in by_frame]
        moved = [np.abs(a.keypoints[crop.lifter_index(a)][:, :2] - b.keypoints[crop.lifter_index(b)][:, :2]).max()
                 for a, b in pairs if len(a) and len(b)]
        what, _ = diff(want, answers(got, base))
        print(f"| {args.stem} | {name} | {got.pose_s:.1f} | {np.median(moved):.1f} | {np.percentile(moved, 95):.1f} "
              f"| {what or 'same'} | {load} |", flush=True)
    crop.supports_window = window


if __name__ == "__main__":
    main()
