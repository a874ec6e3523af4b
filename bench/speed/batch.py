"""Batch over every real clip: 1 worker, 2 workers, and Ray tasks on a local Ray instance.

    .venv/bin/python -m bench.speed.batch [--skip-ray]

Each mode writes to its own fresh folder under /tmp/formlens_bench, so nothing is skipped by resume.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from bench.common import (
    MODELS,
    REAL,
    ROOT,
    SCRATCH,
    SUBSET,
    base_args,
    clip,
    load_avg,
    machine_line,
    manifest,
    print_table,
)
from core.batch import run_batch
from core.config import AnalysisConfig


def report_key_exists(folder: Path, stem: str) -> bool:
    return any(folder.rglob(f"{stem}.mp4"))


def accuracy(out_dir) -> tuple[int, int]:
    """(clips whose rep count equals the manifest, clips analysed)."""
    truth = {stem.replace("/", "__"): int(r["reps"]) for stem, r in manifest().items()}
    exact = total = 0
    for p in out_dir.glob("*.json"):
        if p.name.endswith(".error.json"):
            continue
        key = p.stem.split("__")[-1]
        total += 1
        exact += int(json.loads(p.read_text())["rep_count"] == truth.get(key, -1))
    return exact, total


def subset_folder() -> Path:
    """Symlinks to the SUBSET clips in scratch space (the clips themselves stay in ../shared)."""
    folder = SCRATCH / "subset_videos"
    folder.mkdir(parents=True, exist_ok=True)
    for stem in SUBSET:
        link = folder / f"{stem}.mp4"
        if not link.exists():
            link.symlink_to(clip(stem))
    return folder


def run_mode(name: str, config: AnalysisConfig, workers: int, ray_address: str | None, folder: Path) -> list[object]:
    out = SCRATCH / f"batch_{name}"
    shutil.rmtree(out, ignore_errors=True)
    before = load_avg()
    t0 = time.perf_counter()
    counts = run_batch(folder, out, workers=workers, ray_address=ray_address, config=config,
                       log=lambda _m: None)
    wall = time.perf_counter() - t0
    video_s = sum(float(r["duration_s"]) for s, r in manifest().items() if report_key_exists(folder, s))
    exact, total = accuracy(out)
    return [name, counts["found"], counts["analysed"], counts["failed"], round(wall, 1),
            round(video_s / wall, 2), f"{exact}/{total}", before, load_avg()]


def main() -> None:
    p = base_args(__doc__)
    p.add_argument("--skip-ray", action="store_true")
    p.add_argument("--subset", action="store_true",
                   help="only bench.common.SUBSET (8 clips, linked into /tmp) instead of every real clip")
    p.add_argument("--crop-imgsz", type=int, default=0, help="pose on a crop around the lifter at this size (0 = off)")
    args = p.parse_args()
    print(machine_line(args.device))
    config = AnalysisConfig(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"),
                            pose_imgsz=args.imgsz, pose_device=args.device, pose_crop_imgsz=args.crop_imgsz)
    folder = subset_folder() if args.subset else REAL / "videos"
    rows = [run_mode("1 worker", config, 1, None, folder), run_mode("2 workers", config, 2, None, folder)]
    if not args.skip_ray:
        import os

        import ray

        os.environ["PYTHONPATH"] = str(ROOT)  # the local raylet's workers inherit it and can import core
        ray.init(num_cpus=2, include_dashboard=False, object_store_memory=300 * 2**20, log_to_driver=False)
        try:
            rows.append(run_mode("ray (local, 2 CPUs)", config, 1, ray.get_runtime_context().gcs_address,
                                 folder))
        finally:
            ray.shutdown()
    print(f"backend onnx:yolo11n-pose.onnx@{args.imgsz}, crop {args.crop_imgsz or 'off'}, "
          f"{'SUBSET' if args.subset else 'all'} clips in {folder}")
    print_table(["mode", "videos", "analysed", "failed", "wall s", "video s / wall s", "reps = manifest",
                 "load before", "load after"], rows)
    base = rows[0][4]
    for r in rows[1:]:
        print(f"speed-up of {r[0]} over 1 worker: {base / r[4]:.2f}x")


if __name__ == "__main__":
    main()
