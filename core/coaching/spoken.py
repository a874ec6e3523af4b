"""What the live page says aloud after each rep: the rep number, at most one short cue, and a velocity-loss stop.

Plain Python (no Streamlit, no audio): rep events in, phrases out. The browser speaks them (ui.speech, the Web
Speech API, so nothing is downloaded and no audio leaves the machine). Rules:

- one phrase per rep, said when the rep is counted (on its return to rest), never during the lift;
- the phrase is the rep number, plus at most one cue, by priority: the velocity-loss stop (when the set's loss
  reaches the lifter's threshold) > a failed referee standard > a fault (verdict "fault") > a departure from the
  lifter's own earlier reps in the set;
- each phrase has an id (set id + rep index) so the browser says it once however often the page reruns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from core.judgment.verdicts import verdict_of
from core.movement.metrics import body_height_px, wrist_midpoint
from core.perception.bar.measure import velocity_loss_pct
from core.report import plural
from core.types import KeypointSeries, Rep

# The one table of cue phrases: 1-3 words a coach shouts, keyed by the standard names of
# core.judgment.standards.STANDARDS, the fault names of core.judgment.faults.ROWS and the measurement names of
# DEPARTURES below (tests/unit/test_spoken.py checks that every standard and per-rep fault has one).
CUE_PHRASES: dict[str, str] = {
    # referee standards
    "depth": "depth",
    "lockout": "lock it out",
    "bar_down": "keep driving",
    "pause": "pause it",
    "double_bounce": "one bottom",
    # fault table rows
    "hips_too_low": "hips up",
    "rounded_upper_back": "chest up",
    "early_hip_rise": "chest with hips",
    "rounded_lower_back": "flat back",
    "bar_away_from_body": "bar close",
    "bent_arms": "long arms",
    "heel_rise": "heels down",
    "hips_not_locked": "lock it out",
    "lockout_overextension": "stand tall",
    "insufficient_depth": "depth",
    "knee_cave": "knees out",
    "forward_lean": "chest up",
    "incomplete_lockout": "lock it out",
    "asymmetry": "even bar",
    "stance_width": "check stance",
    "lateral_lean": "stay centred",
    # departures from the lifter's own reps (measurement names of core.judgment.standards.MEASUREMENT_UNITS)
    "bar_drift": "bar close",
    "range_of_motion": "full range",
    "trunk_angle_bottom": "chest up",
    "depth_margin": "depth",
}


@dataclass(frozen=True)
class Departure:
    """A rep departs from the lifter's own reps when a measurement's ``baseline_delta`` (value minus the median of
    the earlier reps of the set, core.judgment.standards.with_baseline) passes ``limit`` in the bad direction."""

    name: str  # measurement name (core.judgment.standards.MEASUREMENT_UNITS)
    limit: float
    unit: str
    worse_when_higher: bool
    source: str


DEPARTURES: tuple[Departure, ...] = (
    Departure("bar_drift", 3.0, "cm", True, "judgement call: 3 cm more drift than the lifter's median, above the "
              "1-3 cm bar-track noise of core.judgment.standards.bar_down"),
    Departure("range_of_motion", -5.0, "cm", False, "judgement call: 5 cm shorter than the lifter's median rep"),
    Departure("trunk_angle_bottom", 8.0, "deg from vertical", True, "judgement call: ~the 2-D keypoint angle noise "
              "(8 deg, core.judgment.standards lockout band) more lean than the lifter's median"),
    Departure("depth_margin", -0.08, "thigh lengths hip below knee", False, "judgement call: 0.08 thigh lengths "
              "(~3.5 cm) shallower than the lifter's median; within one lifter and camera the hip keypoint's offset "
              "cancels, so this is narrower than the depth standard's band (0.15, the spread across people)"),
)
STOP_WORDS = "stop: velocity loss {loss:.0f} %"  # said instead of a form cue once the set's loss reaches the limit
REST_OVER = "rest over"  # said when the rest timer runs out
SPEED_UNITS = {"bar": "m/s", "hands": "body heights/s"}  # what a rep's speed is measured from, and its unit


@dataclass(frozen=True)
class RepEvent:
    """One counted rep as the voice needs it. ``speed``: mean concentric speed (unit in ``speed_from``), None when
    not measured; ``faults`` ordered most certain first."""

    index: int  # 0-based
    failed_standards: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    departures: tuple[str, ...] = ()
    speed: float | None = None
    speed_from: str = "hands"  # "bar" (plate ruler, m/s) or "hands" (wrists, body heights/s: an estimate)


@dataclass(frozen=True)
class Phrase:
    id: str  # unique per set and rep: the browser says each id once
    text: str
    rep_index: int | None = None
    velocity_loss_pct: float | None = None


@dataclass(frozen=True)
class VoiceSettings:
    """``stop_loss_pct``: the lifter's velocity-loss threshold in % (None or <= 0 = no stop cue)."""

    stop_loss_pct: float | None = None
    cues: bool = True  # False: the rep number only


