"""COCO-17 keypoint layout, skeleton edges and the joint-angle table.

Every stage indexes keypoints through the names here, so a backend that emits
another layout (OpenPose-18, MediaPipe-33) only needs a mapping into COCO-17.
"""

from __future__ import annotations

from dataclasses import dataclass

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
KP: dict[str, int] = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
N_KEYPOINTS = len(KEYPOINT_NAMES)  # 17: every pose array is (..., N_KEYPOINTS, 3) as x px, y px, confidence
LIFTS: tuple[str, ...] = ("deadlift", "squat", "bench")  # the lifts FormLens knows (one definition)
LIFT_WORDS: dict[str, str] = {"deadlift": "deadlift", "squat": "squat", "bench": "bench press"}  # each LIFTS name
# as the lifter reads it in a sentence; capitalised for a title (core.records.history.lift_name)
KEY_JOINTS: tuple[int, ...] = tuple(KP[f"{side}_{joint}"] for joint in ("shoulder", "hip", "knee", "ankle")
                                    for side in ("left", "right"))  # left/right pairs, shoulders to ankles
LOW_VISIBILITY = 0.35  # mean key-joint (or keypoint) confidence below which form cannot be judged

# Bones drawn on annotated frames (pairs of keypoint indices).
EDGES: tuple[tuple[int, int], ...] = (
    (KP["left_shoulder"], KP["right_shoulder"]),
    (KP["left_shoulder"], KP["left_elbow"]), (KP["left_elbow"], KP["left_wrist"]),
    (KP["right_shoulder"], KP["right_elbow"]), (KP["right_elbow"], KP["right_wrist"]),
    (KP["left_shoulder"], KP["left_hip"]), (KP["right_shoulder"], KP["right_hip"]),
    (KP["left_hip"], KP["right_hip"]),
    (KP["left_hip"], KP["left_knee"]), (KP["left_knee"], KP["left_ankle"]),
    (KP["right_hip"], KP["right_knee"]), (KP["right_knee"], KP["right_ankle"]),
    (KP["nose"], KP["left_eye"]), (KP["nose"], KP["right_eye"]),
    (KP["left_eye"], KP["left_ear"]), (KP["right_eye"], KP["right_ear"]),
)

# Left/right swap permutation, used to mirror a pose (flip augmentation).
FLIP_PERMUTATION: tuple[int, ...] = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)


@dataclass(frozen=True)
class AngleDef:
    """One row of the angle table.

    kind "joint": interior angle at ``b`` between segments b->a and b->c, in [0, 180].
    kind "vertical": angle of segment a->b from the upward vertical, in [0, 180]
    (0 = b straight above a).
    ``sided`` rows exist per side; the per-side values are combined into one
    series by choosing the better-seen side (side views) or averaging (front).
    """

    name: str
    kind: str
    a: str
    b: str
    c: str | None = None
    sided: bool = True
    unit: str = "deg"
    description: str = ""


# Names use "{s}" for the side ("left"/"right").
ANGLE_DEFS: tuple[AngleDef, ...] = (
    AngleDef("hip", "joint", "{s}_shoulder", "{s}_hip", "{s}_knee",
             description="shoulder-hip-knee; 180 = hips fully extended"),
    AngleDef("knee", "joint", "{s}_hip", "{s}_knee", "{s}_ankle",
             description="hip-knee-ankle; 180 = knee straight"),
    AngleDef("elbow", "joint", "{s}_shoulder", "{s}_elbow", "{s}_wrist",
             description="shoulder-elbow-wrist; 180 = arm straight"),
    AngleDef("shoulder", "joint", "{s}_hip", "{s}_shoulder", "{s}_elbow",
             description="hip-shoulder-elbow; 0 = upper arm along the torso, 90 = arm out at right angles"),
    AngleDef("trunk_lean", "vertical", "{s}_hip", "{s}_shoulder",
             description="hip->shoulder from vertical; 0 = upright torso"),
    AngleDef("shin", "vertical", "{s}_ankle", "{s}_knee",
             description="ankle->knee from vertical; 0 = vertical shin"),
    AngleDef("neck", "joint", "{s}_hip", "{s}_shoulder", "{s}_ear",
             description="hip-shoulder-ear; 180 = head in line with the torso"),
)
ANGLE_NAMES: tuple[str, ...] = tuple(d.name for d in ANGLE_DEFS)


def side_index(template: str, side: str) -> int:
    """Keypoint index of a templated name such as ``"{s}_hip"`` for ``side``."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return KP[template.format(s=side)]

# The joints each lift is read and charted by (timeline, replay, per-rep table), most telling first.
LIFT_JOINTS: dict[str, tuple[str, ...]] = {
    "deadlift": ("hip", "knee", "trunk_lean"),
    "squat": ("knee", "hip", "trunk_lean"),
    "bench": ("elbow", "shoulder"),
}
