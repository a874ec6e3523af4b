"""Evaluation with splits by video/lifter/source, never by frame. Prints confusion matrices and
per-class precision/recall/F1 (``python -m core evaluate {sim,esap}``; the real clips' lift models:
:mod:`core.evaluation.lift_models`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.judgment.learned.features import frame_features
from core.judgment.learned.sim import simulate_set
from core.labels import DEADLIFT_STYLES, FORMS_BY_STYLE
from core.skeleton import LIFTS


def confusion(y_true: Sequence[int], y_pred: Sequence[int], n: int) -> np.ndarray:
    """(n, n) counts, rows = true class, columns = predicted."""
    m = np.zeros((n, n), int)
    for t, p in zip(y_true, y_pred, strict=True):
        m[t, p] += 1
    return m


def per_class(m: np.ndarray) -> list[tuple[float, float, float, int]]:
    """(precision, recall, F1, support) per class from a confusion matrix."""
    out = []
    for k in range(len(m)):
        tp, col, row = m[k, k], m[:, k].sum(), m[k].sum()
        p, r = (tp / col if col else 0.0), (tp / row if row else 0.0)
        out.append((p, r, 2 * p * r / (p + r) if p + r else 0.0, int(row)))
    return out


def format_report(title: str, m: np.ndarray, classes: Sequence[str]) -> str:
    """Confusion matrix and precision/recall/F1 table as plain text."""
    w = max(10, *(len(c) + 1 for c in classes))
    lines = [f"== {title} (n={m.sum()}, accuracy {np.trace(m) / max(m.sum(), 1):.3f})",
             "true \\ pred".ljust(w) + "".join(c[:w - 1].rjust(w) for c in classes)]
    lines += [c.ljust(w) + "".join(str(v).rjust(w) for v in row) for c, row in zip(classes, m, strict=True)]
    stats = per_class(m)
    lines.append("class".ljust(w) + "precision".rjust(w) + "recall".rjust(w) + "F1".rjust(w) + "support".rjust(w))
    lines += [c.ljust(w) + "".join(f"{v:.3f}".rjust(w) for v in s[:3]) + str(s[3]).rjust(w)
              for c, s in zip(classes, stats, strict=True)]
    present = [s[2] for s in stats if s[3] > 0]
    lines.append(f"macro-F1 over classes present: {np.mean(present) if present else 0.0:.3f}")
    return "\n".join(lines)


def evaluate_sim(models_dir: Path, n: int = 450, seed: int = 7) -> str:
    """Shipped models on held-out simulated clips: new seed = new lifters, cameras and noise."""
    from core.judgment.classify import _load
    from core.judgment.learned.train import form_dataset, lift_dataset, style_dataset

    sims = simulate_set(n, seed=seed)
    out = []
    jobs = [("lift", lift_dataset(sims, []), LIFTS), ("style", style_dataset(sims), DEADLIFT_STYLES)]
    jobs += [(f"form_{s}", form_dataset(sims, s), FORMS_BY_STYLE[s]) for s in DEADLIFT_STYLES]
    for name, (X, y), classes in jobs:
        run, _ = _load(name, models_dir)  # the shipped file the analysis runs (core.judgment.classify)
        out.append(format_report(f"simulator held-out (seed {seed}): {name}",
                                 confusion(y, run(X).argmax(1), len(classes)), classes))
    return "\n\n".join(out)


def evaluate_esap(keypoints: Path, folds: int = 5, seed: int = 0, epochs: int = 15) -> str:
    """Frame-wise good/bad net on Deadlift-ESAP only: grouped k-fold by video, then a frame-level
    random split (S1's protocol, leaky) for comparison. Video label = mean frame p_bad > 0.5."""
    from core.judgment.learned.datasets import load_esap
    from core.judgment.learned.train import fit_frame

    clips = load_esap(keypoints / "deadlift_esap_openpose18")
    X = [frame_features(c.series.xyc) for c in clips]
    y = [float(c.label == "bad") for c in clips]
    order = np.random.default_rng(seed).permutation(len(clips))
    fold_of = np.empty(len(clips), int)
    fold_of[order] = np.arange(len(clips)) % folds
    ft, fp, vt, vp = [], [], [], []
    for k in range(folds):
        tr, te = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        fit = fit_frame(np.concatenate([X[i] for i in tr]), np.concatenate([np.full(len(X[i]), y[i], np.float32)
                                                                            for i in tr]), epochs=epochs, seed=seed)
        for i in te:
            p = _frame_probs(fit.model, X[i])
            ft += [int(y[i])] * len(p)
            fp += list((p > 0.5).astype(int))
            vt.append(int(y[i]))
            vp.append(int(p.mean() > 0.5))
    leaky = _frame_random_split(X, y, seed, epochs)
    cls = ("good", "bad")
    return "\n\n".join([
        format_report(f"ESAP frame level, {folds}-fold split BY VIDEO ({len(clips)} deduplicated videos)",
                      confusion(ft, fp, 2), cls),
        format_report("ESAP video level (mean frame p_bad > 0.5), split BY VIDEO", confusion(vt, vp, 2), cls),
        format_report("ESAP frame level, RANDOM FRAME split 80/20 (S1's leaky protocol, for comparison only)",
                      leaky, cls)])


def _frame_probs(model, X: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return torch.sigmoid(model(torch.tensor(X))).numpy()


def _frame_random_split(X: list[np.ndarray], y: list[float], seed: int, epochs: int) -> np.ndarray:
    from core.judgment.learned.train import fit_frame

    allx = np.concatenate(X)
    ally = np.concatenate([np.full(len(x), v, np.float32) for x, v in zip(X, y, strict=True)])
    test = np.random.default_rng(seed).random(len(allx)) < 0.2
    fit = fit_frame(allx[~test], ally[~test], epochs=epochs, seed=seed)
    return confusion(ally[test].astype(int), (_frame_probs(fit.model, allx[test]) > 0.5).astype(int), 2)
