"""A pose trace on disk: one versioned ``.npz`` file per clip, and the reader of the older pickles.

Format ``formlens.trace`` version 1 (:data:`VERSION`): a NumPy ``.npz`` archive (no pickled objects; it loads
with ``allow_pickle=False``) holding

- ``header``: a JSON string with ``format``, ``version``, the scalar fields of the :class:`~core.types.PoseTrace`
  (``fps``, ``backend``, ``decode_s`` ...), its ``info`` (:class:`~core.types.VideoInfo` fields) and, when the
  bar was tracked, the bar's scalar fields and its candidates' ids;
- ``frame_index``, ``times``, ``scene_change`` (when measured): the per-sample arrays as they are;
- ``people_count`` (T,) and ``boxes``, ``scores``, ``keypoints``: every frame's people one after another;
- ``bar_times``, ``bar_frame_index``, ``bar_xy`` and ``cand<i>_xy``, ``cand<i>_size``, ``cand<i>_detected``.

A newer version than this code knows is refused with a plain message. Traces pickled before this format
(``<stem>.pkl``, e.g. the development cache ``python -m bench.traces`` wrote) are still read: their class paths
are mapped to today's modules (:data:`MOVED`), so nothing outside this file needs the old import paths.
"""

from __future__ import annotations

import io
import json
import pickle
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import FormLensError
from core.perception.bar.types import BarCandidate, BarTrack
from core.types import FramePeople, PoseTrace, VideoInfo

FORMAT = "formlens.trace"
VERSION = 1  # bump when a field changes meaning; add a reader for the old version in load_trace
SUFFIX = ".npz"
LEGACY_SUFFIX = ".pkl"
_SCALARS = ("fps", "backend", "decode_s", "pose_s", "brightness", "samples_posed")
_BAR_SCALARS = ("plate_px", "person_track_id", "source", "detect_s", "track_s", "n_detect")

# Module paths of pickled traces: old flat name under core -> the package it lives in now (one row per moved
# module or package; core.pose -> core.perception.pose, core.bar.track -> core.perception.bar.track ...).
MOVED = {
    **dict.fromkeys(["video", "prefetch", "pose", "crop", "tracking", "shots", "view", "bar", "backends"],
                    "perception"),
    **dict.fromkeys(["cleaning", "angles", "reps", "metrics"], "movement"),
    **dict.fromkeys(["lift", "style", "classify", "faults", "fault_titles", "calibration", "judge", "verdicts",
                     "gold", "learned"], "judgment"),
    **dict.fromkeys(["storage", "history", "compare", "classroom", "export", "athlete_export", "snapshots",
                     "auth"], "records"),
    **dict.fromkeys(["annotate", "figures", "replay"], "render"),
}


class TraceFileError(FormLensError):
    """A trace file that is not one, or of a version this code cannot read."""


