"""Cache the perception pass (pose, scene cuts, barbell) of every real clip as trace files (``<stem>.npz``,
core.perception.trace_file), so the counting, lift and judging evaluations (``python -m core evaluate
clips|standards --traces DIR``) run in seconds.

    .venv/bin/python -m bench.traces --out DIR [--only STEM_OR_SOURCE ...]
    .venv/bin/python -m bench.traces --out DIR --convert OLD_DIR   # older pickled traces -> .npz, nothing re-run
    .venv/bin/python -m bench.traces --out DIR --rebar OLD_DIR [--videos VDIR]  # the barbell tracked again

``--rebar`` keeps each trace's pose and tracks the bar again on the frames the pose pass saw (the video of the
manifest, or ``VDIR/<stem>.mp4``, e.g. the live recordings kept by bench.accuracy.live_vs_upload_bar_all): a
tracker change is re-measured on every clip in minutes instead of the hour pose takes.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from bench.common import REAL, manifest
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, load_trace_of, save_trace, trace_in
from core.perception.video import iter_frames, probe
from core.pipeline import bar_observer, trace_video


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", nargs="*", help="clip stems or sources (name prefixes)")
    ap.add_argument("--force", action="store_true", help="remake traces already in --out")
    ap.add_argument("--convert", type=Path, help="folder of older traces (<stem>.pkl) to write again as .npz")
    ap.add_argument("--rebar", type=Path, help="folder of traces whose bar is tracked again (pose kept)")
    ap.add_argument("--videos", type=Path, help="with --rebar: the videos are VIDEOS/<stem>.mp4")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.convert is not None:
        for old in sorted(args.convert.glob("*.pkl")):
            save_trace(load_trace(old), args.out / f"{old.stem}.npz")
        return
    config = AnalysisConfig.from_env()
    if args.rebar is not None:
        rebar_all(args.rebar, args.out, args.videos, args.only, config)
        return
    backend = load_backend(config)
    for stem, row in manifest().items():
        if args.only and not any(stem == o or stem.split("_", 1)[0] == o for o in args.only):
            continue
        if trace_in(args.out, stem).is_file() and not args.force:
            continue
        t0 = time.monotonic()
        trace = trace_video(REAL / row["file"], backend, config, lambda _f, _s: None)
        save_trace(trace, args.out / f"{stem}.npz")
        print(f"{stem}: {len(trace.times)} samples, bar {'yes' if trace.bar is not None else 'no'}, "
              f"{time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)


def rebar(trace, video: Path, config: AnalysisConfig):
    """``trace`` with its bar tracked again on ``video``: the samples the pose pass decoded (same stride and
    size, core.pipeline.run_pose), each shown to a fresh barbell observer."""
    obs = bar_observer(config)
    if obs is None:
        raise SystemExit("the barbell detector is off or its weights are missing")
    info = probe(video, config)
    want = set(int(i) for i in trace.frame_index)
    for f in iter_frames(video, info, stride=config.stride_for(info.fps), max_side=max(config.pose_imgsz, 320)):
        if f.index in want:
            obs.observe(f.index, f.time_s, f.image, max(info.width, info.height) / max(f.image.shape[:2]))
    bar = obs.finish(obs.detector.name)
    if len(bar.times) != len(trace.times):
        raise SystemExit(f"{video.name}: {len(bar.times)} samples decoded, the trace has {len(trace.times)}")
    return dataclasses.replace(trace, bar=bar)


def rebar_all(src: Path, out: Path, videos: Path | None, only, config: AnalysisConfig) -> None:
    rows = manifest()
    stems = sorted({p.stem for p in src.iterdir() if p.suffix in (".npz", ".pkl")})
    for stem in stems:
        if only and not any(stem == o or stem.split("_", 1)[0] == o for o in only):
            continue
        t0 = time.monotonic()
        video = videos / f"{stem}.mp4" if videos is not None else REAL / rows[stem]["file"]
        save_trace(rebar(load_trace_of(src, stem), video, config), out / f"{stem}.npz")
        print(f"{stem}: bar tracked again, {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
