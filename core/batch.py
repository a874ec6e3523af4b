"""Batch analysis of a folder of videos: parallel processes on one machine, or Ray tasks on a cluster.

Why this shape: a coach drops a team's videos in a folder and may stop the
job at any time. Each finished video leaves ``<name>.json`` (or
``<name>.error.json`` for a video FormLens cannot analyse) written atomically
(temp file + ``os.replace``), so a rerun skips it and a crash never leaves a
half-written report. ``summary.csv`` is rebuilt from what is on disk.

Workers return the report text; only the driver writes files, so Ray workers
on other machines need no shared output folder. Ray tasks get the video bytes
through the object store, so they need no shared input folder either.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from core.config import AnalysisConfig
from core.errors import FormLensError

logger = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".avi", ".mkv")  # what the upload page accepts
SUMMARY_FIELDS = ("video", "status", "lift", "reps", "duration_s", "wall_s", "pose_backend", "message")


@dataclass(frozen=True)
class Outcome:
    """What one worker returns: the report JSON, or the user-facing reason it failed."""

    key: str
    report_json: str | None
    error: str | None
    wall_s: float


def find_videos(folder: Path) -> list[Path]:
    """Every video under ``folder`` (recursive), sorted so runs are reproducible."""
    if not folder.is_dir():
        raise FormLensError(f"{folder} is not a folder of videos.")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)


def report_key(video: Path, root: Path) -> str:
    """A flat, unique file stem for a video: its path under ``root`` with '/' turned into '__'."""
    return "__".join(video.relative_to(root).with_suffix("").parts)


def is_done(out_dir: Path, key: str) -> bool:
    """A video is finished once its report or its error record exists."""
    return (out_dir / f"{key}.json").is_file() or (out_dir / f"{key}.error.json").is_file()


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and ``os.replace``: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_BACKENDS: dict[tuple, Any] = {}  # one pose model per worker process, reused for every video


def analyse_one(key: str, source: str | bytes, config: AnalysisConfig) -> Outcome:
    """Analyse one video in a worker; FormLens errors become an Outcome, not an exception."""
    from core.perception.pose import backend_key, load_backend
    from core.pipeline import analyze_video

    t0 = time.perf_counter()
    cache_key = backend_key(config)
    try:
        if cache_key not in _BACKENDS:
            _BACKENDS[cache_key] = load_backend(config)
        analysis = analyze_video(source, _BACKENDS[cache_key], config)
        return Outcome(key, analysis.report.to_json(indent=1), None, time.perf_counter() - t0)
    except FormLensError as err:
        return Outcome(key, None, str(err), time.perf_counter() - t0)


def record(out_dir: Path, outcome: Outcome) -> None:
    """Write a worker's outcome as ``<key>.json`` or ``<key>.error.json`` (atomically)."""
    if outcome.report_json is not None:
        report = json.loads(outcome.report_json)
        report["batch"] = {"wall_s": round(outcome.wall_s, 3)}
        write_atomic(out_dir / f"{outcome.key}.json", json.dumps(report, indent=1))
    else:
        write_atomic(out_dir / f"{outcome.key}.error.json",
                     json.dumps({"error": outcome.error, "wall_s": round(outcome.wall_s, 3)}))


def run_local(jobs: list[tuple[str, Path]], config: AnalysisConfig, workers: int,
              on_done: Callable[[Outcome], None]) -> None:
    """Run jobs in ``workers`` spawned processes (spawn: no forked copies of model threads)."""
    if workers <= 1:
        for key, path in jobs:
            on_done(analyse_one(key, str(path), config))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(analyse_one, key, str(path), config) for key, path in jobs]
        for fut in as_completed(futures):
            on_done(fut.result())


