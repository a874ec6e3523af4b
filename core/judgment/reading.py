"""One reading of a set for every page, coach and record: per rep the referee's standard calls
(core.judgment.standards) and light, the technique faults that were called, the numbers of cues FormLens measures
but does not call (unconfirmed across lifters: ``not_sure`` verdicts), and, once per set, what this view could not
judge. Nothing downstream lists a fault as "not sure", and no fault is both called and "not judged".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.judgment.fault_titles import fault_title
from core.judgment.standards import BY_NAME, DEPARTURES, referee_light
from core.judgment.verdicts import verdict_of

CALL_PHRASES = {"pass": "pass", "fail": "fail", "borderline": "too close to call", "cant_see": "can't see"}


@dataclass(frozen=True)
class StandardCall:
    name: str
    title: str
    call: str  # pass | fail | borderline | cant_see
    value: float | None
    unit: str
    why: str


@dataclass(frozen=True)
class Measured:
    """A cue FormLens measures but does not call (no verdict): its title and the measurement in words."""

    name: str
    title: str
    text: str


@dataclass(frozen=True)
class RepReading:
    rep: int  # 1-based
    light: str | None  # "white" | "red" | None (a standard could not be seen or was too close to call)
    standards: tuple[StandardCall, ...]
    faults: tuple[dict, ...]  # fault dicts with verdict "fault", one per name
    fine: tuple[str, ...]  # fault names checked and fine
    measured: tuple[Measured, ...]

    @property
    def failed(self) -> tuple[StandardCall, ...]:
        return tuple(c for c in self.standards if c.call == "fail")

    @property
    def judged(self) -> bool:
        """Anything was called on this rep: a standard other than can't-see, or a fault verdict."""
        return any(c.call != "cant_see" for c in self.standards) or bool(self.faults or self.fine)


@dataclass(frozen=True)
class NotJudged:
    name: str
    title: str
    why: str


@dataclass(frozen=True)
class SetReading:
    reps: tuple[RepReading, ...]
    not_judged: tuple[NotJudged, ...]  # faults no rep could show from this view (said once)

    @property
    def has_standards(self) -> bool:
        return any(r.standards for r in self.reps)


def _reps_of(report: Any) -> list:
    return list(report.reps)


def _standards(standards: dict) -> tuple[StandardCall, ...]:
    out = []
    for name, c in (standards or {}).items():
        title = BY_NAME[name].title if name in BY_NAME else name.replace("_", " ").capitalize()
        out.append(StandardCall(name, title, str(c.get("call", "cant_see")), c.get("value"), str(c.get("unit", "")),
                                str(c.get("why", ""))))
    return tuple(out)


def _measured(fault: dict) -> Measured | None:
    """A ``not_sure`` rule fault as a measurement without a verdict (its evidence says the number); None for a
    learned model's (no measurement to show)."""
    if str(fault.get("source", "rule")) != "rule" or not fault.get("evidence"):
        return None
    return Measured(fault["name"], fault_title(fault), str(fault["evidence"]))


def superseded(rep: Any) -> set[str]:
    """Fault names a rep's referee standards judge instead (core.judgment.standards.Standard.replaces): one call
    per question, so a rep never reads "lockout: too close to call" and "arms not locked: found" at once."""
    return {name for s in (getattr(rep, "standards", None) or {}) if s in BY_NAME for name in BY_NAME[s].replaces}


def called_faults(rep: Any) -> list[dict]:
    """The rep's fault dicts that pages and coaches read: those no standard of the rep replaces."""
    gone = superseded(rep)
    return [f for f in rep.faults if f["name"] not in gone]


def read_rep(rep: Any) -> RepReading:
    """One rep (a RepReport) read as calls, faults called, fine, and measurements without a verdict."""
    found: dict[str, dict] = {}
    fine: list[str] = []
    measured: dict[str, Measured] = {}
    for f in called_faults(rep):
        v = verdict_of(f)
        if v == "fault":
            found.setdefault(f["name"], f)
        elif v == "fine" and f["name"] not in fine:
            fine.append(f["name"])
        elif v == "not_sure" and (m := _measured(f)) is not None:
            measured.setdefault(f["name"], m)
    fine = [n for n in fine if n not in found]
    measured = {n: m for n, m in measured.items() if n not in found and n not in fine}
    standards = getattr(rep, "standards", None) or {}
    return RepReading(rep.index + 1, referee_light(standards), _standards(standards), tuple(found.values()),
                      tuple(fine), tuple(measured.values()))


