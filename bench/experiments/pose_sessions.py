"""One onnxruntime session with every core, or one single-thread model copy per core running frames at once?

    .venv/bin/python -m bench.experiments.pose_sessions [--clips NAME ...] [--frames N]

1. Pose alone: the same real frames (480 px) through one session with all cores (``pose_sessions=1``, the old
   default) and through ``pose_sessions=0`` (one copy per core, core.perception.backends.onnx), batches of 4 as
   the pipeline sends them, interleaved round by round; ms per frame and the largest keypoint difference.
2. Whole analysis: ``analyze_video`` as in session 4 (one pose session with every core; the barbell detector
   on onnxruntime's default pool, whose threads spin between runs), with a pose copy per core, and today (copies,
   and a one-thread barbell detector that does not spin), in turn per clip, in one run (bar tracking and the still
   skip on, as by default): wall time, real-time factor, and whether reps, lift, style and every verdict equal the
   session-4 ones (bench.experiments.sampling.answers).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.common import MODELS, clip, load_avg, machine_line, manifest, print_table
from bench.experiments.sampling import answers, diff
from core.config import AnalysisConfig

CLIPS = ("03y_deadlift2", "mattiolato_bad_01", "kantesh_deadlift_front", "formfit_squat", "kminsik_bench")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", nargs="*", default=list(CLIPS))
    ap.add_argument("--frames", type=int, default=48, help="frames per clip for the pose-alone timing")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from core.perception.pose import load_backend
    from core.perception.video import iter_frames
    from core.pipeline import analyze_video

    print(machine_line())
    config = AnalysisConfig.from_env().update(pose_backend="onnx", pose_weights=str(MODELS / "yolo11n-pose.onnx"))
    settings = {"one session, all cores": config.update(pose_sessions=1),
                "a session per core": config.update(pose_sessions=0)}
    backends = {k: load_backend(c) for k, c in settings.items()}
    print("sessions x threads:", {k: (b.sessions, max(1, b.threads // b.sessions)) for k, b in backends.items()})

    rows = []
    for stem in args.clips:
        frames = [f.image for f in iter_frames(clip(stem))][:args.frames]
        ms = {k: [] for k in backends}
        out = {}
        for _ in range(args.rounds):
            for k, b in backends.items():
                t = time.perf_counter()
                out[k] = [p for i in range(0, len(frames), 4) for p in b.predict(frames[i:i + 4])]
                ms[k].append(1000 * (time.perf_counter() - t) / len(frames))
        a, b = out.values()
        move = max((float(np.abs(x.keypoints[..., :2] - y.keypoints[..., :2]).max()) for x, y in zip(a, b, strict=True)
                    if len(x) and len(x) == len(y)), default=0.0)
        same_n = all(len(x) == len(y) for x, y in zip(a, b, strict=True))
        one, per = (float(np.median(v)) for v in ms.values())
        rows.append([stem, f"{frames[0].shape[1]}x{frames[0].shape[0]}", round(one, 1), round(per, 1),
                     round(one / per, 2), f"{move:.4f}", "yes" if same_n else "NO", load_avg()])
    print("\npose alone, 480 px, batches of 4, median of rounds")
    print_table(["clip", "size", "one session ms/frame", "session per core ms/frame", "speed-up",
                 "max keypoint diff px", "same people", "load"], rows)

    import core.perception.bar.detect as bar_detect

    whole = {"session 4": (config.update(pose_sessions=1, bar_threads=0), True),
             "pose copies": (config.update(pose_sessions=0, bar_threads=0), True),
             "today": (config.update(pose_sessions=0, bar_threads=1), False)}  # (config, bar detector spins)
    backend_of = {"session 4": backends["one session, all cores"]}
    rows, total = [], {k: 0.0 for k in whole}
    video_s = 0.0
    for stem in args.clips:
        res = {}
        for k, (cfg, spin) in whole.items():
            bar_detect.SPIN = spin  # the detector's session is made per analysis and reads this flag then
            t = time.perf_counter()
            an = analyze_video(clip(stem), backend_of.get(k, backends["a session per core"]), cfg)
            res[k] = (time.perf_counter() - t, an)
            total[k] += res[k][0]
        ref = answers(res["session 4"][1].trace, config)
        dur = float(manifest()[stem]["duration_s"])
        video_s += dur
        changed = [f"{k}: {d}" for k in list(whole)[1:] if (d := diff(ref, answers(res[k][1].trace, config))[0])]
        rows.append([stem, round(dur, 1), *[round(dur / res[k][0], 2) for k in whole],
                     round(res["session 4"][0] / res["today"][0], 2), "; ".join(changed) or "same", load_avg()])
    bar_detect.SPIN = False
    rows.append(["TOTAL", round(video_s, 1), *[round(video_s / total[k], 2) for k in whole],
                 round(total["session 4"] / total["today"], 2), "", ""])
    print("\nwhole analysis (analyze_video, defaults otherwise), in turn per clip; x real time")
    print_table(["clip", "video s", *[f"{k} x real time" for k in whole], "speed-up today vs session 4",
                 "differences vs session 4", "load"], rows)


if __name__ == "__main__":
    main()
