"""The analysis runs the shipped learned models from their ONNX copies (onnxruntime, no torch import): each copy
gives the torch network's output, so a lift, style or form call is the trained model's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from core.judgment import classify
from core.judgment.learned.features import frame_features, sequence_features
from core.judgment.learned.sim import simulate_set
from core.skeleton import LIFTS
from tests.conftest import ROOT

NAMES = ("lift", "style", "form_conventional", "form_sumo", "form_romanian", "frame", "deviation")
pytestmark = pytest.mark.skipif(not all((classify.MODELS_DIR / f"{n}.onnx").is_file() for n in NAMES),
                                reason="models/*.onnx not built")


@pytest.fixture(scope="module")
def clips():
    return simulate_set(6, seed=3)  # simulated lifts of every kind (core.judgment.learned.sim): no data needed


@pytest.mark.parametrize("name", NAMES)
def test_the_onnx_copy_gives_the_torch_networks_output(name, clips):
    onnx_run, onnx_classes = classify._onnx_model(classify.MODELS_DIR / f"{name}.onnx")
    torch_run, torch_classes = classify._torch_model(classify.MODELS_DIR / f"{name}.pt")
    assert onnx_classes == torch_classes
    if name in ("frame", "deviation"):
        x = np.concatenate([frame_features(c.series.xyc) for c in clips])
        args = (x,) if name == "frame" else (x, np.eye(len(LIFTS), dtype=np.float32)[np.arange(len(x)) % len(LIFTS)])
    else:
        args = (np.stack([sequence_features(c.series.xyc) for c in clips]),)
    a, b = onnx_run(*args), torch_run(*args)
    assert a.shape == b.shape and np.allclose(a, b, atol=1e-4, rtol=1e-4)
    if name not in ("frame", "deviation"):
        assert (a.argmax(1) == b.argmax(1)).all()  # the same class called on every clip


def test_an_analysis_never_imports_torch():
    """A cold analysis does not pay torch's import (2.6 s on 2 cores): the learned models run on onnxruntime."""
    code = ("import sys\nfrom core.judgment.learned.sim import simulate_set\nfrom core.judgment import classify\n"
            "c = simulate_set(1, seed=1)[0]\nassert classify.predict_lift(c.series) is not None\n"
            "assert classify.frame_bad_probability(c.series) is not None\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
    assert torch.__version__  # (the test process itself has torch: the comparison above needs it)
