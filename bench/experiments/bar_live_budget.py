"""Live callback with and without the barbell observer on the same frames, side by side.

    .venv/bin/python -m bench.experiments.bar_live_budget [--clip bichraix_good014]

The setup of bench.speed.live_latency (640x480 camera frames, pose at 320 px on every frame), then the
barbell observer (core.perception.bar.track, detector every 0.2 s, optical flow between) on each frame inside the
timed callback. Decides whether the bar can be tracked live (goal, issue 15: >= 25 fps, p95 <= 60 ms).
Results: bench/results/bar_live_budget.md.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench.speed.live_latency import GOAL_FPS, GOAL_P95_MS, SHARED, WEIGHTS, camera_frames, time_live
from core.config import AnalysisConfig
from core.perception.bar.detect import BarDetector
from core.perception.bar.track import BarObserver
from core.perception.pose import load_backend


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="bichraix_good014")
    ap.add_argument("--frames", type=int, default=240)
    args = ap.parse_args()
    from ui.live import LiveSession

    clip = next((SHARED / "data" / "real" / "videos").rglob(f"{args.clip}.mp4"))
    frames = camera_frames(clip, args.frames)
    cfg = AnalysisConfig(pose_weights=str(WEIGHTS), pose_imgsz=320)
    backend = load_backend(cfg)
    backend.predict([np.zeros((480, 640, 3), np.uint8)])
    det = BarDetector(threads=2)
    det.detect(np.zeros((480, 640, 3), np.uint8))
    print(f"load average {os.getloadavg()[0]:.1f} at start; clip {args.clip}, {len(frames)} frames 640x480")
    for bar in (False, True, False, True):  # interleaved: the shared machine's load drifts
        live = LiveSession(cfg, backend, "deadlift", pose_every=1)
        obs = BarObserver(det) if bar else None
        fps, ms = time_live(live, frames, None if obs is None else
                            lambda i, vf, obs=obs: obs.observe(i, i / 30, vf.to_ndarray(format="bgr24"), 1.0))
        p95 = float(np.percentile(ms, 95))
        extra = "" if obs is None else (f" | bar seen {np.isfinite(obs.finish().xy[:, 0]).mean():.2f}, "
                                        f"{1000 * obs.detect_s / max(obs.n_detect, 1):.0f} ms per detector run")
        print(f"bar {'on ' if bar else 'off'} | {fps:.1f} fps | p50 {np.percentile(ms, 50):.1f} ms | p95 {p95:.1f} ms"
              f" | goal {'met' if fps >= GOAL_FPS and p95 <= GOAL_P95_MS else 'not met'}{extra}", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
