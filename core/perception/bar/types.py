"""Data types of the barbell stage: detections in one frame, candidate bars, the chosen bar track."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BAR, PLATE = 0, 1  # detector classes: the bar-sleeve end ("Bar") and the near plate ("Barbell")


@dataclass(frozen=True)
class BarDetections:
    """Boxes of one frame in the coordinates of the image given to the detector."""

    boxes: np.ndarray  # (N, 4) float32 x1, y1, x2, y2
    scores: np.ndarray  # (N,) float32
    classes: np.ndarray  # (N,) int, BAR or PLATE

    @classmethod
    def empty(cls) -> BarDetections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return int(self.scores.shape[0])


@dataclass(frozen=True)
class BarCandidate:
    """One barbell end followed through the clip (detections linked by optical flow), source px."""

    cand_id: int
    xy: np.ndarray  # (T, 2) float, NaN where this candidate was not seen
    size: np.ndarray  # (T,) float, plate diameter px when a plate box was seen at that frame, else NaN
    detected: np.ndarray  # (T,) bool, a detector box (not only flow) at that frame

    @property
    def seen(self) -> np.ndarray:
        return np.isfinite(self.xy[:, 0])



@dataclass(frozen=True)
class BarTrack:
    """The bar the lifter moves: bar-end centre per analysed frame in source-frame pixels.

    ``times``/``frame_index`` line up with ``PoseTrace.times``/``frame_index``. ``xy`` is NaN where
    the bar is not seen (``seen`` False) — never invented beyond a short held gap. ``plate_px`` is
    the median apparent plate diameter (the larger side of the plate box), None without a plate.
    ``person_track_id`` is the pose track whose hands/shoulders the bar follows (None: not chosen
    against a lifter yet). ``candidates`` keeps every bar seen so the choice can be redone.
    """

    times: np.ndarray  # (T,) s
    frame_index: np.ndarray  # (T,) int
    xy: np.ndarray  # (T, 2) float source px, NaN where not seen
    plate_px: float | None
    person_track_id: int | None = None
    source: str = ""
    candidates: tuple[BarCandidate, ...] = field(default=())
    detect_s: float = 0.0  # s spent in the detector
    track_s: float = 0.0  # s spent in optical flow and bookkeeping
    n_detect: int = 0  # detector runs
    plate_support: float | None = None  # share of the plate's measured sizes within track.RIM_SAME of
    # ``plate_px``: low when the sizes fall in several circles (rim, inner ring, a second plate): ruler in doubt

    @property
    def seen(self) -> np.ndarray:
        return np.isfinite(self.xy[:, 0])

    @property
    def t(self) -> np.ndarray:
        """Sample times in s (the shape core.movement.reps.bar_y_on reads, like the report's ``bar`` block). These
        sat on BarCandidate, which has no times, so bar_y_on got None from the pipeline's BarTrack and the
        rep gate and bar evidence never ran on a real analysis."""
        return self.times

    @property
    def y(self) -> np.ndarray:
        """Bar-end height in source px, NaN where not seen."""
        return self.xy[:, 1]

    def to_dict(self) -> dict:
        """The report's ``bar`` block (without ``scale``, which needs the ruler)."""
        def clean(v: np.ndarray) -> list:
            return [None if not np.isfinite(x) else round(float(x), 1) for x in v]

        return {"source": self.source, "t": [round(float(t), 3) for t in self.times],
                "x": clean(self.xy[:, 0]), "y": clean(self.xy[:, 1]),
                "plate_diameter_px": None if self.plate_px is None else round(float(self.plate_px), 1),
                "person_track_id": self.person_track_id}
