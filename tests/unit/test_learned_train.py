"""Training is reproducible and learns: a tiny seeded run on simulated clips."""

from __future__ import annotations

import numpy as np

from core.judgment.learned.sim import LIFTS, simulate_set
from core.judgment.learned.train import (
    fit_deviation,
    fit_frame,
    fit_sequence,
    frame_dataset,
    good_pose_dataset,
    lift_dataset,
    save,
)


def test_sequence_training_is_seeded_and_loss_falls(tmp_path):
    sims = simulate_set(36, seed=1)
    X, y = lift_dataset(sims, [])
    a = fit_sequence(X, y, LIFTS, epochs=5, seed=3, batch=12)
    b = fit_sequence(X, y, LIFTS, epochs=5, seed=3, batch=12)
    assert a.losses == b.losses
    assert a.losses[-1] < 0.5 * a.losses[0]
    import torch

    with torch.no_grad():
        out = a.model(torch.tensor(X[:4]))
    assert out.shape == (4, 3) and X.shape[1:] == (200, 51)
    # saved, a model gets the ONNX copy the analysis runs, giving the trained network's output
    from core.judgment import classify

    save(a, tmp_path / "lift.pt", "sequence", {"command": "test"})
    run, classes = classify._load("lift", tmp_path)
    assert (tmp_path / "lift.onnx").is_file() and classes == tuple(LIFTS)
    assert np.allclose(run(X[:4]), out.numpy(), atol=1e-4)


def test_frame_and_deviation_nets_train():
    sims = simulate_set(24, seed=2)
    Xf, yf = frame_dataset(sims, [])
    assert Xf.shape[1] == 51 and 0 < yf.mean() < 1
    frame = fit_frame(Xf, yf, epochs=4, seed=0)
    assert frame.losses[-1] < frame.losses[0]
    Xg, lift = good_pose_dataset(sims, [])
    dev = fit_deviation(Xg, lift, epochs=4, seed=0)
    assert dev.losses[-1] < dev.losses[0] and np.isfinite(dev.losses).all()
