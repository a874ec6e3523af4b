"""Offline coaching for every real clip: the full pipeline (real pose) then the offline coach.

    .venv/bin/python -m bench.accuracy.coach_real_clips [--out coaching.md] [--imgsz 480] [--tone lifter]

Reads ../shared/data/real/manifest.csv and the ONNX pose weights from ../shared/models (nothing is
copied). Prints, per clip, the manifest's labels next to the coaching text, and checks that every
text passes the same grounding check a Gemini answer must pass.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

from bench.common import SHARED
from core.coaching import build_findings, check_answer, coach_report
from core.config import AnalysisConfig
from core.errors import FormLensError
from core.perception.pose import load_backend
from core.pipeline import analyze_video

REAL = SHARED / "data" / "real"


def coach_clip(path: Path, backend, config: AnalysisConfig, tone: str) -> tuple[str, str, bool]:
    """(short, full text, grounded) for one clip; a clip FormLens rejects gets its user message."""
    try:
        report = analyze_video(path, backend, config).report
    except FormLensError as err:
        return f"(not analysed: {err})", "", True
    c = coach_report(report, config, tone=tone)
    try:
        check_answer(json.dumps({"text": c.text, "short": c.short, "faults_mentioned": []}), build_findings(report))
        grounded = True
    except Exception as err:
        print(f"  grounding check failed: {err}", file=sys.stderr)
        grounded = False
    return c.short, c.text, grounded


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="-", help="Markdown file to write (default stdout)")
    p.add_argument("--imgsz", type=int, default=480)
    p.add_argument("--tone", choices=["lifter", "classroom"], default="lifter")
    args = p.parse_args()
    config = AnalysisConfig.from_env().update(pose_weights=str(SHARED / "models" / "yolo11n-pose.onnx"),
                                              pose_imgsz=args.imgsz, gemini_api_key=None)
    backend = load_backend(config)
    with open(REAL / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    t0, ungrounded, texts, blocks = time.perf_counter(), 0, set(), []
    for row in rows:
        short, text, grounded = coach_clip(REAL / row["file"], backend, config, args.tone)
        ungrounded += not grounded
        texts.add(text)
        blocks.append(f"### {Path(row['file']).stem}\nmanifest: {row['lift']}, {row['view']} view, {row['reps']} "
                      f"reps, form label '{row['form_label'] or '-'}'\n\n> {short}\n\n{text}\n")
        print(blocks[-1] if args.out == "-" else f"{Path(row['file']).stem}: {short}", flush=True)
    if args.out != "-":
        Path(args.out).write_text("\n".join(blocks))
    print(f"{len(rows)} clips, {len(texts)} distinct texts, {ungrounded} failed the grounding check, "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0 if ungrounded == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
