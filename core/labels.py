"""Label vocabularies of the learned models and the simulator: deadlift styles, the seed (S0) deadlift form
classes and the fault names the simulator can produce per lift. One home, read by the simulator
(:mod:`core.judgment.learned.sim`), training and evaluation (:mod:`core.judgment.learned`) and the pipeline's
learned judgments (:mod:`core.judgment.classify`). The lift names themselves are :data:`core.skeleton.LIFTS`.
"""

from __future__ import annotations

DEADLIFT_STYLES = ("conventional", "sumo", "romanian")
DEADLIFT_FORMS = ("corr", "rb", "oe", "ehe")  # seed (S0) form classes
FORMS_BY_STYLE = {"conventional": DEADLIFT_FORMS, "sumo": DEADLIFT_FORMS,
                  "romanian": ("corr", "rb", "oe")}  # S0: raised hips are normal in a Romanian pull
SQUAT_FAULTS = ("insufficient_depth", "knee_cave", "forward_lean", "heel_rise")
BENCH_FAULTS = ("incomplete_lockout", "asymmetry")
# S0 form class -> the name the fault table and the report use
FORM_NAMES = {"corr": "correct", "rb": "rounded_back", "oe": "lockout_overextension", "ehe": "early_hip_rise"}
