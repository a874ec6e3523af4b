"""Where an analysis spends its time, stage by stage: py-spy samples a whole CLI analysis (start-up included)
with the slow pose tier off (before) and on (the default), one after the other.

    .venv/bin/python -m bench.speed.profile_stages [--clips NAME ...] [--rate HZ]

Each stack py-spy samples (every Python thread, idle ones and the pose pool's threads waiting for work left out;
onnxruntime's own threads are native, so a pose call counts once, in the thread that waits on it) goes to the
first stage whose marker it contains, in the order of STAGES. Shares are of all samples of the run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.common import ROOT, clip, machine_line, print_table

# (stage, markers): a stack belongs to the first stage with any marker in it
STAGES = (
    ("bar tracker", ("core/perception/bar/",)),
    ("scene cuts", ("core/perception/shots.py",)),
    ("pose network", ("core/perception/backends/", "_PosePass.pose")),
    ("decode", ("core/perception/video.py", "core/perception/prefetch.py")),
    ("pose gate and fill", ("core/perception/sampling.py",)),
    ("lift, style and form models", ("core/judgment/classify.py",)),
    ("reps, standards and report", ("analyze_trace",)),
    ("start-up and imports", ("<module>", "_find_and_load")),
)
VARIANTS = (("before: slow tier off", "slow_step_s = 0.0\n"), ("after: default", ""))


IDLE_LEAVES = ("_worker (concurrent/futures/thread.py",)  # a pool thread waiting for work: py-spy counts its
# queue wait as active


def stage_of(stack: str) -> str | None:
    """The stage of one sampled stack; None for a waiting thread or a stack without a Python frame."""
    leaf = stack.rsplit(";", 1)[-1]
    if not stack.strip('"; ') or leaf.startswith(IDLE_LEAVES):
        return None
    for name, markers in STAGES:
        if any(m in stack for m in markers):
            return name
    return "other"


def profile(stem: str, toml: str, rate: int) -> tuple[Counter, float]:
    """(samples per stage, wall s) of one ``python -m core analyze`` of ``stem`` under py-spy."""
    import time

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(toml)
        raw = Path(tmp) / "stacks.txt"
        env = {**os.environ, "FORMLENS_CONFIG": str(cfg)}
        t = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("py-spy")), "record", "--format", "raw", "--rate",
                        str(rate), "-o", str(raw), "--", sys.executable, "-m", "core", "analyze", str(clip(stem)),
                        "--json", str(Path(tmp) / "report.json")], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        wall = time.perf_counter() - t
        counts: Counter = Counter()
        for line in raw.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            stage = stage_of(stack) if n.isdigit() else None
            if stage:
                counts[stage] += int(n)
    return counts, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clips", nargs="*", default=["mattiolato_bad_01", "03y_deadlift2"])
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    args = ap.parse_args()
    print(machine_line())
    names = [s for s, _ in STAGES] + ["other"]
    for stem in args.clips:
        rows, totals = [], {}
        results = {label: profile(stem, toml, args.rate) for label, toml in VARIANTS}
        for label, (counts, wall) in results.items():
            totals[label] = (sum(counts.values()), wall)
        for name in names:
            rows.append([name] + [f"{100 * results[v][0][name] / max(totals[v][0], 1):.0f} % "
                                  f"({results[v][0][name]})" for v, _ in VARIANTS])
        rows.append(["**all samples (wall s)**"] + [f"{totals[v][0]} ({totals[v][1]:.1f} s)" for v, _ in VARIANTS])
        print(f"\n{stem}: `python -m core analyze` under py-spy at {args.rate} Hz\n")
        print_table(["stage"] + [v for v, _ in VARIANTS], rows)


if __name__ == "__main__":
    main()