def run_ray(jobs: list[tuple[str, Path]], config: AnalysisConfig, address: str,
            on_done: Callable[[Outcome], None]) -> None:
    """Run jobs as Ray tasks (1 CPU each) on the cluster at ``address``; video bytes travel by object store."""
    import ray  # optional dependency, imported only for --ray

    if not ray.is_initialized():
        core_dir = str(Path(__file__).resolve().parent)
        ray.init(address=address, runtime_env={"py_modules": [core_dir]}, log_to_driver=False)
    remote = ray.remote(num_cpus=1, max_retries=1)(analyse_one)
    pending = [remote.remote(key, ray.put(path.read_bytes()), config) for key, path in jobs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        on_done(ray.get(done[0]))


def run_batch(folder: Path, out_dir: Path, *, workers: int = 1, ray_address: str | None = None,
              config: AnalysisConfig | None = None, retry_failed: bool = False,
              log: Callable[[str], None] = print) -> dict[str, int]:
    """Analyse every unfinished video in ``folder`` into ``out_dir`` and rebuild ``summary.csv``.

    Returns counts: ``found``, ``skipped`` (already finished), ``analysed``, ``failed``.
    """
    config = config or AnalysisConfig.from_env()
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out_dir.mkdir(parents=True, exist_ok=True)
    videos = find_videos(folder)
    if retry_failed:
        for p in out_dir.glob("*.error.json"):
            p.unlink()
    jobs = [(report_key(v, folder), v) for v in videos if not is_done(out_dir, report_key(v, folder))]
    counts = {"found": len(videos), "skipped": len(videos) - len(jobs), "analysed": 0, "failed": 0}
    log(f"{len(videos)} videos, {counts['skipped']} already done, {len(jobs)} to analyse")
    # split the cores between worker processes so they do not oversubscribe the CPU
    per_worker = config.update(pose_threads=config.pose_threads or max(1, (os.cpu_count() or 1) // workers))

    def on_done(outcome: Outcome) -> None:
        record(out_dir, outcome)
        counts["analysed" if outcome.error is None else "failed"] += 1
        status = "ok" if outcome.error is None else f"failed: {outcome.error}"
        log(f"[{counts['analysed'] + counts['failed']}/{len(jobs)}] {outcome.key}: {status} ({outcome.wall_s:.1f} s)")

    if ray_address:
        run_ray(jobs, config.update(pose_threads=1), ray_address, on_done)
    else:
        run_local(jobs, per_worker, workers, on_done)
    write_atomic(out_dir / "summary.csv", summary_csv(out_dir, [report_key(v, folder) for v in videos]))
    return counts


def summary_rows(out_dir: Path, keys: Iterable[str]) -> list[dict[str, Any]]:
    """One row per video from the files on disk (so a resumed run's summary covers every video)."""
    rows = []
    for key in keys:
        ok, err = out_dir / f"{key}.json", out_dir / f"{key}.error.json"
        if ok.is_file():
            rows.append(_report_row(key, ok))
        elif err.is_file():
            d = json.loads(err.read_text())
            rows.append({"video": key, "status": "failed", "wall_s": d.get("wall_s"), "message": d["error"]})
        else:
            rows.append({"video": key, "status": "pending"})
    return rows


def _report_row(key: str, path: Path) -> dict[str, Any]:
    """A summary row from a report file; a file that is not a full report is flagged, not fatal."""
    try:
        d = json.loads(path.read_text())
        return {"video": key, "status": "ok", "lift": d["lift"]["label"], "reps": d["rep_count"],
                "duration_s": d["video"]["duration_s"], "wall_s": d.get("batch", {}).get("wall_s"),
                "pose_backend": d.get("pose_backend"), "message": " | ".join(d.get("warnings", []))}
    except (KeyError, TypeError, ValueError) as err:
        return {"video": key, "status": "unreadable report", "message": f"{path.name}: {err!r}"}


def summary_csv(out_dir: Path, keys: Iterable[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_FIELDS, restval="")
    writer.writeheader()
    writer.writerows(summary_rows(out_dir, keys))
    return buf.getvalue()
