"""Peak memory on a 5-minute clip, time growth 10 s -> 60 s -> 300 s, and 1080p30 speed.

    .venv/bin/python -m bench.speed.memory [--imgsz 480] [--device cpu]

Test videos are made once with ffmpeg in /tmp/formlens_bench (never the repo),
by stream copy (no re-encoding): one real 1280x720 one-rep clip (bichraix_bad007,
side view) repeated and cut to 300 s (then 10 s and 60 s), and one real
1920x1080 one-rep clip (mattiolato_bad_01) repeated and cut to 60 s. One lifter
throughout, as in a real long set: a montage of different lifters is (rightly)
refused with "the lifter is visible in only N % of the video". Every repeat holds
one rep, so evenly spaced reps check long-video counting too. Each length runs in a
fresh process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

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


SOURCES = {"720p": "bichraix_bad007", "1080p": "mattiolato_bad_01"}  # one rep each, one lifter


def make_videos() -> dict[str, Path]:
    """The repeated test videos (cached between runs)."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    rows = manifest()
    out = {"720p_300": SCRATCH / "repeat_720p_300s.mp4", "1080p_60": SCRATCH / "repeat_1080p_60s.mp4"}
    for key, seconds in (("720p_300", 300), ("1080p_60", 60)):
        src = REAL / rows[SOURCES[key.split("_")[0]]]["file"]
        if not out[key].is_file():
            _concat_copy([src] * (int(seconds / float(rows[src.stem]["duration_s"])) + 2), seconds, out[key])
    for s in LENGTHS_S[:-1]:
        out[f"720p_{s}"] = SCRATCH / f"repeat_720p_{s}s.mp4"
        if not out[f"720p_{s}"].is_file():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out["720p_300"]), "-t", str(s), "-c", "copy",
                            str(out[f"720p_{s}"])], check=True)
    return out


def reps_text(r: dict) -> str:
    """Rep count and how evenly the reps are spaced: the source clip repeats, so a missed rep shows as a gap
    twice the median spacing (max/median ~2) and a double count as a short one (min/median ~0.5)."""
    turns = r["turns"]
    if len(turns) < 3:
        return str(r["reps"])
    gaps = np.diff(turns)
    med = float(np.median(gaps))
    return f"{r['reps']} (every {med:.2f} s; min/max gap {gaps.min() / med:.2f}/{gaps.max() / med:.2f} of it)"


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
    from core.perception.pose import load_backend
    from core.pipeline import analyze_video

    config = AnalysisConfig(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"), pose_imgsz=imgsz,
                            pose_device=device, frame_stride=stride, pose_crop_imgsz=crop, max_duration_s=900.0)
    backend = load_backend(config)
    rss_model = peak_rss_mb()
    t0 = time.perf_counter()
    report = analyze_video(path, backend, config).report
    wall = time.perf_counter() - t0
    return {"wall": wall, "video_s": report.video["duration_s"], "frames": report.video["frames"],
            "rss_mb": peak_rss_mb(), "rss_model_mb": rss_model, "reps": report.rep_count,
            "turns": [r.turn_s for r in report.reps], **report.timing}


def child(path: Path, imgsz: int, device: str, crop: int, stride: int = 0) -> dict:
    before = load_avg()
    proc = subprocess.run([sys.executable, "-m", "bench.speed.memory", "--one", str(path), "--imgsz", str(imgsz),
                           "--device", device, "--stride", str(stride), "--crop-imgsz", str(crop)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{path.name} failed:\n{proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"load": before}


def main() -> None:
    p = base_args(__doc__)
    p.add_argument("--one", help="internal: measure one file and print JSON")
    p.add_argument("--stride", type=int, default=0, help="0 = the default sampling cap (config.max_sample_hz)")
    p.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS_S), help=f"subset of {LENGTHS_S} s")
    p.add_argument("--strides-1080p", type=int, nargs="*", default=[1, 2], help="1080p30 runs (0 = default cap)")
    p.add_argument("--crop-imgsz", type=int, default=0,
                   help="zoom the crop around the lifter to this size (0 = off, the default full frame)")
    args = p.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.imgsz, args.device, args.stride, args.crop_imgsz)))
        return
    print(machine_line(args.device))
    videos = make_videos()
    rows, per_s = [], []
    lengths = [s for s in LENGTHS_S if s in args.lengths]
    for s in lengths:
        r = child(videos[f"720p_{s}"], args.imgsz, args.device, args.crop_imgsz, args.stride)
        per_s.append(r["wall"] / r["video_s"])
        rows.append([f"{s} s 1280x720 30 fps" + (f", stride {args.stride}" if args.stride else ""), r["frames"],
                     reps_text(r),
                     round(r["wall"], 1), round(r["video_s"] / r["wall"], 2),
                     round(r["frames"] / r["wall"], 1), r["decode_s"], r["pose_s"], r["analysis_s"],
                     round(r["rss_model_mb"]), round(r["rss_mb"]), r["load"]])
    for stride in args.strides_1080p:
        r = child(videos["1080p_60"], args.imgsz, args.device, args.crop_imgsz, stride)
        rows.append([f"60 s 1920x1080 30 fps, stride {stride}", r["frames"],
                     reps_text(r), round(r["wall"], 1),
                     round(r["video_s"] / r["wall"], 2), round(r["frames"] / r["wall"], 1), r["decode_s"], r["pose_s"],
                     r["analysis_s"], round(r["rss_model_mb"]), round(r["rss_mb"]), r["load"]])
    print(f"onnx direct backend, yolo11n-pose.onnx at imgsz {args.imgsz}, crop {args.crop_imgsz or 'off'}, "
          "defaults otherwise (decode inline, at most 30 samples/s)")
    print_table(["video", "frames", "reps (spacing)", "wall s", "video s / wall s", "source fps", "decode s",
                 "pose s", "analysis s",
                 "RSS after model load MB", "peak RSS MB", "load"], rows)
    print(f"load avg (1 min) at end {load_avg()}; the machine is shared with other users' jobs")
    print("wall s per video s: " + ", ".join(f"{s} s: {x:.3f}" for s, x in zip(lengths, per_s, strict=True))
          + f"; {lengths[-1]} s / {lengths[0]} s ratio {per_s[-1] / per_s[0]:.2f} (1.0 = linear)")


if __name__ == "__main__":
    main()
