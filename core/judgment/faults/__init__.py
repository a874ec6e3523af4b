"""Form faults as coaches name them, one row per fault in one table, judged per rep and phase.

Every row of :data:`FAULT_TABLE` says which lifts and styles it applies to, in which phase of the rep
it is read, which camera views can show it, which keypoints it needs, its threshold (ok and bad value
with unit and source), the function that measures it, and the coaching cue. A rule measures one 2-D
quantity per rep (:class:`Measurement`, in the unit of its threshold). The measurement is turned into a
probability of the fault by a logistic curve whose prior comes from the threshold row (p = 0.1 at the ok
value, 0.9 at the bad value) and whose parameters are fitted on labelled real clips of other lifters
(:mod:`core.judgment.calibration`, committed as ``models/fault_calibration.json``). The probability gives one of
four verdicts: fault, fine, not sure, or cannot judge (the view or visibility cannot show it).

Limits of 2-D keypoints: the spine is not a keypoint, so rounding is read from the shoulder-hip distance
(lower back) and the head-shoulder-hip geometry (upper back); COCO-17 has no heel or toe, so heel rise is
read from the ankle rising.

Modules, each importing only the ones above it:

- :mod:`.geometry`: the lifter's geometry on keypoint series (midpoints, visibility, facing, lean, camera yaw,
  thigh angle, spreads) and the NaN-aware medians and percentiles.
- :mod:`.measures`: :class:`RepContext` and the per-rep ``measure_*`` functions returning a :class:`Measurement`.
- :mod:`.table`: :class:`Threshold`, :class:`FaultRow`, :data:`FAULT_TABLE` / :data:`ROWS`, the stance bands and
  the look-ups on the table.
- :mod:`.judge_rules`: measurement -> calibrated verdict, the per-rep and whole-set judging, the per-frame strip.

This package re-exports the names its callers use, so ``from core.judgment.faults import ROWS`` keeps working.
"""

from core.judgment.faults.geometry import (
    MIN_CONFIDENCE,
    YAW_MAX_DEG,
    camera_yaw_deg,
    facing,
    head_drop,
    lean_back_deg,
    mid,
    seen,
    spread,
    thigh_angle_deg,
    torso_chord_shortening,
)
from core.judgment.faults.judge_rules import (
    P_FAULT,
    P_FINE,
    RuleResult,
    as_fault,
    frame_scores,
    gate,
    judge_rep,
    judge_rep_detailed,
    judge_set,
    judged,
    lateral_lean,
    not_judgeable,
    ramp,
    stance_width,
    verdict_fields,
)
from core.judgment.faults.measures import (
    OFF_FLOOR_SHARE,
    SETUP_WINDOW_S,
    TOP_WINDOW_S,
    Measurement,
    RepContext,
)
from core.judgment.faults.table import (
    FAULT_TABLE,
    ROWS,
    STANCE_NEUTRAL,
    FaultRow,
    Threshold,
    confirmed,
    curve_of,
    faults_for,
    title_of,
)

__all__ = [
    "FAULT_TABLE", "MIN_CONFIDENCE", "OFF_FLOOR_SHARE", "P_FAULT", "P_FINE", "ROWS", "SETUP_WINDOW_S",
    "STANCE_NEUTRAL", "TOP_WINDOW_S", "YAW_MAX_DEG", "FaultRow", "Measurement", "RepContext", "RuleResult",
    "Threshold", "as_fault", "camera_yaw_deg", "confirmed", "curve_of", "facing", "faults_for", "frame_scores",
    "gate", "head_drop", "judge_rep", "judge_rep_detailed", "judge_set", "judged", "lateral_lean", "lean_back_deg",
    "mid", "not_judgeable", "ramp", "seen", "spread", "stance_width", "thigh_angle_deg", "title_of",
    "torso_chord_shortening", "verdict_fields",
]