def current_module(module: str) -> str:
    """Today's path of a module named in an older pickle (``core.pose`` -> ``core.perception.pose``)."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "core" and parts[1] in MOVED:
        return ".".join(["core", MOVED[parts[1]], *parts[1:]])
    return module


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(current_module(module), name)


def _plain(x: Any) -> Any:
    """A JSON-able Python value for a scalar field (numpy scalars become Python numbers)."""
    return x.item() if isinstance(x, np.generic) else x


def save_trace(trace: PoseTrace, path: Path | str) -> Path:
    """Write ``trace`` to ``path`` (``.npz`` added when missing) in format version :data:`VERSION`."""
    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    header: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                              "info": {f.name: _plain(getattr(trace.info, f.name)) for f in fields(VideoInfo)},
                              **{k: _plain(getattr(trace, k)) for k in _SCALARS}}
    people = trace.people
    arrays: dict[str, np.ndarray] = {
        "frame_index": trace.frame_index, "times": trace.times,
        "people_count": np.array([len(p.scores) for p in people], np.int64),
        "boxes": np.concatenate([p.boxes for p in people]) if people else np.zeros((0, 4), np.float32),
        "scores": np.concatenate([p.scores for p in people]) if people else np.zeros(0, np.float32),
        "keypoints": np.concatenate([p.keypoints for p in people]) if people else np.zeros((0, 17, 3), np.float32),
    }
    for key in ("boxes", "scores", "keypoints"):
        kinds = {getattr(p, key).dtype for p in people}
        if len(kinds) > 1:
            raise TraceFileError(f"the trace's {key} mix dtypes {sorted(map(str, kinds))}: cannot store them as one")
    if trace.scene_change is not None:
        arrays["scene_change"] = trace.scene_change
    bar = trace.bar
    if bar is not None:
        header["bar"] = {**{k: _plain(getattr(bar, k)) for k in _BAR_SCALARS},
                         "candidates": [int(c.cand_id) for c in bar.candidates]}
        arrays.update(bar_times=bar.times, bar_frame_index=bar.frame_index, bar_xy=bar.xy)
        for i, c in enumerate(bar.candidates):
            arrays.update({f"cand{i}_xy": c.xy, f"cand{i}_size": c.size, f"cand{i}_detected": c.detected})
    buf = io.BytesIO()
    np.savez_compressed(buf, header=np.array(json.dumps(header)), **arrays)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)  # whole file or nothing: an interrupted run never leaves half a trace
    return path


def _read_npz(path: Path) -> PoseTrace:
    try:
        z = np.load(path, allow_pickle=False)
        header = json.loads(str(z["header"]))
    except (OSError, ValueError, KeyError) as e:
        raise TraceFileError(f"{path.name} is not a FormLens trace file ({e})") from e
    if header.get("format") != FORMAT:
        raise TraceFileError(f"{path.name} is not a FormLens trace file (format {header.get('format')!r})")
    if header.get("version") != VERSION:
        raise TraceFileError(f"{path.name} is trace format version {header.get('version')}; this FormLens reads "
                             f"version {VERSION}: update FormLens or make the trace again")
    ends = np.cumsum(z["people_count"])[:-1]
    people = tuple(FramePeople(b, s, k) for b, s, k in zip(np.split(z["boxes"], ends), np.split(z["scores"], ends),
                                                           np.split(z["keypoints"], ends), strict=True))
    bar = None
    if "bar" in header:
        h = header["bar"]
        cands = tuple(BarCandidate(cid, z[f"cand{i}_xy"], z[f"cand{i}_size"], z[f"cand{i}_detected"])
                      for i, cid in enumerate(h["candidates"]))
        bar = BarTrack(z["bar_times"], z["bar_frame_index"], z["bar_xy"], candidates=cands,
                       **{k: h[k] for k in _BAR_SCALARS})
    return PoseTrace(VideoInfo(**header["info"]), people, z["frame_index"], z["times"],
                     bar=bar, scene_change=z.get("scene_change"),
                     **{k: header[k] for k in _SCALARS})


def load_trace(path: Path | str) -> PoseTrace:
    """The trace in ``path``: a versioned ``.npz`` (:func:`save_trace`) or an older pickle (``.pkl``)."""
    path = Path(path)
    if path.suffix == LEGACY_SUFFIX:
        with open(path, "rb") as fh:
            trace = _LegacyUnpickler(fh).load()
        if not isinstance(trace, PoseTrace):
            raise TraceFileError(f"{path.name} holds a {type(trace).__name__}, not a pose trace")
        return trace
    return _read_npz(path)


def trace_in(folder: Path | str, stem: str) -> Path:
    """The trace file of clip ``stem`` in ``folder``: ``<stem>.npz``, else an older ``<stem>.pkl``."""
    folder = Path(folder)
    new, old = folder / f"{stem}{SUFFIX}", folder / f"{stem}{LEGACY_SUFFIX}"
    return old if old.exists() and not new.exists() else new


def load_trace_of(folder: Path | str, stem: str) -> PoseTrace:
    """Clip ``stem``'s trace from ``folder`` (see :func:`trace_in`)."""
    return load_trace(trace_in(folder, stem))
