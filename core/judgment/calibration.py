"""Calibrated probability of each fault from its rule's measurement, fitted across lifters.

p(fault | x) = 1 / (1 + exp(-k (x - c))) per fault row of :data:`core.judgment.faults.FAULT_TABLE`. The prior
of (c, k) comes from the row's threshold (p = 0.1 at the ok value, 0.9 at the bad value); the fit is a
maximum a-posteriori estimate on labelled real clips:

- a clip labelled good: every judged fault is absent;
- a clip whose label names faults: those faults are present (the others say nothing);
- a clip labelled bad without a name: at least one judged fault is present (noisy-OR).

A clip's reading of a fault is its worst rep. This module is what judging needs at run time (the shipped
parameters, the prior, the probability); the fitting is :mod:`core.evaluation.calibration`. Fitting happens
inside the cross-validation folds of ``python -m core evaluate faults`` (never on the lifter scored); the
shipped parameters in
``models/fault_calibration.json`` are fitted on all labelled lifters by
``python -m core evaluate faults --traces DIR --fit models/fault_calibration.json``, which also
records that command and the data it saw. Without the file the prior curves are used.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np

PARAMS_PATH = Path(__file__).resolve().parents[2] / "models" / "fault_calibration.json"
PRIOR_P_OK, PRIOR_P_BAD = 0.1, 0.9  # the prior curve's p at a row's ok and bad value
_lock = threading.Lock()
_loaded: dict[str, dict] = {}


def prior(ok: float, bad: float) -> tuple[float, float]:
    """(c, k) such that p = PRIOR_P_OK at a row's ``ok`` value and PRIOR_P_BAD at its ``bad`` value."""
    lo, hi = math.log(PRIOR_P_OK / (1 - PRIOR_P_OK)), math.log(PRIOR_P_BAD / (1 - PRIOR_P_BAD))
    k = (hi - lo) / (bad - ok)
    c = ok - lo / k
    return c, k


def shipped() -> dict:
    """The committed parameters ({fault: {"c", "k", ...}}), or {} when the file is absent."""
    with _lock:
        if "params" not in _loaded:
            try:
                _loaded["params"] = json.loads(PARAMS_PATH.read_text()).get("faults", {})
            except (OSError, ValueError):
                _loaded["params"] = {}
        return _loaded["params"]


def curve(name: str, ok: float, bad: float, params: dict | None = None) -> tuple[float, float]:
    """(c, k) of fault ``name``: from ``params`` (default: the shipped file), else the prior of its row's
    threshold (``ok``, ``bad``, in the row's unit)."""
    table = shipped() if params is None else params
    row = table.get(name)
    return (float(row["c"]), float(row["k"])) if row else prior(ok, bad)


def probability(ck: tuple[float, float], x: float) -> float:
    """p of the fault at measurement ``x`` on the curve ``ck`` = (c, k)."""
    c, k = ck
    return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, k * (x - c))))))


def probabilities(ck: tuple[float, float], x: np.ndarray) -> np.ndarray:
    """:func:`probability` per sample; NaN stays NaN."""
    c, k = ck
    with np.errstate(invalid="ignore", over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.clip(k * (x - c), -50, 50)))


def forget_shipped() -> None:
    """Drop the cached parameters: the next :func:`shipped` reads the file again (after it was rewritten)."""
    with _lock:
        _loaded.clear()