def read_report(report: Any) -> SetReading:
    """Every rep read, plus the faults that no rep could judge from this view (each once, with the first reason)."""
    reps = tuple(read_rep(r) for r in _reps_of(report))
    judged: set[str] = set()
    blind: dict[str, NotJudged] = {}
    for r in list(_reps_of(report)) + [None]:
        faults = called_faults(r) if r is not None else report.set_faults
        for f in faults:
            if verdict_of(f) == "cannot_judge":
                blind.setdefault(f["name"], NotJudged(f["name"], fault_title(f), str(f.get("evidence", ""))))
            else:
                judged.add(f["name"])
    return SetReading(reps, tuple(v for k, v in sorted(blind.items()) if k not in judged))


def not_judged_sentence(reading: SetReading) -> str | None:
    """The one plain sentence naming what this view cannot judge, or None."""
    if not reading.not_judged:
        return None
    names = ", ".join(n.title.lower() for n in reading.not_judged)
    return f"Not judged from this view: {names} (the camera angle or visibility does not show them)."


def lights_sentence(reading: SetReading) -> str | None:
    """'Referee: 3 white lights, 1 red (rep 4: squat depth); 1 rep without a light (...)' or None (no standards)."""
    if not reading.has_standards:
        return None
    white = [r.rep for r in reading.reps if r.light == "white"]
    red = [r for r in reading.reps if r.light == "red"]
    unlit = [r.rep for r in reading.reps if r.light is None and r.standards]
    bits = []
    if white:
        bits.append(f"{len(white)} white light{'s' if len(white) != 1 else ''}")
    if red:
        why = "; ".join(f"rep {r.rep}: " + ", ".join(c.title.lower() for c in r.failed) for r in red)
        bits.append(f"{len(red)} red ({why})")
    text = "Referee: " + (", ".join(bits) if bits else "no light given")
    if unlit:
        text += (f"; {len(unlit)} rep{'s' if len(unlit) != 1 else ''} without a light (a standard could not be seen "
                 "from this camera or was too close to call)")
    return text + "."


def departures(report: Any) -> list[str]:
    """Reps whose measurement departs from the lifter's own earlier reps (core.judgment.standards.DEPARTURES), with
    the size of the change: "rep 5: the hips rose 9 cm before the shoulders moved (reps 1-4: 2-3 cm)"."""
    out = []
    reps = list(_reps_of(report))
    for d in DEPARTURES:
        for i, rep in enumerate(reps):
            m = (getattr(rep, "measurements", None) or {}).get(d.name) or {}
            delta, value, unit = m.get("baseline_delta"), m.get("value"), str(m.get("unit", ""))
            if delta is None or value is None or d.worse * delta < d.delta or "cm" not in unit and "%" not in unit \
                    and "deg" not in unit:
                continue
            earlier = [r.measurements[d.name]["value"] for r in reps[:i]
                       if (r.measurements or {}).get(d.name, {}).get("value") is not None]
            span = f"{min(earlier):.0f}" if len({round(x) for x in earlier}) == 1 else \
                f"{min(earlier):.0f} to {max(earlier):.0f}"
            first, last = reps[0].index + 1, reps[i - 1].index + 1
            who = f"rep {first}" if first == last else f"reps {first}-{last}"
            unit_word = "%" if "%" in unit else "°" if "deg" in unit else " cm"
            out.append(f"Rep {rep.index + 1}: " + d.words.format(value=f"{value:.0f}") +
                       f" ({who}: {span}{unit_word}; a change of {abs(delta):.0f}{unit_word}).")
    return out


def rep_status(reading: RepReading) -> str:
    """"red" (a standard failed or a fault was called), "white" (white light and no fault), else "unjudged"."""
    if reading.light == "red" or reading.faults:
        return "red"
    if reading.light == "white" or (not reading.standards and reading.fine):
        return "white"
    return "unjudged"
