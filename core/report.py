"""The analysis report: a frozen dataclass that round-trips through JSON.

It is the unit stored, compared and exported; it carries no frames and no
personal data, only measurements.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from core.types import Fault

SCHEMA = "formlens.report/1"


@dataclass(frozen=True)
class RepReport:
    index: int
    start_s: float
    turn_s: float
    end_s: float
    metrics: dict[str, Any]
    faults: tuple[Fault, ...] = ()  # typed verdicts; dicts given here (old callers, saved sets) become Faults
    visibility: float = 1.0  # mean keypoint confidence of the key joints over the rep
    start_frame: int = 0
    turn_frame: int = 0
    end_frame: int = 0
    standards: dict[str, dict[str, Any]] = field(default_factory=dict)  # referee calls, core.judgment.standards:
    # {name: {"call", "value", "unit", "why"}}; empty in reports saved before them
    measurements: dict[str, dict[str, Any]] = field(default_factory=dict)  # {name: {"value", "unit",
    # "baseline_delta"}}; empty in reports saved before them
    rep_source: str = "body"  # what found the rep: "bar" (the tracked barbell) or "body" (the joint angles)

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", _faults(self.faults))

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start_s": self.start_s, "turn_s": self.turn_s, "end_s": self.end_s,
                "start_frame": self.start_frame, "turn_frame": self.turn_frame, "end_frame": self.end_frame,
                "visibility": round(self.visibility, 3), "metrics": dict(self.metrics),
                "faults": [f.to_dict() for f in self.faults],
                "standards": {k: dict(v) for k, v in self.standards.items()},
                "measurements": {k: dict(v) for k, v in self.measurements.items()}, "rep_source": self.rep_source}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> RepReport:
        d = migrate_rep(d)
        return RepReport(index=d["index"], start_s=d["start_s"], turn_s=d["turn_s"], end_s=d["end_s"],
                         metrics=dict(d["metrics"]), faults=tuple(d["faults"]), visibility=d["visibility"],
                         start_frame=d["start_frame"], turn_frame=d["turn_frame"], end_frame=d["end_frame"],
                         standards=dict(d["standards"]), measurements=dict(d["measurements"]),
                         rep_source=d["rep_source"])


@dataclass(frozen=True)
class Report:
    """Everything FormLens concluded about one clip. ``to_dict`` gives the JSON schema."""

    video: dict[str, Any]
    lift: dict[str, Any]
    style: dict[str, Any]
    view: dict[str, Any]
    reps: tuple[RepReport, ...]
    timing: dict[str, float]
    pose_backend: str = ""
    rep_detector: str = "hysteresis"
    lifter: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    set_faults: tuple[Fault, ...] = ()  # whole-set verdicts (stance width, lateral lean), typed like rep faults
    series: dict[str, list] = field(default_factory=dict)  # t and angle columns, for charts
    extras: dict[str, Any] = field(default_factory=dict)  # later stages add keys (frame scores, coaching)
    schema: str = SCHEMA

    def __post_init__(self) -> None:
        object.__setattr__(self, "set_faults", _faults(self.set_faults))

    @property
    def rep_count(self) -> int:
        return len(self.reps)

    def to_dict(self) -> dict[str, Any]:
        d = {"schema": self.schema, "video": dict(self.video), "lift": dict(self.lift),
             "style": dict(self.style), "view": dict(self.view), "rep_count": self.rep_count,
             "reps": [r.to_dict() for r in self.reps], "set_faults": [f.to_dict() for f in self.set_faults],
             "timing": dict(self.timing), "pose_backend": self.pose_backend,
             "rep_detector": self.rep_detector, "lifter": dict(self.lifter),
             "warnings": list(self.warnings), "series": dict(self.series)}
        d.update(self.extras)
        return d

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=_json_default)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Report:
        """A report dict of any FormLens version (:func:`migrate_report` first)."""
        extras = {k: v for k, v in d.items() if k not in REPORT_KEYS}
        d = migrate_report(d)
        return Report(video=d["video"], lift=d["lift"], style=d["style"], view=d["view"],
                      reps=tuple(RepReport.from_dict(r) for r in d["reps"]), timing=d["timing"],
                      pose_backend=d["pose_backend"], rep_detector=d["rep_detector"], lifter=d["lifter"],
                      warnings=tuple(d["warnings"]), set_faults=tuple(d["set_faults"]), series=d["series"],
                      extras=extras)

    @staticmethod
    def from_json(text: str) -> Report:
        return Report.from_dict(json.loads(text))

    def reps_csv(self) -> str:
        """One row per rep: times, every metric, and the detected faults."""
        metric_keys = sorted({k for r in self.reps for k in r.metrics})
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["rep", "start_s", "turn_s", "end_s", "visibility", *metric_keys, "faults"])
        for r in self.reps:
            faults = "; ".join(f.name for f in r.faults if f.detected)
            w.writerow([r.index + 1, r.start_s, r.turn_s, r.end_s, round(r.visibility, 3),
                        *[r.metrics.get(k) for k in metric_keys], faults])
        return buf.getvalue()


REPORT_KEYS = frozenset({"schema", "video", "lift", "style", "view", "rep_count", "reps", "set_faults", "timing",
                         "pose_backend", "rep_detector", "lifter", "warnings", "series"})  # the rest: extras


def migrate_rep(d: dict[str, Any]) -> dict[str, Any]:
    """One rep dict of any saved report in today's shape (see :func:`migrate_report`)."""
    return {**d, "metrics": d.get("metrics") or {}, "faults": list(d.get("faults") or ()),
            "visibility": d.get("visibility", 1.0), "start_frame": d.get("start_frame", 0),
            "turn_frame": d.get("turn_frame", 0), "end_frame": d.get("end_frame", 0),
            "standards": d.get("standards") or {},  # referee calls: reports saved before them have none
            "measurements": d.get("measurements") or {},  # per-rep measurements: likewise
            "rep_source": d.get("rep_source", "body")}  # reports saved before the bar counted reps: the body did


def migrate_report(d: dict[str, Any]) -> dict[str, Any]:
    """A saved report dict (``formlens.report/1``, written by any FormLens version) in today's shape: the one place
    that knows how older reports differ. Every field added after the first version gets the value that means
    "not there then" (no lifter choice, no warnings, no whole-set verdicts, no series; per rep see
    :func:`migrate_rep`). Fault dicts are kept as written, so a re-saved set is written back unchanged: an old
    fault's verdict is derived when read (core.judgment.verdicts.verdict_of: not judgeable -> cannot_judge,
    detected -> fault, else fine), and fault names only older reports use are titled and mapped to today's in
    core.judgment.fault_titles (LEGACY_TITLES, SUPERSEDED). Raises ValueError on a dict that is no report."""
    if d.get("schema") != SCHEMA:
        raise ValueError(f"not a FormLens report: schema {d.get('schema')!r}, expected {SCHEMA!r}")
    return {**d, "reps": [migrate_rep(r) for r in d["reps"]], "pose_backend": d.get("pose_backend", ""),
            "rep_detector": d.get("rep_detector", ""), "lifter": d.get("lifter", {}),
            "warnings": list(d.get("warnings", ())), "set_faults": list(d.get("set_faults", ())),
            "series": d.get("series", {})}


def plural(n: int, word: str) -> str:
    """ "1 set", "2 sets", "1 rep", "0 reps": the one plural rule of every page, export and the command line."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _faults(items: Any) -> tuple[Fault, ...]:
    """Verdicts as :class:`core.types.Fault` (dicts of new and old saved reports are read by Fault.from_dict)."""
    return tuple(Fault.from_dict(f) for f in items)


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")
