"""Speed of the live path at 640x480: processed frames per second and p50/p95 per-frame latency.

What is timed is exactly the webrtc frame callback (``ui.live.LiveSession.on_frame``): av frame ->
BGR array -> pose -> tracking -> causal cleaning -> angles -> reps -> overlay -> av frame. Frames of a
real clip are decoded and letterboxed to 640x480 first (a camera delivers decoded frames), then fed
back to back, so fps = frames / wall time of the callbacks. Goal (issue 4): >= 20 fps, p95 <= 80 ms.

    .venv/bin/python -m bench.speed.live_latency [--clip formfit_deadlift] [--frames 240]
    .venv/bin/python -m bench.speed.live_latency --bar [--repeat 2]   # the live bar worker (ui.live_bar) off vs on

With ``--bar`` the rows are the page's setting and 480 px, with the bar worker off, on (fed only when the callback
has time to spare, ui.live_bar.SPARE_MS) and on fed whenever it is idle (no gate: the worst case for the
callback), interleaved so that a busy shared machine loads them alike; frames are paced as a 30 fps camera (the
time between frames is idle, as on the page). It also says what the worker did: frames taken / offered, its speed
per rep (m/s, plate ruler) and the velocity loss.
"""

from __future__ import annotations

import argparse
import os
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from bench.common import SHARED, cpu_model
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.video import iter_frames, probe
from ui import live_bar

WEIGHTS = SHARED / "models" / "yolo11n-pose.onnx"
GOAL_FPS, GOAL_P95_MS = 25.0, 60.0  # issue 15: >= 25 fps at 640x480 in the callback, p95 latency <= 60 ms
SETTINGS = (  # (pose input size px, run pose on every n-th frame, crop around the lifter)
    (480, 1, False), (480, 1, True), (320, 1, False), (320, 1, True), (256, 2, False),
)  # crop: the opt-in config.pose_crop (core.perception.crop), which the live callback uses too when it is on


def letterbox_640x480(img: np.ndarray) -> np.ndarray:
    """The frame scaled into 640x480 with black bars, as a 640x480 webcam stream would carry it."""
    h, w = img.shape[:2]
    s = min(640 / w, 480 / h)
    small = cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    out = np.zeros((480, 640, 3), np.uint8)
    y, x = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def camera_frames(clip: Path, n: int) -> list[av.VideoFrame]:
    info = probe(clip, AnalysisConfig())
    frames = []
    for f in iter_frames(clip, info):
        vf = av.VideoFrame.from_ndarray(letterbox_640x480(f.image), format="bgr24")
        vf.pts, vf.time_base = len(frames), Fraction(1, 30)  # a 30 fps camera
        frames.append(vf)
        if len(frames) == n:
            break
    while len(frames) < n:  # loop short clips, like the fake camera does
        vf = frames[len(frames) % len(frames)]
        frames.append(vf)
    return frames


def time_live(live, frames: list[av.VideoFrame], also=None, pace_fps: float | None = None) -> tuple[float, np.ndarray]:
    """Frames per second through ``live.on_frame`` and each frame's latency in ms (the first 10 left out: they
    include the fps warm-up). ``also(i, frame)``, when given, runs inside each frame's timed part. ``pace_fps``:
    frames arrive no faster than a camera at this rate (the time between is idle, as on the page), else back to
    back."""
    lat = []
    t0 = time.perf_counter()
    for i, vf in enumerate(frames):
        vf.pts = i
        if pace_fps:
            due = t0 + i / pace_fps
            while (now := time.perf_counter()) < due:
                time.sleep(min(0.005, due - now))
        a = time.perf_counter()
        live.on_frame(vf)
        if also is not None:
            also(i, vf)
        lat.append((time.perf_counter() - a) * 1000)
    return len(frames) / (time.perf_counter() - t0), np.asarray(lat[10:])


