"""Shared fixtures: paths to the real clips in ../shared, one pose backend per session, and pose traces of
real clips computed once per session.

Test layers (markers, pyproject.toml): ``needs_data`` tests read the real clips or keypoints in ../shared
(FORMLENS_SHARED) and are skipped, with the reason, when that folder is missing; ``needs_model`` tests run the
pose model (the default weights ship in models/, core.config.DEFAULT_POSE_WEIGHTS) and are skipped when that file
is missing. Everything else runs on a bare clone: ``pytest -m "not needs_data"``. In CI (CI=true, or
FORMLENS_REQUIRE_DATA=1 as .ci/run sets) a missing ../shared stops the run instead: a silent skip of every
real-clip test would hide breakage.
"""

from __future__ import annotations

import csv
import os
import sys
import threading
from pathlib import Path

import pytest

from core.config import DEFAULT_POSE_WEIGHTS, shared_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = shared_dir()
REAL = SHARED / "data" / "real"
MODELS = SHARED / "models"
PT_WEIGHTS = MODELS / "yolo11n-pose.pt"  # the PyTorch original, only in ../shared (needs_data)
ONNX_WEIGHTS = Path(DEFAULT_POSE_WEIGHTS)  # the shipped ONNX export (same bytes as ../shared/models' copy)
TEST_IMGSZ = 480  # the app's default pose input size
HAS_DATA = (REAL / "manifest.csv").is_file()
HAS_MODEL = ONNX_WEIGHTS.is_file()
NO_DATA = f"needs the real clips in {REAL} (set FORMLENS_SHARED)"
REQUIRE_DATA = os.environ.get("FORMLENS_REQUIRE_DATA") == "1" or os.environ.get("CI", "").lower() in ("1", "true")

# Pages read their config from the environment: point them at the shipped weights.
os.environ.setdefault("FORMLENS_POSE_WEIGHTS", str(ONNX_WEIGHTS))
os.environ.setdefault("YOLO_OFFLINE", "1")

# ultralytics binds its log handler to sys.stdout at import; import it now, under pytest's session-wide
# capture, so a test's short-lived capsys stream is never the one it keeps writing to.
import ultralytics  # noqa: E402,F401

if HAS_DATA:
    os.environ.setdefault("FORMLENS_GOLD_DIR", str(REAL / "keypoints" / "liftingpose_gold"))  # S3 gold poses


def pytest_configure(config):
    if REQUIRE_DATA and not HAS_DATA:
        raise pytest.UsageError(f"CI must run the real-clip tests, but there are no real clips: {NO_DATA}")


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_data") and not HAS_DATA:
        pytest.skip(NO_DATA)
    if item.get_closest_marker("needs_model") and not HAS_MODEL:
        pytest.skip(f"needs the pose weights {ONNX_WEIGHTS}")


@pytest.fixture(autouse=True)
def _restore_main_module():
    """AppTest runs a page as ``__main__`` and can leave it in sys.modules; a later test that spawns worker
    processes (core.batch) would then make each worker re-run that page script. Put the real one back."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


def manifest() -> list[dict[str, str]]:
    if not HAS_DATA:  # reached only by a test without the needs_data mark
        raise RuntimeError(f"this test reads the real clips: mark it needs_data ({NO_DATA})")
    with open(REAL / "manifest.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def clip_path(name: str) -> Path:
    """Path of a real clip by its stem, e.g. ``"formfit_squat"``."""
    for row in manifest():
        if Path(row["file"]).stem == name:
            return REAL / row["file"]
    raise KeyError(name)


def manifest_row(name: str) -> dict[str, str]:
    return next(r for r in manifest() if Path(r["file"]).stem == name)


@pytest.fixture(scope="session")
def config():
    from core.config import AnalysisConfig

    return AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)


@pytest.fixture(scope="session")
def backend(config):
    """The real YOLO11n-pose (ONNX export, through ultralytics), shared like the app shares it."""
    from core.perception.pose import load_backend

    return load_backend(config)


_traces: dict[str, object] = {}
_traces_lock = threading.Lock()


@pytest.fixture(scope="session")
def real_trace(backend, config, tmp_path_factory):
    """``real_trace(name)`` -> PoseTrace of a real clip, computed once per test run: the xdist workers share
    them through a folder of the run's base temp directory, one file lock per clip (the first worker to ask
    runs pose, the other waits and reads it)."""
    import pickle

    from filelock import FileLock

    from core.pipeline import run_pose

    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "pose_traces"
    folder.mkdir(exist_ok=True)

    def get(name: str):
        with _traces_lock:
            if name not in _traces:
                path = folder / f"{name}.pkl"
                with FileLock(f"{path}.lock"):
                    if path.is_file():
                        _traces[name] = pickle.loads(path.read_bytes())
                    else:
                        _traces[name] = run_pose(clip_path(name), backend, config)
                        path.write_bytes(pickle.dumps(_traces[name]))
            return _traces[name]

    return get


# The longest test files first: the three xdist workers take whole files in collection order, so a long file
# collected last would run alone at the end.
SLOW_FILES_FIRST = (  # the real-time browser tests first: their waits overlap the CPU-bound files
    "tests/browser/test_walkthrough.py", "tests/browser/test_live_voice.py", "tests/browser/test_visual.py",
    "tests/integration/test_real_clips.py", "tests/robustness/test_catalogue.py",
    "tests/robustness/test_concurrency.py",
    "tests/integration/test_rep_classes.py", "tests/integration/test_batch.py", "tests/browser/test_navigation.py",
    "tests/app/test_saving_sets.py", "tests/app/test_plain_words.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable: the rest keep their order
