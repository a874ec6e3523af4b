"""Learned judgments for the pipeline: lift type, deadlift style, form, per-frame bad probability
and per-keypoint deviation from good form.

Each function returns None (or an empty list) when its weights file is missing, so the
pipeline falls back to the rules. Weights load once per process behind a lock, so the
Streamlit server's threads can share them. Weights live in ``models/`` or
``$FORMLENS_MODELS_DIR``.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from core.judgment.learned.features import frame_features, sequence_features
from core.judgment.lift import Label
from core.labels import FORM_NAMES, FORMS_BY_STYLE
from core.perception.backends.onnx import cpu_session_options
from core.skeleton import KEYPOINT_NAMES, KP, LIFTS, N_KEYPOINTS
from core.types import KeypointSeries, Rep

logger = logging.getLogger(__name__)
MODELS_DIR = Path(os.environ.get("FORMLENS_MODELS_DIR", Path(__file__).resolve().parents[2] / "models"))
MIN_SEEN = 0.5  # share of key joints seen in a frame below which its posture is not judged
_lock = threading.Lock()
_cache: dict[str, object] = {}


def _load(name: str, models_dir: Path | None = None):
    """(run, classes) for ``models/<name>.onnx`` on onnxruntime (``<name>.pt`` on torch when only that is there,
    e.g. weights trained before the ONNX copies), or None if absent; cached per process. ``run(*arrays)`` returns
    the network's raw output (logits) as a numpy array."""
    base = Path(models_dir or MODELS_DIR) / name
    key = str(base)
    with _lock:
        if key in _cache:
            return _cache[key]
        if base.with_suffix(".onnx").is_file():
            _cache[key] = _onnx_model(base.with_suffix(".onnx"))
        elif base.with_suffix(".pt").is_file():
            _cache[key] = _torch_model(base.with_suffix(".pt"))
        else:
            logger.info("no learned model at %s.onnx or .pt; using rules only", base)
            _cache[key] = None
        return _cache[key]


def _onnx_model(path: Path):
    import onnxruntime as ort  # deferred like the pose backend's: no model code at import time

    session = ort.InferenceSession(str(path), cpu_session_options(1),  # tiny networks: one thread each
                                   providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    classes = tuple(session.get_modelmeta().custom_metadata_map["classes"].split("\n"))

    def run(*arrays: np.ndarray) -> np.ndarray:  # onnxruntime sessions may run from several threads at once
        return session.run(None, {n: np.asarray(a, np.float32) for n, a in zip(names, arrays, strict=True)})[0]

    return run, classes


def _torch_model(path: Path):
    import torch

    from core.judgment.learned.nets import from_checkpoint

    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model = from_checkpoint(ckpt)

    def run(*arrays: np.ndarray) -> np.ndarray:
        with _lock, torch.no_grad():  # one forward at a time: torch modules are not re-entrant in eval
            return model(*(torch.tensor(np.asarray(a, np.float32)) for a in arrays)).numpy()

    return run, tuple(ckpt["classes"])


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _predict_sequence(name: str, windows: list[np.ndarray]) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """Mean class probabilities over one or more (T, 17, 3) windows."""
    loaded = _load(name)
    if loaded is None or not windows:
        return None
    run, classes = loaded
    p = _softmax(run(np.stack([sequence_features(w) for w in windows])).astype(np.float64)).mean(0)
    return p, classes


def _rep_windows(series: KeypointSeries, reps) -> list[np.ndarray]:
    return [series.xyc[r.start:r.end + 1] for r in reps if r.end - r.start >= 4] or [series.xyc]


def predict_lift(series: KeypointSeries) -> Label | None:
    """deadlift / squat / bench from the whole clip's keypoint sequence."""
    out = _predict_sequence("lift", [series.xyc])
    if out is None:
        return None
    p, classes = out
    k = int(np.argmax(p))
    return Label(classes[k], float(p[k]), "model:lift")


def lift_model_probabilities(series: KeypointSeries) -> dict[str, float] | None:
    """The lift model's probability of each lift (None without weights)."""
    out = _predict_sequence("lift", [series.xyc])
    if out is None:
        return None
    p, classes = out
    return {c: float(v) for c, v in zip(classes, p, strict=True)}


def predict_style(series: KeypointSeries, reps) -> Label | None:
    """conventional / sumo / romanian, averaged over the deadlift's reps (whole clip if none)."""
    out = _predict_sequence("style", _rep_windows(series, reps))
    if out is None:
        return None
    p, classes = out
    k = int(np.argmax(p))
    return Label(classes[k], float(p[k]), "model:style")


def predict_form(series: KeypointSeries, rep: Rep, style: str) -> dict[str, float] | None:
    """Probability of each seed form class for one deadlift rep, keyed by the shared fault names.

    Keys: "correct", "rounded_back", "lockout_overextension", "early_hip_rise" (absent for Romanian).
    """
    if style not in FORMS_BY_STYLE:
        return None
    out = _predict_sequence(f"form_{style}", _rep_windows(series, [rep]))
    if out is None:
        return None
    p, classes = out
    return {FORM_NAMES[c]: float(v) for c, v in zip(classes, p, strict=True)}


def frame_bad_probability(series: KeypointSeries) -> np.ndarray | None:
    """(T,) probability that each sample shows bad form; NaN where too few joints are seen."""
    loaded = _load("frame")
    if loaded is None or series.n_frames == 0:
        return None
    run, _ = loaded
    feats = frame_features(series.xyc)
    p = 1.0 / (1.0 + np.exp(-run(feats).astype(np.float64)))
    seen = feats.reshape(-1, N_KEYPOINTS, 3)[:, KP["left_shoulder"]:, 2].mean(1)  # body joints (shoulders..ankles)
    p[seen < MIN_SEEN] = np.nan
    return p


def _lift_index(lift: str | None) -> int:
    return LIFTS.index(lift) if lift in LIFTS else 0


def keypoint_deviations(series: KeypointSeries, reps, lift: str | None = "deadlift") -> list[dict]:
    """Per-keypoint distance from the good-form pose model, largest first, per rep (or clip).

    Units: body heights (``_bh``), with 1 torso ~ 0.3 body heights (Winter 2009, table 4.1).
    dx is along the lifter's facing direction (+ = forward), dy is up (+ = higher).
    """
    loaded = _load("deviation")
    if loaded is None or series.n_frames == 0:
        return []
    run, _ = loaded
    feats = frame_features(series.xyc)
    onehot = np.zeros((len(feats), len(LIFTS)), np.float32)
    onehot[:, _lift_index(lift)] = 1.0
    pred = run(feats, onehot)
    pose = feats.reshape(-1, N_KEYPOINTS, 3)
    delta = (pose[..., :2] - pred) * 0.3  # torso units -> body heights
    seen = pose[..., 2] > 0
    spans = [(r.index, r.start, r.end) for r in reps] or [(None, 0, series.n_frames - 1)]
    out = []
    for idx, s, e in spans:
        d, ok = delta[s:e + 1], seen[s:e + 1]
        for k, name in enumerate(KEYPOINT_NAMES):
            if ok[:, k].sum() < 3:
                continue
            dk = d[ok[:, k], k]
            out.append({"keypoint": name, "deviation_bh": round(float(np.linalg.norm(dk, axis=1).mean()), 4),
                        "dx_bh": round(float(dk[:, 0].mean()), 4), "dy_bh": round(float(dk[:, 1].mean()), 4),
                        "rep": idx})
    return sorted(out, key=lambda r: -r["deviation_bh"])
