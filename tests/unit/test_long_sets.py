"""A long set costs memory in proportion to its length: nothing builds a samples x samples table.

On a 5-minute set (9000 samples) the bar's height per sample and the plate ruler each built such a table
(1.3 GB for the first), so a 10-minute upload would have needed ~3 GB more (python -m bench.speed.memory)."""

from __future__ import annotations

import types

import numpy as np

from core.movement.reps import GATE_WINDOW_S, bar_y_on
from core.perception.bar.track import plate_diameter

N = 200_000  # samples: ~1.9 h at 30/s; a samples x samples float table would need 320 GB


def test_bar_height_per_sample_on_a_very_long_set():
    t = np.arange(N) / 30.0
    y = 300 + 50 * np.sin(t)
    y[(t > 100) & (t < 101)] = np.nan  # a 1-s gap with no sighting
    series = types.SimpleNamespace(times=t)
    out = bar_y_on(series, types.SimpleNamespace(t=t, y=y), 0.0)
    assert out.shape == (N,)
    gap = (t > 100 + GATE_WINDOW_S + 0.04) & (t < 101 - GATE_WINDOW_S - 0.04)
    assert gap.any() and np.isnan(out[gap]).all()  # no bar seen near these samples: not invented
    assert np.allclose(out[~np.isnan(y)], y[~np.isnan(y)])  # where the bar was seen, its own height


def test_plate_ruler_on_a_very_long_set():
    rng = np.random.default_rng(0)
    rim = rng.normal(180.0, 2.0, N // 2)  # the rim, seen on half the detections
    ring = rng.normal(120.0, 2.0, N // 2)  # an inner ring the fit sometimes returns
    assert abs(plate_diameter(np.concatenate([ring, rim])) - 180.0) < 1.0
