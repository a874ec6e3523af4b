"""Stage outputs, one frozen dataclass each: frames -> keypoints -> series -> reps -> report.

Arrays are numpy; shapes and units are given per field. Missing values are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # an annotation only: the bottom layer imports nothing above it (pyproject.toml, layers)
    from core.perception.bar.types import BarTrack


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a clip, after rotation is applied.

    ``width``/``height`` are of the upright picture; ``rotation`` is the
    clockwise rotation in degrees that was applied to make it upright.
    """

    fps: float
    frames: int
    duration_s: float
    width: int
    height: int
    rotation: int = 0
    codec: str = ""
    size_bytes: int = 0

    def to_dict(self) -> dict:
        return {
            "fps": round(self.fps, 3), "frames": self.frames, "duration_s": round(self.duration_s, 3),
            "width": self.width, "height": self.height, "rotation": self.rotation, "codec": self.codec,
        }


@dataclass(frozen=True)
class FramePeople:
    """Everyone the pose model found in one frame.

    boxes: (n, 4) float32 xyxy pixels; scores: (n,) box confidence;
    keypoints: (n, 17, 3) float32 with x, y in pixels and confidence in [0, 1].
    """

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray

    @staticmethod
    def empty() -> FramePeople:
        return FramePeople(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                           np.zeros((0, 17, 3), np.float32))

    def __len__(self) -> int:
        return int(self.boxes.shape[0])


@dataclass(frozen=True)
class Track:
    """One person followed through the clip.

    keypoints: (T, 17, 3) float32, NaN where the person was not matched;
    boxes: (T, 4) float32 xyxy pixels, NaN where absent. ``score`` ranks how
    likely this person is the lifter (higher = more likely).
    """

    track_id: int
    keypoints: np.ndarray
    boxes: np.ndarray
    score: float = 0.0

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.boxes[:, 0])


@dataclass(frozen=True)
class KeypointSeries:
    """The lifter's keypoints over time.

    xyc: (T, 17, 3) float32; x, y in pixels of the upright frame, c in [0, 1];
    NaN x/y = missing. ``frame_index``: (T,) source frame numbers (stride aware).
    """

    xyc: np.ndarray
    fps: float
    width: int
    height: int
    frame_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def __post_init__(self) -> None:
        if self.xyc.ndim != 3 or self.xyc.shape[1:] != (17, 3):
            raise ValueError(f"xyc must have shape (T, 17, 3), got {self.xyc.shape}")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.frame_index.shape[0] != self.xyc.shape[0]:
            object.__setattr__(self, "frame_index", np.arange(self.xyc.shape[0], dtype=np.int64))

    @property
    def n_frames(self) -> int:
        return int(self.xyc.shape[0])

    @property
    def times(self) -> np.ndarray:
        """(T,) seconds of each sample."""
        return np.arange(self.n_frames) / self.fps

    @property
    def xy(self) -> np.ndarray:
        return self.xyc[..., :2]

    @property
    def conf(self) -> np.ndarray:
        return self.xyc[..., 2]


@dataclass(frozen=True)
class AngleSeries:
    """Joint angles over time.

    values: (T, A) float64 degrees, columns named by ``names``; NaN = unknown.
    ``side``: which body side each column was read from ("left", "right", "both").
    """

    names: tuple[str, ...]
    values: np.ndarray
    fps: float
    side: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"no angle {name!r}; have {self.names}") from None

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.values.shape[0]) / self.fps


@dataclass(frozen=True)
class Rep:
    """One repetition in sample indices of the analysed series.

    ``turn`` is the top for a deadlift and the bottom for squat and bench.
    ``end`` may equal the last sample when the clip stops before the lifter returns.
    """

    index: int
    start: int
    turn: int
    end: int
    complete: bool = True  # False when the return phase is not in the clip
    top_s: float | None = None  # unfinished deadlift rep: s spent above the lockout threshold before the clip ends
    top_left: float | None = None  # squat, last rep of a shot: share of its hip travel still left when the shot
    # ends (core.movement.reps.cut_before_top); None when not looked at or the hips were unseen
    gate: float | None = None  # first/last rep of a shot: the value core.movement.reps.gate_ends compared
    # (units
    # of the lift's AnalysisConfig.rep_gate_* key); None when not gated or the joints were unseen
    source: str = "body"  # what found the rep: "bar" (core.movement.bar_reps) or "body" (core.movement.reps)

    def __post_init__(self) -> None:
        if not self.start <= self.turn <= self.end:
            raise ValueError(f"rep bounds out of order: {self.start}, {self.turn}, {self.end}")


