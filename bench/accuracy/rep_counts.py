"""Rep counts of `python -m core analyze` on every clip of manifest.csv, against the manifest.

Runs the real CLI once per clip (the same pipeline as the upload page) and reads both detectors from
its report: the default (hysteresis + find_peaks) and the published 85/160 deg hip rule (deadlifts).
Prints a markdown table with the time each clip took and a summary.

    .venv/bin/python -m bench.accuracy.rep_counts [--shared ../shared] [--weights PATH] [--imgsz 480] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, SHARED, machine_line


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default=str(SHARED))
    ap.add_argument("--weights", default=None)
    ap.add_argument("--imgsz", type=int, default=None)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    real = Path(args.shared) / "data" / "real"
    weights = args.weights or str(Path(args.shared) / "models" / "yolo11n-pose.onnx")
    with open(real / "manifest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print(f"{machine_line()}; weights {Path(weights).name}")
    print("| clip | lift | view | manifest reps | FormLens reps | 85/160 rule | lift found | video s | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    exact = base_exact = lift_ok = n = n_dl = 0
    total_video = total_wall = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for r in rows:
            name = Path(r["file"]).stem
            if args.only and name not in args.only:
                continue
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, "-m", "core", "analyze", str(real / r["file"]), "--json", str(out),
                   "--weights", weights]
            if args.imgsz:
                cmd += ["--imgsz", str(args.imgsz)]
            t = time.perf_counter()
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t
            want = int(r["reps"])
            if res.returncode != 0:
                print(f"| {name} | {r['lift']} | {r['view']} | {want} | error: {res.stderr.strip()[:60]} | | | "
                      f"{float(r['duration_s']):.1f} | {wall:.1f} |")
                n += 1
                continue
            rep = json.loads(out.read_text())
            got, base = rep["rep_count"], rep.get("baseline_rep_count")
            n += 1
            exact += got == want
            lift_ok += rep["lift"]["label"] == r["lift"]
            if r["lift"] == "deadlift":
                n_dl += 1
                base_exact += base == want
            total_video += float(r["duration_s"])
            total_wall += wall
            mark = "" if got == want else " ✗"
            print(f"| {name} | {r['lift']} | {r['view']} | {want} | {got}{mark} | {'' if base is None else base} | "
                  f"{rep['lift']['label']} | {float(r['duration_s']):.1f} | {wall:.1f} |", flush=True)
    print(f"\nFormLens exact rep count: {exact}/{n}; 85/160 rule exact on deadlifts: {base_exact}/{n_dl}; "
          f"lift type right: {lift_ok}/{n}; {total_video:.0f} s of video in {total_wall:.0f} s wall "
          f"(incl. ~1-2 s CLI start per clip)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
