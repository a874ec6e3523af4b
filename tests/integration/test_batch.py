"""Batch runner on real clips: one report per video, a summary, resume that redoes nothing, and Ray."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from core.batch import run_batch
from core.config import AnalysisConfig
from tests.conftest import ONNX_WEIGHTS, ROOT, TEST_IMGSZ, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

CLIPS = ("jeffchen_bad", "bichraix_good009")  # two short real deadlifts, 1 rep each (manifest)


@pytest.fixture()
def video_dir(tmp_path):
    folder = tmp_path / "team" / "monday"
    folder.mkdir(parents=True)
    for name in CLIPS:
        shutil.copy(clip_path(name), folder / f"{name}.mp4")  # into pytest's tmp dir, never the repo
    (folder / "notes.mp4").write_text("not a video")
    return tmp_path / "team"


@pytest.fixture(scope="module")
def batch_config():
    return AnalysisConfig(pose_backend="onnx", pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)


def _mtimes(out):
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "summary.csv"}


def test_batch_writes_reports_and_resumes_without_redoing(video_dir, tmp_path, batch_config):
    out = tmp_path / "out"
    first = run_batch(video_dir, out, workers=2, config=batch_config, log=lambda _m: None)
    assert first == {"found": 3, "skipped": 0, "analysed": 2, "failed": 1}
    for name in CLIPS:
        report = json.loads((out / f"monday__{name}.json").read_text())
        assert report["rep_count"] == 1 and report["pose_backend"].startswith("onnx:")
    assert "not a video" in json.loads((out / "monday__notes.error.json").read_text())["error"]
    rows = {r["video"]: r for r in csv.DictReader((out / "summary.csv").read_text().splitlines())}
    assert rows["monday__jeffchen_bad"]["status"] == "ok" and rows["monday__notes"]["status"] == "failed"
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temp files behind
    before = _mtimes(out)
    second = run_batch(video_dir, out, workers=2, config=batch_config, log=lambda _m: None)
    assert second == {"found": 3, "skipped": 3, "analysed": 0, "failed": 0}
    assert _mtimes(out) == before  # nothing rewritten


def test_batch_cli_resumes_after_a_partial_run(video_dir, tmp_path):
    """The CLI front door: a report already present is kept, only the missing video is analysed."""
    out = tmp_path / "out"
    out.mkdir()
    kept = '{"schema": "formlens.report/1", "kept": true}'
    (out / "monday__jeffchen_bad.json").write_text(kept)
    env = {**os.environ, "FORMLENS_POSE_WEIGHTS": str(ONNX_WEIGHTS), "FORMLENS_POSE_IMGSZ": str(TEST_IMGSZ)}
    proc = subprocess.run([sys.executable, "-m", "core", "batch", str(video_dir), "--out", str(out),
                           "--backend", "onnx"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 analysed, 1 failed, 1 already done" in proc.stderr
    assert (out / "monday__jeffchen_bad.json").read_text() == kept
    assert json.loads((out / "monday__bichraix_good009.json").read_text())["rep_count"] == 1
    rows = {r["video"]: r["status"] for r in csv.DictReader((out / "summary.csv").read_text().splitlines())}
    assert rows == {"monday__jeffchen_bad": "unreadable report", "monday__bichraix_good009": "ok",
                    "monday__notes": "failed"}


def test_batch_cli_rejects_a_missing_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "core", "batch", str(tmp_path / "nope"), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "is not a folder of videos" in proc.stderr and "Traceback" not in proc.stderr


def test_batch_runs_as_ray_tasks_on_a_local_instance(video_dir, tmp_path, monkeypatch):
    """A local Ray instance started here (one CPU: one worker process runs the tasks in turn); the CLI connects
    to it by address, as it would to a cluster. One clip and the non-video: a good and a failed task (a second
    clip would only repeat the first's work in the same worker)."""
    ray = pytest.importorskip("ray")
    (video_dir / "monday" / f"{CLIPS[1]}.mp4").unlink()
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the local raylet's workers inherit it and can import core
    ray.init(num_cpus=1, include_dashboard=False, object_store_memory=100 * 2**20, log_to_driver=False)
    try:
        address = ray.get_runtime_context().gcs_address
        out = tmp_path / "out"
        env = {**os.environ, "FORMLENS_POSE_WEIGHTS": str(ONNX_WEIGHTS), "FORMLENS_POSE_IMGSZ": str(TEST_IMGSZ)}
        proc = subprocess.run([sys.executable, "-m", "core", "batch", str(video_dir), "--out", str(out),
                               "--backend", "onnx", "--ray", address], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "1 analysed, 1 failed" in proc.stderr
        assert json.loads((out / f"monday__{CLIPS[0]}.json").read_text())["rep_count"] == 1
        assert "not a video" in json.loads((out / "monday__notes.error.json").read_text())["error"]
    finally:
        ray.shutdown()