@dataclass(frozen=True)
class Fault:
    """One judgment about a rep (or the whole set).

    score in [0, 1]: 1 = clearly faulty. ``judgeable`` False means the camera
    view (or visibility) cannot show it; then ``detected`` is always False.
    ``source`` names what produced it ("rule", "model:<name>", "gold").

    The verdict (core.judgment.faults): ``verdict`` is "fault" / "fine" / "not_sure" /
    "cannot_judge"; ``p`` the calibrated probability of the fault (None when
    not judged); ``confidence`` in words ("clear", "likely", "not sure");
    ``measure`` the rule's raw measurement in the unit of its threshold row.
    ``detected`` equals ``verdict == "fault"`` whenever a verdict is set.
    """

    name: str
    score: float
    detected: bool
    evidence: str
    judgeable: bool = True
    source: str = "rule"
    label: str | None = None  # e.g. "wide" for stance width
    verdict: str | None = None
    p: float | None = None
    confidence: str | None = None
    phase: str | None = None
    title: str | None = None
    measure: float | None = None

    extra: tuple[tuple[str, Any], ...] = field(default=(), compare=False)  # keys of an old saved fault dict
    # that this type does not know, kept so that a saved set is written back as it was read

    def to_dict(self) -> dict:
        """The JSON form (formlens.report/1): the only place a verdict becomes a dict."""
        d = {"name": self.name, "score": round(float(self.score), 3), "detected": self.detected,
             "judgeable": self.judgeable, "evidence": self.evidence, "source": self.source}
        if self.label is not None:
            d["label"] = self.label
        if self.verdict is not None:
            d.update(verdict=self.verdict, p=None if self.p is None else round(float(self.p), 3),
                     confidence=self.confidence, phase=self.phase, title=self.title,
                     measure=None if self.measure is None or self.measure != self.measure
                     else round(float(self.measure), 4))
        d.update({k: v for k, v in self.extra if k not in d})
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Fault:
        """A fault dict of a new or old saved report (old ones have no ``verdict``: it stays None and
        :func:`core.judgment.verdicts.verdict_of` derives it from ``detected``/``judgeable``)."""
        if isinstance(d, Fault):
            return d
        verdict = d.get("verdict")
        v = {k: d.get(k) for k in ("p", "confidence", "phase", "title", "measure")} if verdict is not None else {}
        f = Fault(name=str(d["name"]), score=float(d.get("score") or 0.0), detected=bool(d.get("detected", False)),
                  evidence=str(d.get("evidence", "")), judgeable=bool(d.get("judgeable", True)),
                  source=str(d.get("source", "rule")), label=d.get("label"), verdict=verdict, **v)
        known = f.to_dict().keys()
        extra = tuple((k, v) for k, v in d.items() if k not in known)
        return replace(f, extra=extra) if extra else f

    # Read-only mapping view, for readers written when verdicts were dicts (f["name"], f.get("p"), dict(f)).
    # New code reads the attributes.
    def keys(self):
        return self.to_dict().keys()

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()


@dataclass(frozen=True)
class PoseTrace:
    """Everything the pose pass saw. people[i] belongs to source frame frame_index[i]."""

    info: VideoInfo
    people: tuple[FramePeople, ...]
    frame_index: np.ndarray  # (T,) int source frame numbers
    times: np.ndarray  # (T,) s, container timestamps
    fps: float  # samples per second of the trace (source fps / stride)
    backend: str
    decode_s: float
    pose_s: float
    brightness: float = -1.0  # mean pixel value 0-255 over sampled frames; -1 = not measured
    bar: BarTrack | None = None  # the barbell followed through the clip (core.perception.bar); None = not tracked
    scene_change: np.ndarray | None = None  # (T,) grey levels, whole-picture change from the previous sample
    # (core.perception.shots.SceneObserver); None = not measured (traces made before it)
    samples_posed: int = -1  # samples pose ran on; the others were still and interpolated
    # (core.perception.sampling); -1 = every sample (traces made before the gate)
