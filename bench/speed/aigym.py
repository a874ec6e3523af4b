"""FormLens vs ultralytics ``solutions.AIGym`` with the same weights, imgsz and clips, side by side.

    .venv/bin/python -m bench.speed.aigym [--imgsz 480] [--device cpu] [--crop [--crop-margin M]] [--full] [--before]
                                    [--clips NAME ...]

AIGym is driven as its docs show: frames from ``cv2.VideoCapture`` into
``gym.process(frame)``; its count per clip is the largest count over its
tracks. It cannot tell lifts apart, so it is given the manifest's lift and
the joint to watch; FormLens detects the lift itself. Both run
yolo11n-pose.onnx at the same imgsz; FormLens with its defaults (direct
onnxruntime backend, at most ~30 samples per second of video:
a 60 fps clip is analysed at 30/s, pose on the whole frame), optionally (--crop) also with the opt-in crop
around the lifter (core.perception.crop) at --crop-margin, (--full) with pose on the whole frame said
explicitly, and (--before) without the slow pose tier (every sample posed while anyone moves); AIGym on
every frame as it ships.
Real-time factor = video seconds / wall seconds (decode and everything after
pose included); fps = source frames / wall second. The machine is shared:
the 1-minute load average is printed per clip, before and after.
"""

from __future__ import annotations

import os
import time
import warnings

import cv2

from bench.common import MODELS, base_args, clip, load_avg, machine_line, manifest, print_table
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.pipeline import analyze_video

CLIPS = ("03y_deadlift2", "mattiolato_bad_01", "kantesh_deadlift_front", "formfit_squat",
         "kminsik_bench")  # 1920x1080 60 fps and 30 fps, 640x360-1280x720 24-30 fps; all lifts (CPU is shared)

# AIGym settings per lift: keypoints (COCO indices, angle at the middle one) and its up/down angles (deg).
AIGYM_SETUP = {
    "deadlift": {"kpts": [5, 11, 13], "up_angle": 160.0, "down_angle": 85.0},  # hip angle, S0's published 85/160
    "squat": {"kpts": [11, 13, 15], "up_angle": 145.0, "down_angle": 100.0},  # knee; parallel squat < ~100 deg
    "bench": {"kpts": [5, 7, 9], "up_angle": 145.0, "down_angle": 90.0},  # elbow; ultralytics' default angles
}


def run_aigym(stem: str, lift: str, imgsz: int, device: str) -> tuple[int, int, float]:
    """(rep count, frames, wall s) of AIGym on one clip, decode included."""
    from ultralytics import solutions

    gym = solutions.AIGym(model=str(MODELS / "yolo11n-pose.onnx"), imgsz=imgsz, device=device, show=False,
                          verbose=False, **AIGYM_SETUP[lift])
    cap = cv2.VideoCapture(str(clip(stem)))
    frames = 0
    t0 = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        gym.process(frame)
        frames += 1
    wall = time.perf_counter() - t0
    cap.release()
    count = max((s["count"] for s in gym.states.values()), default=0)
    return count, frames, wall


def run_formlens(stem: str, backend, config: AnalysisConfig) -> tuple[int, float]:
    t0 = time.perf_counter()
    report = analyze_video(clip(stem), backend, config).report
    return report.rep_count, time.perf_counter() - t0


def main() -> None:
    p = base_args(__doc__)
    p.add_argument("--crop", action="store_true", help="also run FormLens with the opt-in crop around the lifter")
    p.add_argument("--full", action="store_true", help="also run FormLens with pose on the whole frame "
                   "(pose_crop=False, the default before session 3)")
    p.add_argument("--before", action="store_true", help="also run FormLens as it was before the slow pose tier "
                   "(slow_step_s=0: every sample posed while anyone moves)")
    p.add_argument("--crop-margin", type=float, default=AnalysisConfig().pose_crop_margin,
                   help="config.pose_crop_margin for the crop column")
    p.add_argument("--clips", nargs="*", default=list(CLIPS))
    args = p.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    print(machine_line(args.device))
    load_start = os.getloadavg()
    base = AnalysisConfig(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"),
                          pose_imgsz=args.imgsz, pose_device=args.device)
    crop = base.update(pose_crop=True, pose_crop_margin=args.crop_margin)
    ours = ({"FormLens": base} | ({"FormLens+crop": crop} if args.crop else {})
            | ({"FormLens full frame": base.update(pose_crop=False)} if args.full else {})
            | ({"FormLens before slow tier": base.update(slow_step_s=0.0)} if args.before else {}))
    backend = load_backend(base)
    tot = {k: {"s": 0.0, "ok": 0, "err": 0} for k in ("AIGym", *ours)}
    rows, n_frames, video_s = [], 0, 0.0
    for stem in args.clips:
        row = manifest()[stem]
        truth, lift, load = int(row["reps"]), row["lift"], load_avg()
        reps, frames, secs = {}, 0, {}
        reps["AIGym"], frames, secs["AIGym"] = run_aigym(stem, lift, args.imgsz, args.device)
        for name, cfg in ours.items():
            reps[name], secs[name] = run_formlens(stem, backend, cfg)
        dur = float(row["duration_s"])
        n_frames += frames
        video_s += dur
        for k in tot:
            tot[k]["s"] += secs[k]
            tot[k]["ok"] += reps[k] == truth
            tot[k]["err"] += abs(reps[k] - truth)
        source = f"{row['width']}x{row['height']}@{float(row['fps']):.0f}"
        rows.append([stem, source, lift, round(dur, 1), frames, truth,
                     *(reps[k] for k in tot), *(round(dur / secs[k], 2) for k in tot),
                     *(round(frames / secs[k], 1) for k in tot), *(round(secs["AIGym"] / secs[k], 2) for k in ours),
                     f"{load}-{load_avg()}"])
    rows.append(["TOTAL", "", "", round(video_s, 1), n_frames, "", *(f"{tot[k]['ok']}/{len(args.clips)}" for k in tot),
                 *(round(video_s / tot[k]["s"], 2) for k in tot), *(round(n_frames / tot[k]["s"], 1) for k in tot),
                 *(round(tot["AIGym"]["s"] / tot[k]["s"], 2) for k in ours), ""])
    print(f"weights yolo11n-pose.onnx, imgsz {args.imgsz}; crop margin {args.crop_margin:g}; "
          f"AIGym given the lift, FormLens detects it; "
          f"FormLens samples at most {base.max_sample_hz:g}/s; TOTAL reps columns = clips with the manifest's count")
    print_table(["clip", "source", "lift", "video s", "frames", "reps (manifest)", *(f"{k} reps" for k in tot),
                 *(f"{k} x real time" for k in tot), *(f"{k} fps" for k in tot),
                 *(f"{k} / AIGym speed" for k in ours), "load before-after"], rows)
    print("rep-count absolute error, summed: " + ", ".join(f"{k} {tot[k]['err']}" for k in tot))
    for k in ours:
        print(f"{k}: {tot['AIGym']['s'] / tot[k]['s']:.2f}x AIGym's speed (goal >= 3x)")
    end = os.getloadavg()
    print(f"load avg (1/5/15 min) before {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f}, "
          f"after {end[0]:.2f}/{end[1]:.2f}/{end[2]:.2f} on {os.cpu_count()} cores shared with other users' jobs")


if __name__ == "__main__":
    main()
