"""Time the barbell stage adds to an analysis (one run per clip, bar on, same process and load).

    .venv/bin/python -m bench.speed.bar_cost [--clips ...]

The pose pass times itself (decode_s, pose_s) and the bar observer times itself (detect_s, track_s:
detector calls, then optical flow and bookkeeping), both inside the same ``analyze_video`` call, so
the ratio (detect_s + track_s) / (decode_s + pose_s + analysis_s) is measured under one machine load.
Also the detector's own ms per call. Writes bench/results/bar_cost.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from bench.common import MODELS, ROOT, clip
from core.config import AnalysisConfig
from core.perception.pose import load_backend
from core.pipeline import analyze_video

CLIPS = ("bichraix_bad007", "jeffchen_good")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", nargs="*", default=list(CLIPS))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bar_cost.json")
    args = ap.parse_args()
    config = AnalysisConfig(pose_weights=str(MODELS / "yolo11n-pose.onnx"))
    backend = load_backend(config)
    rows = []
    for stem in args.clips:
        analysis = analyze_video(clip(stem), backend, config)
        report, obs = analysis.report.to_dict(), analysis.bar  # the bar tracker times itself (BarTrack)
        t, bar = report["timing"], report.get("bar") or {}
        base = t["decode_s"] + t["pose_s"] + t["analysis_s"]
        detect_s, track_s = (obs.detect_s, obs.track_s) if obs is not None else (0.0, 0.0)
        added = detect_s + track_s
        n = len(bar.get("t", []))
        row = {"clip": stem, "frames": n, "analysis_without_bar_s": round(base, 2), "bar_detect_s": round(detect_s, 3),
               "bar_track_s": round(track_s, 3),
               "detect_ms_per_call": (round(1000 * detect_s / obs.n_detect, 1) if obs is not None and obs.n_detect
                                      else None),
               "added_ratio": round(added / base, 3) if base else None,
               "seen_share": bar.get("seen_share"), "load_avg_1min": round(os.getloadavg()[0], 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = sum(r["analysis_without_bar_s"] for r in rows)
    added = sum((r["bar_detect_s"] or 0) + (r["bar_track_s"] or 0) for r in rows)
    summary = {"total_without_bar_s": round(base, 2), "bar_added_s": round(added, 2),
               "added_ratio": round(added / base, 3) if base else None, "load_avg": os.getloadavg(),
               "cores": os.cpu_count()}
    print(json.dumps(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "clips": rows}, indent=1))


if __name__ == "__main__":
    main()
