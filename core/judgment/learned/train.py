"""Build training sets (simulator + public keypoint data) and fit the shipped models.

``python -m core train --out models/`` retrains every shipped weights file; all randomness
is seeded, so the same command on the same data gives the same weights (CPU, 1 thread).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.config import shared_real
from core.judgment.learned.datasets import KeypointClip, load_bichraix, load_esap
from core.judgment.learned.features import frame_features, sequence_features
from core.judgment.learned.sim import SimClip, simulate_set
from core.labels import DEADLIFT_STYLES, FORMS_BY_STYLE
from core.skeleton import LIFTS

logger = logging.getLogger(__name__)
REP_MARGIN = 0.15  # share of a rep's length added before/after it when cutting rep windows


@dataclass
class Fit:
    """A trained model plus its loss per epoch (for reproducibility checks)."""

    model: object
    losses: list[float]
    classes: tuple[str, ...]


def rep_windows(clip: SimClip) -> list[np.ndarray]:
    """(T_rep, 17, 3) slices of a simulated clip around each rep, with a small margin."""
    out, T = [], clip.series.n_frames
    for s, _, e in clip.rep_bounds:
        m = int(REP_MARGIN * (e - s))
        out.append(clip.series.xyc[max(0, s - m):min(T, e + m + 1)])
    return out


def lift_dataset(sims: list[SimClip], real: list[KeypointClip]) -> tuple[np.ndarray, np.ndarray]:
    """Whole-clip sequences labelled by lift; the real keypoint clips are all deadlifts."""
    X = [sequence_features(c.series.xyc) for c in sims] + [sequence_features(c.series.xyc) for c in real]
    y = [LIFTS.index(c.lift) for c in sims] + [0] * len(real)
    return np.stack(X), np.array(y)


def style_dataset(sims: list[SimClip]) -> tuple[np.ndarray, np.ndarray]:
    """Rep windows of simulated deadlifts labelled by style (no real sumo/Romanian exists)."""
    X, y = [], []
    for c in sims:
        if c.lift == "deadlift":
            for w in rep_windows(c):
                X.append(sequence_features(w))
                y.append(DEADLIFT_STYLES.index(c.style))
    return np.stack(X), np.array(y)


def form_dataset(sims: list[SimClip], style: str) -> tuple[np.ndarray, np.ndarray]:
    """Rep windows of one deadlift style labelled by the seed's form classes."""
    forms = FORMS_BY_STYLE[style]
    X, y = [], []
    for c in sims:
        if c.lift == "deadlift" and c.style == style:
            for w in rep_windows(c):
                X.append(sequence_features(w))
                y.append(forms.index(c.form))
    return np.stack(X), np.array(y)


def frame_dataset(sims: list[SimClip], real: list[KeypointClip], stride: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame postures with bad = 1: simulated frames where the fault shows, real frames of bad videos."""
    X, y = [], []
    for c in sims:
        X.append(frame_features(c.series.xyc)[::stride])
        y.append(c.frame_bad[::stride].astype(np.float32))
    for c in real:
        X.append(frame_features(c.series.xyc))
        y.append(np.full(c.series.n_frames, float(c.label == "bad"), np.float32))
    return np.concatenate(X), np.concatenate(y)


def good_pose_dataset(sims: list[SimClip], real: list[KeypointClip], stride: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Good-form postures only, with the lift index: simulated correct clips and real 'good' deadlifts."""
    X, lift = [], []
    for c in sims:
        if c.form == "corr":
            f = frame_features(c.series.xyc)[::stride]
            X.append(f)
            lift.append(np.full(len(f), LIFTS.index(c.lift)))
    for c in real:
        if c.label == "good":
            f = frame_features(c.series.xyc)
            X.append(f)
            lift.append(np.zeros(len(f), int))
    return np.concatenate(X), np.concatenate(lift)


def _torch(seed: int):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # bitwise-reproducible CPU training, and polite on shared cores
    return torch


def fit_sequence(X: np.ndarray, y: np.ndarray, classes: tuple[str, ...], epochs: int = 25, seed: int = 0,
                 lr: float = 3e-3, batch: int = 64) -> Fit:
    """Train a SequenceNet with class-balanced cross-entropy (Adam)."""
    torch = _torch(seed)
    from core.judgment.learned.nets import SequenceNet

    model = SequenceNet(len(classes))
    counts = np.bincount(y, minlength=len(classes)).astype(np.float32)
    weight = torch.tensor(counts.sum() / np.maximum(counts, 1) / len(classes))
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    return _fit(model, torch.tensor(X), torch.tensor(y), lambda m, xb, yb: loss_fn(m(xb), yb), epochs, seed, lr,
                batch, classes)


def fit_frame(X: np.ndarray, y: np.ndarray, epochs: int = 15, seed: int = 0, lr: float = 2e-3) -> Fit:
    """Train S1's frame-wise good/bad net (binary cross-entropy, positives re-weighted)."""
    torch = _torch(seed)
    from core.judgment.learned.nets import FrameNet

    pos = torch.tensor(float((1 - y).sum() / max(y.sum(), 1.0)))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos)
    return _fit(FrameNet(), torch.tensor(X), torch.tensor(y), lambda m, xb, yb: loss_fn(m(xb), yb), epochs, seed,
                lr, 256, ("good", "bad"))


