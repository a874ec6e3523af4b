"""A fresh offline install analyses a clip: the app's own files only (no ../shared beside it), no FORMLENS_*
variable, no network, a fresh home folder (no cached downloads). The pose weights must come from models/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.slow, pytest.mark.needs_data, pytest.mark.needs_model]

# Run inside the fresh copy. Any connection that leaves this machine fails, even where `unshare -n` is not
# allowed; the app must not need one.
SCRIPT = r'''
import ipaddress, socket, sys
_connect = socket.socket.connect
def _local_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise OSError("network disabled for this test")
        except ValueError:
            raise OSError("network disabled for this test")
    return _connect(self, address)
socket.socket.connect = _local_only

from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300)
at.run()
at.switch_page("app_pages/upload.py").run()
at.file_uploader(key="upload").set_value(("my set.mp4", open(sys.argv[1], "rb").read(), "video/mp4")).run()
assert not at.exception, at.exception
assert not at.error, [e.value for e in at.error]
metrics = {m.label: m.value for m in at.metric}
print("METRICS", metrics)
assert metrics["Reps"] == "1", metrics
assert "deadlift" in metrics["Lift"].lower(), metrics
assert any("JSON" in b.label for b in at.get("download_button"))
'''


def test_a_fresh_offline_install_analyses_an_upload_with_the_shipped_weights(tmp_path):
    app = tmp_path / "formlens"
    shutil.copytree(ROOT, app, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.pyc",
                                                             ".pytest_cache", ".ruff_cache"))
    assert not (app.parent / "shared").exists()
    clip = tmp_path / "clip.mp4"
    shutil.copy(clip_path("jeffchen_good"), clip)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FORMLENS_", "YOLO_", "ULTRALYTICS")) and k not in {"HOME", "XDG_CONFIG_HOME"}}
    env.update(HOME=str(home), PYTHONPATH=str(app))
    cmd = [sys.executable, "-c", SCRIPT, str(clip)]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        cmd = ["unshare", "-n", *cmd]  # no network interface at all but loopback
    done = subprocess.run(cmd, cwd=app, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "METRICS" in done.stdout
    assert not list(home.rglob("*.pt")), "something downloaded weights into the home folder"
