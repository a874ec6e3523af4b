import numpy as np
import pytest

from core.config import AnalysisConfig
from core.movement.cleaning import (
    clean_series,
    fill_short_gaps,
    gate_by_confidence,
    lowpass_runs,
    nan_runs,
    reject_outliers,
)
from core.types import KeypointSeries


def test_gate_by_confidence_sets_low_points_missing():
    xyc = np.array([[[1, 2, 0.9], [3, 4, 0.1], [5, 6, np.nan]]], np.float32).repeat(1, 0)
    xyc = np.pad(xyc, ((0, 0), (0, 14), (0, 0)))
    out = gate_by_confidence(xyc, 0.3)
    assert out[0, 0, :2].tolist() == [1, 2]
    assert np.isnan(out[0, 1, :2]).all() and np.isnan(out[0, 2, :2]).all()
    assert out[0, 1, 2] == pytest.approx(0.1)  # confidence itself is kept


def test_nan_runs():
    assert nan_runs(np.array([1, 1, 0, 1, 0, 0, 1], bool)) == [(0, 2), (3, 4), (6, 7)]


def test_fill_short_gaps_respects_max_gap():
    x = np.array([0, np.nan, 2, np.nan, np.nan, np.nan, 6, np.nan])
    short = fill_short_gaps(x, max_gap=1)
    assert short[1] == pytest.approx(1.0)
    assert np.isnan(short[3:6]).all()  # 3-sample gap stays missing
    assert np.isnan(short[7])  # never extrapolate
    allgaps = fill_short_gaps(x, max_gap=None)
    assert allgaps[:7] == pytest.approx([0, 1, 2, 3, 4, 5, 6])


def test_reject_outliers_removes_a_spike_only():
    t = np.arange(90) / 30
    x = 100 + 20 * np.sin(2 * np.pi * 0.5 * t)
    x[40] += 80
    out = reject_outliers(x, window=9, n_sigmas=4)
    assert np.isnan(out[40])
    assert np.isfinite(np.delete(out, 40)).all()


def test_lowpass_runs_is_zero_phase_and_keeps_gaps():
    fps = 30.0
    t = np.arange(120) / fps
    slow = np.sin(2 * np.pi * 0.5 * t)
    noisy = slow + 0.2 * np.sin(2 * np.pi * 12 * t)
    noisy[60:63] = np.nan
    out = lowpass_runs(noisy, fps, cutoff_hz=4, order=4)
    assert np.isnan(out[60:63]).all()
    inner = np.r_[15:45, 78:105]
    assert np.abs(out[inner] - slow[inner]).max() < 0.05  # noise gone, no lag


def test_clean_series_on_noisy_track():
    rng = np.random.default_rng(0)
    n = 150
    xyc = np.zeros((n, 17, 3), np.float32)
    xyc[..., 0] = 300 + 50 * np.sin(np.linspace(0, 6, n))[:, None]
    xyc[..., 1] = 200 + rng.normal(0, 2, (n, 17))
    xyc[..., 2] = 0.9
    xyc[20:24, 3, 2] = 0.05  # short dropout -> filled
    xyc[60:90, 4, 2] = 0.05  # long dropout (1 s) -> stays missing
    cfg = AnalysisConfig(max_gap_s=0.3)
    out = clean_series(KeypointSeries(xyc, 30.0, 640, 480), cfg)
    assert np.isfinite(out.xyc[20:24, 3, :2]).all()
    assert np.isnan(out.xyc[62:88, 4, :2]).all()
    assert np.nanstd(out.xyc[:, 0, 1]) < 2.0  # jitter reduced
