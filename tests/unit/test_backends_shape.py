"""Every pose backend has the same shape, and the backends import without core.perception.pose (no cycle)."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

from core.perception.backends.base import PoseBackend

MODULES = {"yolo": "YoloPoseBackend", "onnx": "OnnxPoseBackend", "vitpose": "VitPoseBackend"}


@pytest.mark.parametrize("module, cls", MODULES.items())
def test_each_backend_module_has_the_same_shape(module, cls):
    mod = importlib.import_module(f"core.perception.backends.{module}")
    backend = getattr(mod, cls)
    params = inspect.signature(backend.predict).parameters
    assert list(params)[:3] == ["self", "frames", "imgsz"] and params["imgsz"].default is None
    assert hasattr(backend, "imgsz") or "imgsz" in inspect.signature(backend.__init__).parameters
    assert list(inspect.signature(mod.from_config).parameters)[0] == "config"


def test_old_import_path_still_works():
    from core.perception import pose

    for name in ("PoseBackend", "load_backend", "YoloPoseBackend", "auto_backend", "onnx_weights_for", "BACKENDS"):
        assert getattr(pose, name) is not None
    assert pose.PoseBackend is PoseBackend


def test_backends_import_without_core_pose():
    """Importing a backend first (the old cycle: core.perception.backends.vitpose -> core.perception.pose ->
    core.perception.backends) works and
    does not pull in core.perception.pose."""
    code = ("import sys, core.perception.backends.vitpose, core.perception.backends.onnx, "
            "core.perception.backends.yolo; "
            "assert 'core.perception.pose' not in sys.modules; import core.perception.pose; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
