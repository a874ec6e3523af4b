"""Cache the perception pass (pose, scene cuts, barbell) of every real clip as trace files (``<stem>.npz``,
core.perception.trace_file), so the counting, lift and judging evaluations (``python -m core evaluate
clips|standards --traces DIR``) run in seconds.

    .venv/bin/python -m bench.traces --out DIR [--only STEM_OR_SOURCE ...]
    .venv/bin/python -m bench.traces --out DIR --convert OLD_DIR   # older pickled traces -> .npz, nothing re-run
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.common import REAL, manifest
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.perception.trace_file import load_trace, save_trace, trace_in
from core.pipeline import trace_video


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", nargs="*", help="clip stems or sources (name prefixes)")
    ap.add_argument("--force", action="store_true", help="remake traces already in --out")
    ap.add_argument("--convert", type=Path, help="folder of older traces (<stem>.pkl) to write again as .npz")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.convert is not None:
        for old in sorted(args.convert.glob("*.pkl")):
            save_trace(load_trace(old), args.out / f"{old.stem}.npz")
        return
    config = AnalysisConfig.from_env()
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


if __name__ == "__main__":
    main()
