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

Older pickled pose traces name the flat module paths of the first layout (``core.pose``, ``core.bar.track`` ...):
:func:`core.perception.trace_file.load_trace` maps them; nothing else needs them.
"""
