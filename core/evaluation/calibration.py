"""Fitting the fault calibration (:mod:`core.judgment.calibration`) on labelled real clips: MAP (c, k) per fault
row, the leave-one-lifter-out refit of ``python -m core evaluate faults`` and the writer of the shipped
``models/fault_calibration.json``. The model and its likelihood are described in :mod:`core.judgment.calibration`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.judgment.calibration import forget_shipped, prior
from core.judgment.faults.judge_rules import verdict_fields
from core.judgment.faults.table import ROWS

PRIOR_SD_CENTER = 1.0  # prior sd of the centre, in units of |bad - ok| of the row
PRIOR_SD_LOGK = 0.7  # prior sd of log|k| (a factor of ~2 steeper or flatter)
GENERIC_BAD_WEIGHT = 0.5  # weight of an unnamed "bad" label (it says less than a named one)
AUC_MIN = 0.65  # a cue whose training clips separate good from bad less well than this is "not confirmed"
MIN_BAD_CLIPS = 3  # fewer labelled-bad clips with a reading than this: the data cannot confirm the cue


def prior_of(name: str) -> tuple[float, float]:
    """(c, k) of a fault row's prior curve (from its threshold)."""
    t = ROWS[name].threshold
    return prior(t.ok, t.bad)


def clip_units(results: Sequence) -> list[tuple[str, frozenset[str], dict[str, float]]]:
    """(label, named faults, {fault: worst measurement over the clip's reps}) per clip with a judged rep."""
    units = []
    for r in results:
        worst: dict[str, float] = {}
        for rep in r.reps:
            for f in rep:
                x = f.get("measure")
                if f["name"] not in ROWS or not f.get("judgeable", True) or not isinstance(x, int | float):
                    continue
                if not math.isfinite(x):
                    continue
                k = prior_of(f["name"])[1]
                if f["name"] not in worst or k * (x - worst[f["name"]]) > 0:
                    worst[f["name"]] = float(x)
        if worst:
            units.append((r.clip.label, r.clip.named, worst))
    return units


def fit(units: Sequence[tuple[str, frozenset[str], dict[str, float]]]) -> dict:
    """MAP (c, k) per fault seen in ``units`` (see the module text)."""
    from scipy.optimize import minimize

    names = sorted({n for _, _, w in units for n in w})
    if not names:
        return {}
    pri = {n: prior_of(n) for n in names}

    span = {n: abs(ROWS[n].threshold.bad - ROWS[n].threshold.ok) for n in names}
    idx = {n: i for i, n in enumerate(names)}
    g_i, g_x, n_i, n_x, u_id, u_i, u_x = _arrays(units, idx)
    c0 = np.array([pri[n][0] for n in names])
    k0 = np.array([pri[n][1] for n in names])
    sd_c = np.array([PRIOR_SD_CENTER * span[n] for n in names])
    n_units = int(u_id.max()) + 1 if u_id.size else 0

    def unpack(theta):
        return theta[:len(names)], np.sign(k0) * np.exp(theta[len(names):])

    def logsig(z):
        return -np.logaddexp(0.0, -z)

    def loss(theta):
        c, k = unpack(theta)
        total = -logsig(-k[g_i] * (g_x - c[g_i])).sum() - logsig(k[n_i] * (n_x - c[n_i])).sum()
        if n_units:
            log_none = np.bincount(u_id, logsig(-k[u_i] * (u_x - c[u_i])), minlength=n_units)  # log P(no fault)
            total -= GENERIC_BAD_WEIGHT * np.log(np.maximum(1e-12, -np.expm1(log_none))).sum()
        total += 0.5 * (((c - c0) / sd_c) ** 2).sum()
        total += 0.5 * (((theta[len(names):] - np.log(np.abs(k0))) / PRIOR_SD_LOGK) ** 2).sum()
        return total

    theta0 = np.concatenate([c0, np.log(np.abs(k0))])
    res = minimize(loss, theta0, method="L-BFGS-B")
    c, k = unpack(res.x)
    counts = _counts(units, names)
    aucs = _aucs(units, names, k0)
    out = {}
    for i, n in enumerate(names):
        auc, n_bad = aucs[n]
        confirmed = None if n_bad < MIN_BAD_CLIPS or counts[n]["good"] < MIN_BAD_CLIPS else bool(auc >= AUC_MIN)
        ci, ki = (c[i], k[i]) if confirmed is not None else (c0[i], k0[i])  # too few labels: keep the prior
        out[n] = {"c": round(float(ci), 5), "k": round(float(ki), 5), "prior_c": round(float(c0[i]), 5),
                  "prior_k": round(float(k0[i]), 5), "clips": counts[n],
                  "auc_good_vs_bad": None if not np.isfinite(auc) else round(float(auc), 3), "confirmed": confirmed}
    return out


