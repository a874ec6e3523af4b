"""Peak memory on a 5-minute clip, time growth 10 s -> 60 s -> 300 s, and 1080p30 speed.

    .venv/bin/python -m bench.memory [--imgsz 480] [--device cpu]

Test videos are made once with ffmpeg in /tmp/formlens_bench (never the repo),
by stream copy (no re-encoding): the 17 real 1280x720 29.97 fps clips
concatenated 8 times and cut to 300 s (then 10 s and 60 s), and the 10 real
1920x1080 30 fps h264 clips concatenated twice and cut to 60 s. Each
length runs in a fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

from bench.common import (
    MODELS,
    REAL,
    ROOT,
    SCRATCH,
    base_args,
    load_avg,
    machine_line,
    manifest,
    peak_rss_mb,
    print_table,
)

LENGTHS_S = (10, 60, 300)


def make_videos() -> dict[str, Path]:
    """The concatenated test videos (cached between runs)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    rows = manifest()
    out = {"720p_300": SCRATCH / "concat_720p_300s.mp4", "1080p_60": SCRATCH / "concat_1080p_60s.mp4"}
    if not out["720p_300"].is_file():  # the 17 bichraix clips share 1280x720 h264 at 29.97 fps
        same = [REAL / r["file"] for r in rows.values() if r["file"].split("/")[-1].startswith("bichraix")
                and r["fps"] == "29.97"]
        _concat_copy(same * 8, 300, out["720p_300"])
    if not out["1080p_60"].is_file():  # the 10 h264 1920x1080 30 fps mattiolato clips
        hd = [REAL / r["file"] for r in rows.values() if r["width"] == "1920" and _codec(REAL / r["file"]) == "h264"]
        _concat_copy(hd * 2, 60, out["1080p_60"])
    for s in LENGTHS_S[:-1]:
        out[f"720p_{s}"] = SCRATCH / f"concat_720p_{s}s.mp4"
        if not out[f"720p_{s}"].is_file():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out["720p_300"]), "-t", str(s), "-c", "copy",
                            str(out[f"720p_{s}"])], check=True)
    return out


def _codec(path: Path) -> str:
    return subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name",
                           "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout.strip()


def _concat_copy(files: list[Path], seconds: int, dest: Path) -> None:
    """Join same-format h264 clips without re-encoding (Annex-B segments keep each clip's SPS/PPS)."""
    parts = []
    for i, f in enumerate(dict.fromkeys(files)):
        ts = SCRATCH / f"part_{dest.stem}_{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(f), "-an", "-c:v", "copy", "-bsf:v",
                        "h264_mp4toannexb", "-f", "mpegts", str(ts)], check=True)
        parts.append(ts)
    order = [parts[list(dict.fromkeys(files)).index(f)] for f in files]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", "concat:" + "|".join(map(str, order)), "-t", str(seconds),
                    "-c", "copy", str(dest)], check=True)
    for ts in parts:
        ts.unlink()


def measure_one(path: str, imgsz: int, device: str, stride: int, crop: int) -> dict:
    """Run the upload pipeline on one file in this process; report wall time, split and peak RSS."""
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    from core.config import AnalysisConfig
    from core.pipeline import analyze_video
    from core.pose import load_backend

    config = AnalysisConfig(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_imgsz=imgsz,
                            pose_device=device, frame_stride=stride, pose_crop_imgsz=crop, max_duration_s=900.0,
                            decode_ahead=8)  # decode thread on, as when this table was first measured
    backend = load_backend(config)
    rss_model = peak_rss_mb()
    t0 = time.perf_counter()
    report = analyze_video(path, backend, config).report
    wall = time.perf_counter() - t0
    return {"wall": wall, "video_s": report.video["duration_s"], "frames": report.video["frames"],
            "rss_mb": peak_rss_mb(), "rss_model_mb": rss_model, "reps": report.rep_count, **report.timing}


def child(path: Path, imgsz: int, device: str, crop: int, stride: int = 1) -> dict:
    before = load_avg()
    proc = subprocess.run([sys.executable, "-m", "bench.memory", "--one", str(path), "--imgsz", str(imgsz),
                           "--device", device, "--stride", str(stride), "--crop-imgsz", str(crop)],
                          cwd=ROOT, capture_output=True, text=True,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"load": before}


def main() -> None:
    p = base_args(__doc__)
    p.add_argument("--one", help="internal: measure one file and print JSON")
    p.add_argument("--stride", type=int, default=1)
    p.add_argument("--crop-imgsz", type=int, default=0, help="pose on a crop around the lifter at this size (0 = off)")
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.imgsz, args.device, args.stride, args.crop_imgsz)))
        return
    print(machine_line(args.device))
    videos = make_videos()
    rows, per_s = [], []
    for s in LENGTHS_S:
        r = child(videos[f"720p_{s}"], args.imgsz, args.device, args.crop_imgsz)
        per_s.append(r["wall"] / r["video_s"])
        rows.append([f"{s} s 1280x720 30 fps", r["frames"], round(r["wall"], 1), round(r["video_s"] / r["wall"], 2),
                     round(r["frames"] / r["wall"], 1), r["decode_s"], r["pose_s"], r["analysis_s"],
                     round(r["rss_model_mb"]), round(r["rss_mb"]), r["load"]])
    for stride in (1, 2):
        r = child(videos["1080p_60"], args.imgsz, args.device, args.crop_imgsz, stride)
        rows.append([f"60 s 1920x1080 30 fps, stride {stride}", r["frames"], round(r["wall"], 1),
                     round(r["video_s"] / r["wall"], 2), round(r["frames"] / r["wall"], 1), r["decode_s"], r["pose_s"],
                     r["analysis_s"], round(r["rss_model_mb"]), round(r["rss_mb"]), r["load"]])
    print(f"onnx direct backend, yolo11n-pose.onnx at imgsz {args.imgsz}, crop {args.crop_imgsz or 'off'}, "
          "decode thread on")
    print_table(["video", "frames", "wall s", "video s / wall s", "source fps", "decode s", "pose s", "analysis s",
                 "RSS after model load MB", "peak RSS MB", "load"], rows)
    print("wall s per video s: " + ", ".join(f"{s} s: {x:.3f}" for s, x in zip(LENGTHS_S, per_s, strict=True))
          + f"; 300 s / 10 s ratio {per_s[2] / per_s[0]:.2f} (1.0 = linear)")


if __name__ == "__main__":
    main()
