"""Shared helpers for the benchmarks: machine description, clip lists, tables.

Real clips and weights are read from ``../shared`` (``FORMLENS_SHARED``);
nothing from there is copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import subprocess
import time
from pathlib import Path

from core.config import shared_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = shared_dir()
REAL = SHARED / "data" / "real"
MODELS = SHARED / "models"
SCRATCH = Path(os.environ.get("FORMLENS_BENCH_TMP", "/tmp/formlens_bench"))  # made videos and outputs, never the repo

# A fixed, varied subset for batch runs on a busy machine: every lift, 640x360 to 1920x1080, 40 s of video.
SUBSET = ("bichraix_good001", "bichraix_bad007", "jeffchen_good", "jeffchen_nico_blocked", "mattiolato_bad_01",
          "formfit_squat", "nadamarie_false_bench", "kminsik_bench")


def manifest() -> dict[str, dict[str, str]]:
    """Manifest rows by clip stem."""
    with open(REAL / "manifest.csv", newline="") as fh:
        return {Path(r["file"]).stem: r for r in csv.DictReader(fh)}


def clip(stem: str) -> Path:
    return REAL / manifest()[stem]["file"]


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_avg() -> str:
    """1-minute load average: other users' work on a shared machine slows every timing."""
    return f"{os.getloadavg()[0]:.2f}"


def commit() -> str:
    """The checked-out commit (short hash, "+dirty" with uncommitted changes), so a result names its code."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine_line(device: str = "cpu") -> str:
    """Commit, UTC date and machine of a run: the first line of every result file."""
    import onnxruntime
    import torch

    return (f"commit {commit()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; machine: {cpu_model()}, "
            f"{os.cpu_count()} logical cores, python {platform.python_version()}, "
            f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, device {device}, "
            f"load avg (1 min) at start {load_avg()}")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """A GitHub-markdown table, so the output pastes straight into the README."""
    def cell(v: object) -> str:
        return f"{v:.3g}" if isinstance(v, float) and abs(v) < 100 else (f"{v:.0f}" if isinstance(v, float) else str(v))

    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for r in rows:
        print("| " + " | ".join(cell(v) for v in r) + " |")


def base_args(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--device", default="cpu", help="cpu, or cuda/cuda:0 on a GPU machine")
    p.add_argument("--imgsz", type=int, default=480, help="pose input size, px (the app's test default)")
    return p