def departures_of(measurements: Mapping[str, Mapping]) -> tuple[str, ...]:
    """Measurement names whose ``baseline_delta`` passes their DEPARTURES limit, in table order."""
    out = []
    for d in DEPARTURES:
        m = measurements.get(d.name) or {}
        delta = m.get("baseline_delta")
        if delta is None or not np.isfinite(delta):
            continue
        if (delta >= d.limit) if d.worse_when_higher else (delta <= d.limit):
            out.append(d.name)
    return tuple(out)


def rep_event(index: int, faults: Sequence[Mapping] = (), standards: Mapping[str, Mapping] | None = None,
              measurements: Mapping[str, Mapping] | None = None, speed: float | None = None,
              speed_from: str = "hands") -> RepEvent:
    """A RepEvent from a rep's report dicts (a LiveRep's ``faults``, or a report rep's faults / standards /
    measurements)."""
    found = sorted((f for f in faults if verdict_of(dict(f)) == "fault"),
                   key=lambda f: -float(f.get("p") or f.get("score") or 0.0))
    failed = tuple(name for name, call in (standards or {}).items() if call.get("call") == "fail")
    return RepEvent(index, failed, tuple(str(f["name"]) for f in found), departures_of(measurements or {}),
                    speed if speed is not None and np.isfinite(speed) and speed > 0 else None, speed_from)


def cue_of(event: RepEvent) -> str | None:
    """The one form cue of a rep (failed standard > fault > departure), None when the rep was fine."""
    for name in (*event.failed_standards, *event.faults, *event.departures):
        if name in CUE_PHRASES:
            return CUE_PHRASES[name]
    return None


def set_velocity_loss(events: Sequence[RepEvent]) -> float | None:
    """Velocity loss of the set so far in % ((fastest - last) / fastest), from reps measured the same way as the
    last one (bar and hand speeds are never mixed), None before two such reps."""
    if not events or events[-1].speed is None:
        return None
    same = [e.speed for e in events if e.speed_from == events[-1].speed_from]
    return velocity_loss_pct(same)


def phrases(events: Sequence[RepEvent], settings: VoiceSettings, set_id: str) -> list[Phrase]:
    """One phrase per rep, in order: "3", "3, depth" or "3, stop: velocity loss 27 %"."""
    out = []
    for i, event in enumerate(events):
        loss = set_velocity_loss(events[:i + 1])
        limit = settings.stop_loss_pct
        cue = None
        if limit is not None and limit > 0 and loss is not None and loss >= limit:
            cue = STOP_WORDS.format(loss=loss)
        elif settings.cues:
            cue = cue_of(event)
        text = f"{event.index + 1}" + (f", {cue}" if cue else "")
        out.append(Phrase(f"{set_id}/rep{event.index}", text, event.index, loss))
    return out


def count_phrase(set_id: int | str, rep_count: int) -> Phrase:
    """The count of a whole set, said once (the classroom page's demo): "3 reps"."""
    return Phrase(f"set/{set_id}", plural(rep_count, "rep"))


def hand_speeds(series: KeypointSeries, reps: Sequence[Rep], concentric_first: bool) -> list[float | None]:
    """Mean concentric speed of the hands (the wrists' midpoint, which hold the bar) per rep, in body heights/s:
    the live path's speed until the bar is tracked live. Vertical rise over the concentric phase's duration, as
    core.movement.metrics does for the report's keypoint estimate."""
    height = body_height_px(series)
    hands = wrist_midpoint(series)
    out: list[float | None] = []
    for rep in reps:
        a, b = (rep.start, rep.turn) if concentric_first else (rep.turn, rep.end)
        seg = hands[a:b + 1]
        ok = np.flatnonzero(np.isfinite(seg).all(axis=1))
        if ok.size < 3 or not np.isfinite(height) or height <= 0:
            out.append(None)
            continue
        duration = (ok[-1] - ok[0]) / series.fps
        rise = abs(seg[ok[-1], 1] - seg[ok[0], 1]) / height
        out.append(float(rise / duration) if duration > 0 else None)
    return out
