"""FormLens core: plain Python on numpy arrays and dataclasses (no Streamlit), used by the app, the CLI
(``python -m core``), the tests and the benchmarks.

Packages by concern:

- :mod:`core.perception` — frames, people and the bar: video, pose (and its backends), crop, tracking,
  scene cuts, camera view, barbell detection and tracking.
- :mod:`core.movement` — keypoint cleaning, joint angles, torso posture, repetitions, per-rep measurements.
- :mod:`core.judgment` — lifter choice, lift and style, faults, calibration, verdicts, learned models.
- :mod:`core.records` — the coach's tools: storage, history, compare, classroom, exports, sign-in.
- :mod:`core.coaching` — coaching text; :mod:`core.evaluation` — the yardsticks on real clips.

Shared stage types (:mod:`core.types`), configuration (:mod:`core.config`), the skeleton, errors and label
vocabularies form the bottom layer that every module may import; the pipeline (:mod:`core.pipeline`) and the
report (:mod:`core.report`) sit above judgment. The import layers are stated in ``pyproject.toml``
(``[tool.importlinter]``) and checked by ``tests/unit/test_layers.py``.

The modules above lived flat in ``core/`` until 2026-11-30. Their old import paths (``core.pose``,
``core.faults``, ``core.bar.track`` ...) still resolve to the same module objects, so pose traces
pickled before the move and code written against the old paths keep working.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

# old flat name -> package it moved into (one row per moved module or package)
MOVED = {
    **dict.fromkeys(["video", "prefetch", "pose", "crop", "tracking", "shots", "view", "bar", "backends"],
                    "perception"),
    **dict.fromkeys(["cleaning", "angles", "reps", "metrics"], "movement"),
    **dict.fromkeys(["lift", "style", "classify", "faults", "fault_titles", "calibration", "judge", "verdicts",
                     "gold", "learned"], "judgment"),
    **dict.fromkeys(["storage", "history", "compare", "classroom", "export", "athlete_export", "snapshots",
                     "auth"], "records"),
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``core.<old>[.sub]`` imports as ``core.<package>.<old>[.sub]``: the same module object."""

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != __name__ or parts[1] not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        parts = spec.name.split(".")
        real = importlib.import_module(".".join([__name__, MOVED[parts[1]], *parts[1:]]))
        self._real_spec = real.__spec__
        return real

    def exec_module(self, module):
        module.__spec__ = self._real_spec  # the import machinery set the alias spec; keep the real one


if not any(isinstance(f, _Alias) for f in sys.meta_path):
    sys.meta_path.insert(0, _Alias())  # ahead of the path finder, which would load a second copy