def run(frames: list[av.VideoFrame], imgsz: int, pose_every: int, crop: bool = True) -> dict:
    from ui.live import LiveSession

    cfg = AnalysisConfig(pose_weights=str(WEIGHTS), pose_imgsz=imgsz, pose_crop=crop)
    backend = load_backend(cfg)
    backend.predict([np.zeros((480, 640, 3), np.uint8)])  # warm-up: builds the ONNX session
    live = LiveSession(cfg, backend, "deadlift", pose_every=pose_every)
    fps, lat_ms = time_live(live, frames)
    pose_calls = -(-len(frames) // pose_every)
    return {"imgsz": imgsz, "pose_every": pose_every, "crop": crop, "fps": fps,
            "p50": float(np.percentile(lat_ms, 50)), "p95": float(np.percentile(lat_ms, 95)),
            "pose_ms": live.analyzer.pose_s / pose_calls * 1000, "reps": len(live.analyzer.reps)}


BAR_MODES = {"off": None, "on": 0.0, "on, always fed": 1e9}  # ms of callback time under which a frame goes to the
# worker (0 = the page's ui.live_bar.SPARE_MS); None = worker off


PAGE_SPARE_MS = live_bar.SPARE_MS


def run_bar(frames: list[av.VideoFrame], imgsz: int, mode: str) -> dict:
    """One pass with the live bar worker off or on (AnalysisConfig.live_bar), frames paced as a 30 fps camera."""
    from core.perception.bar.measure import velocity_loss_pct
    from ui.live import LiveSession

    bar = BAR_MODES[mode] is not None
    live_bar.SPARE_MS = BAR_MODES[mode] or PAGE_SPARE_MS

    cfg = AnalysisConfig(pose_weights=str(WEIGHTS), pose_imgsz=imgsz, pose_crop=True, live_bar=bar)
    backend = load_backend(cfg)
    backend.predict([np.zeros((480, 640, 3), np.uint8)])
    live = LiveSession(cfg, backend, "deadlift")
    if live.bar is not None:  # load the detector's session before timing, as the page warms the pose model
        live.bar.observer.detector.detect(np.zeros((480, 640, 3), np.uint8))
    fps, lat_ms = time_live(live, frames, pace_fps=30.0)
    out = {"imgsz": imgsz, "bar": mode, "fps": fps, "p50": float(np.percentile(lat_ms, 50)),
           "p95": float(np.percentile(lat_ms, 95)), "reps": len(live.analyzer.reps), "worker": "", "speeds": ""}
    if live.bar is not None:
        w = live.bar
        w.wait_idle()
        speeds = live.bar_speeds
        loss = velocity_loss_pct(speeds)
        out["worker"] = (f"{w.taken}/{w.offered} frames, {w.work_s / max(w.taken, 1) * 1000:.0f} ms each, "
                         f"{w.observer.n_detect} detector runs")
        out["speeds"] = ", ".join("-" if v is None else f"{v:.2f}" for v in speeds) + \
            (f" (loss {loss:.0f} %)" if loss is not None else "")
        w.close()
    return out


def main_bar(frames: list[av.VideoFrame], repeat: int) -> None:
    print("| pose imgsz (px) | bar worker | processed fps | p50 latency (ms) | p95 latency (ms) | reps | worker took "
          "| bar speed per rep (m/s) | goal met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for _ in range(repeat):
        for imgsz in (320, 480):
            for mode in BAR_MODES:
                r = run_bar(frames, imgsz, mode)
                ok = r["fps"] >= GOAL_FPS and r["p95"] <= GOAL_P95_MS
                print(f"| {imgsz} | {mode} | {r['fps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} "
                      f"| {r['reps']} | {r['worker']} | {r['speeds']} | {'yes' if ok else 'no'} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="formfit_deadlift")
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--settings", type=int, default=len(SETTINGS), help="only the first N rows of SETTINGS")
    ap.add_argument("--bar", action="store_true", help="the live bar worker off vs on (ui.live_bar)")
    ap.add_argument("--repeat", type=int, default=1, help="with --bar: rounds of the interleaved rows")
    args = ap.parse_args()
    clip = next((SHARED / "data" / "real" / "videos").rglob(f"{args.clip}.mp4"))
    frames = camera_frames(clip, args.frames)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} (1 min) at start; clip {args.clip}, {len(frames)} frames 640x480")
    if args.bar:
        main_bar(frames, args.repeat)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
        return
    print("| pose imgsz (px) | pose every n-th frame | crop around lifter | processed fps | p50 latency (ms) "
          "| p95 latency (ms) "
          "| pose per call (ms) | goal met |")
    print("|---|---|---|---|---|---|---|---|")
    for imgsz, every, crop in SETTINGS[:args.settings]:
        r = run(frames, imgsz, every, crop)
        ok = r["fps"] >= GOAL_FPS and r["p95"] <= GOAL_P95_MS
        print(f"| {imgsz} | {every} | {'yes' if crop else 'no'} | {r['fps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} "
              f"| {r['pose_ms']:.1f} | {'yes' if ok else 'no'} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
