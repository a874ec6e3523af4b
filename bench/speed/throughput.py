"""Upload-pipeline throughput per backend and per speed option, side by side on the same clips.

    .venv/bin/python -m bench.speed.throughput [--imgsz 480] [--device cpu]

Every clip is run through every variant before moving to the next clip, so
load from other users hits all variants alike. Prints video seconds per wall
second, frames per second, the decode / pose / analysis split, rep counts vs
the manifest, and a pose-only micro-benchmark of batch size 1 vs 4.
"""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np

from bench.common import MODELS, base_args, clip, load_avg, machine_line, manifest, print_table
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.pose import load_backend
from core.perception.video import iter_frames
from core.pipeline import analyze_video

CLIPS = ("bichraix_good001", "jeffchen_good", "mattiolato_bad_01", "formfit_squat",
         "nadamarie_false_bench")  # 1280x720, 600x600, 1920x1080, 620x720, 640x360; all three lifts


def variants(imgsz: int, device: str) -> dict[str, AnalysisConfig]:
    pt, onnx = str(MODELS / "yolo11n-pose.pt"), str(MODELS / "yolo11n-pose.onnx")
    base = AnalysisConfig(pose_imgsz=imgsz, pose_device=device)
    return {
        "A yolo .pt (ultralytics), inline decode": base.update(pose_weights=pt, decode_ahead=0),
        "B onnx direct, inline decode": base.update(pose_backend="onnx", pose_weights=onnx, decode_ahead=0),
        "C onnx direct, decode thread": base.update(pose_backend="onnx", pose_weights=onnx),
        "D = C + crop around lifter at 320": base.update(pose_backend="onnx", pose_weights=onnx, pose_crop_imgsz=320),
        "E = C with frame stride 2": base.update(pose_backend="onnx", pose_weights=onnx, frame_stride=2),
    }


def run_clip(stem: str, backend, config: AnalysisConfig) -> dict[str, float]:
    t0 = time.perf_counter()
    try:
        report = analyze_video(clip(stem), backend, config).report
        reps, timing = report.rep_count, report.timing
    except FormLensError:
        reps, timing = -1, {"decode_s": np.nan, "pose_s": np.nan, "analysis_s": np.nan}
    wall = time.perf_counter() - t0
    return {"wall": wall, "reps": reps, **timing}


def micro_batch(device: str, imgsz: int) -> list[list[object]]:
    """Pose-only ms per frame at batch 1 vs 4 on 32 frames of a 1280x720 clip."""
    frames = [f.image for f in itertools.islice(iter_frames(clip("bichraix_good001"), max_side=imgsz), 32)]
    rows = []
    for name, cfg in (("yolo .pt", AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.pt"))),
                      ("onnx direct", AnalysisConfig(pose_backend="onnx",
                                                     pose_weights=str(MODELS / "yolo11n-pose.onnx")))):
        backend = load_backend(cfg.update(pose_imgsz=imgsz, pose_device=device))
        backend.predict(frames[:4])
        ms = {}
        for bs in (1, 4):
            t = time.perf_counter()
            for i in range(0, len(frames), bs):
                backend.predict(frames[i:i + bs])
            ms[bs] = (time.perf_counter() - t) / len(frames) * 1000
        rows.append([name, round(ms[1], 1), round(ms[4], 1), round(ms[1] / ms[4], 2), load_avg()])
    return rows


def main() -> None:
    args = base_args(__doc__).parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(args.device))
    truth = {s: int(manifest()[s]["reps"]) for s in CLIPS}
    configs = variants(args.imgsz, args.device)
    backends = {name: load_backend(cfg) for name, cfg in configs.items()}
    results: dict[str, list[dict]] = {name: [] for name in configs}
    loads = []
    for stem in CLIPS:
        loads.append(float(load_avg()))
        for name, cfg in configs.items():
            results[name].append(run_clip(stem, backends[name], cfg) | {"stem": stem})
    dur = {s: float(manifest()[s]["duration_s"]) for s in CLIPS}
    frames = {s: round(float(manifest()[s]["duration_s"]) * float(manifest()[s]["fps"])) for s in CLIPS}
    rows = []
    for name, res in results.items():
        wall = sum(r["wall"] for r in res)
        hd = [r for r in res if r["stem"].startswith("mattiolato")]
        rows.append([name, round(sum(dur.values()), 1), round(wall, 1), round(sum(dur.values()) / wall, 2),
                     round(sum(frames.values()) / wall, 1),
                     round(sum(dur[r["stem"]] for r in hd) / sum(r["wall"] for r in hd), 2),
                     round(np.nansum([r["decode_s"] for r in res]), 1), round(np.nansum([r["pose_s"] for r in res]), 1),
                     round(np.nansum([r["analysis_s"] for r in res]), 2),
                     f"{sum(r['reps'] == truth[r['stem']] for r in res)}/{len(res)}"])
    print(f"clips: {', '.join(CLIPS)}; imgsz {args.imgsz}; load avg during run {min(loads):.1f}-{max(loads):.1f}")
    print_table(["variant", "video s", "wall s", "video s / wall s", "source fps", "1080p video s / wall s",
                 "decode s", "pose s", "analysis s", "reps = manifest"], rows)
    base = rows[0][2]
    for r in rows[1:]:
        print(f"{r[0]}: {base / r[2]:.2f}x the speed of A")
    print("\nper clip reps (manifest | " + " | ".join(k.split()[0] for k in results) + ")")
    for i, stem in enumerate(CLIPS):
        print(f"  {stem}: {truth[stem]} | " + " | ".join(str(results[k][i]["reps"]) for k in results))
    print("\npose only, ms per frame, batch 1 vs 4 (32 frames of a 1280x720 clip)")
    print_table(["backend", "batch 1 ms", "batch 4 ms", "batch-4 speed-up", "load"],
                micro_batch(args.device, args.imgsz))


if __name__ == "__main__":
    main()