def fit_deviation(X: np.ndarray, lift: np.ndarray, epochs: int = 20, seed: int = 0, lr: float = 2e-3) -> Fit:
    """Train the good-form pose model; inputs get keypoint noise so it learns to pull back to good form."""
    torch = _torch(seed)
    from core.judgment.learned.nets import N_LIFTS, DeviationNet, masked_euclidean

    onehot = np.eye(N_LIFTS, dtype=np.float32)[lift]
    data = torch.tensor(np.concatenate([X, onehot], 1))

    def loss(m, xb, _yb):
        x, oh = xb[:, :51], xb[:, 51:]
        target, seen = x.view(-1, 17, 3)[..., :2], x.view(-1, 17, 3)[..., 2]
        noisy = x.clone().view(-1, 17, 3)
        noisy[..., :2] += 0.08 * torch.randn_like(noisy[..., :2]) * seen[..., None]  # 0.08 torso ~ 2.5 cm
        return masked_euclidean(m(noisy.view(-1, 51), oh), target, seen)

    return _fit(DeviationNet(), data, torch.zeros(len(data)), loss, epochs, seed, lr, 256, LIFTS)


def _fit(model, X, y, loss_fn, epochs: int, seed: int, lr: float, batch: int, classes) -> Fit:
    import torch

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.5)
    losses = []
    for _ in range(epochs):
        model.train()
        total, n = 0.0, 0
        for idx in torch.randperm(len(X), generator=gen).split(batch):
            if len(idx) < 2:
                continue  # batch norm needs 2+ samples
            opt.zero_grad()
            loss = loss_fn(model, X[idx], y[idx])
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(idx), n + len(idx)
        sched.step()
        losses.append(total / max(n, 1))
    model.eval()
    return Fit(model, losses, tuple(classes))


def save(fit: Fit, path: Path, kind: str, meta: dict) -> None:
    """Weights + everything needed to rebuild the net (classes, kind, training command and metrics)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"kind": kind, "classes": list(fit.classes), "state_dict": fit.model.state_dict(),
                "meta": meta | {"final_loss": round(fit.losses[-1], 4)}}, path)
    from core.judgment.learned.onnx_export import export  # torch: imported when training, never by the analysis

    export(path)  # the <name>.onnx the analysis runs (core.judgment.classify), kept in step with the .pt


def real_clips(keypoints: Path) -> list[KeypointClip]:
    """Real deadlift keypoint clips: Deadlift-ESAP (deduplicated) and BichraiX."""
    return load_esap(keypoints / "deadlift_esap_openpose18") + load_bichraix(keypoints / "bichraix_coco17")


def train_all(out: Path, n_sim: int = 1500, seed: int = 0, keypoints: Path | None = None,
              command: str = "") -> dict[str, list[float]]:
    """Fit and save lift, style, form (one per style), frame and deviation models; returns loss curves."""
    t0 = time.perf_counter()
    sims = simulate_set(n_sim, seed=seed)
    real = real_clips(keypoints or shared_real() / "keypoints")
    logger.info("data: %d simulated clips, %d real clips (%.1f s)", len(sims), len(real), time.perf_counter() - t0)
    meta = {"command": command, "n_sim": n_sim, "seed": seed, "real_clips": len(real)}
    curves = {}
    jobs = [("lift", lambda: fit_sequence(*lift_dataset(sims, real), LIFTS, seed=seed), "sequence"),
            ("style", lambda: fit_sequence(*style_dataset(sims), DEADLIFT_STYLES, seed=seed), "sequence")]
    jobs += [(f"form_{s}", lambda s=s: fit_sequence(*form_dataset(sims, s), FORMS_BY_STYLE[s], seed=seed), "sequence")
             for s in DEADLIFT_STYLES]
    jobs += [("frame", lambda: fit_frame(*frame_dataset(sims, real), seed=seed), "frame"),
             ("deviation", lambda: fit_deviation(*good_pose_dataset(sims, real), seed=seed), "deviation")]
    for name, job, kind in jobs:
        t = time.perf_counter()
        fit = job()
        save(fit, Path(out) / f"{name}.pt", kind, meta)
        curves[name] = fit.losses
        logger.info("%s: loss %.3f -> %.3f in %.1f s", name, fit.losses[0], fit.losses[-1], time.perf_counter() - t)
    return curves