def _aucs(units, names, k0) -> dict[str, tuple[float, int]]:
    """Per fault: AUC of the (oriented) reading between good clips and bad clips that name it (or name
    nothing), and the number of such bad clips."""
    out = {}
    for j, n in enumerate(names):
        sign = np.sign(k0[j])
        good = [sign * w[n] for label, _, w in units if label == "good" and n in w]
        bad = [sign * w[n] for label, nm, w in units if label == "bad" and n in w and (n in nm or not nm)]
        if not good or not bad:
            out[n] = (float("nan"), len(bad))
            continue
        g, b = np.asarray(good)[:, None], np.asarray(bad)[None, :]
        out[n] = (float((b > g).mean() + 0.5 * (b == g).mean()), len(bad))
    return out


def _arrays(units, idx: dict[str, int]):
    """Flat arrays: good (fault index, x), named-present (index, x), unnamed-bad (unit id, index, x)."""
    good, named, generic = [], [], []
    for label, nm, w in units:
        items = [(idx[n], x) for n, x in w.items()]
        if label == "good":
            good += items
        elif nm:
            named += [(i, x) for i, x in items if i in {idx[n] for n in nm if n in idx}]
        else:
            generic.append(items)
    flat = [(u, i, x) for u, items in enumerate(generic) for i, x in items]
    return (np.array([i for i, _ in good], int), np.array([x for _, x in good], float),
            np.array([i for i, _ in named], int), np.array([x for _, x in named], float),
            np.array([u for u, _, _ in flat], int), np.array([i for _, i, _ in flat], int),
            np.array([x for _, _, x in flat], float))


def _counts(units, names) -> dict[str, dict[str, int]]:
    counts = {n: {"good": 0, "named": 0, "unnamed_bad": 0} for n in names}
    for label, nm, w in units:
        for n in w:
            key = "good" if label == "good" else "named" if n in nm else "unnamed_bad" if not nm else None
            if key:
                counts[n][key] += 1
    return counts


def rejudge(fault: dict, params: dict) -> dict:
    """A fault dict's verdict recomputed from its measurement with ``params`` (the evaluation's refit)."""
    x = fault.get("measure")
    if not fault.get("judgeable", True) or not isinstance(x, int | float):
        return fault
    vf = verdict_fields(fault["name"], float(x), params)
    return {**fault, **vf, "detected": vf["verdict"] == "fault"}


def refitter(train: Sequence) -> Callable[[dict], dict]:
    """Fit on the training clips (evaluation ClipResults) and return the re-judging function."""
    params = fit(clip_units(train))
    return lambda f: rejudge(f, params)


def write(params: dict, path: Path, command: str, groups: Sequence[str]) -> None:
    doc = {"what": "calibrated fault probability p = 1/(1+exp(-k (x - c))) per fault of "
                   "core.judgment.faults.FAULT_TABLE; x in the row's threshold unit",
           "command": command, "fitted_on_groups": sorted(set(groups)), "faults": params}
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    forget_shipped()
