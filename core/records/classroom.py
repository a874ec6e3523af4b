"""Class-level views of stored sets: which faults how many students showed, which referee standards they failed,
the cue to teach first,
and anonymised display names (a projector is public)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.judgment.reading import called_faults, read_rep
from core.judgment.verdicts import rep_fault_names, verdict_of
from core.report import Report


def _cue_table() -> dict[str, tuple[str, str]]:
    """Fault name -> (what it means, the cue): built from the one cue table (core.judgment.faults.FAULT_TABLE via
    core.coaching.library), so the classroom and the coaching say the same thing."""
    from core.coaching.library import FAULT_ADVICE, advice_for

    out = {}
    for name in FAULT_ADVICE:
        a = advice_for(name)
        out[name] = (a.plain, a.cue)
    return out


FAULT_CUES: dict[str, tuple[str, str]] = _cue_table()
DISPLAY_MODES = ("numbers", "initials", "names")


@dataclass(frozen=True)
class ClassSummary:
    n_students: int  # students with at least one stored set
    students_with_fault: dict[str, int]  # fault name -> students who showed it at least once, most first
    most_common_fault: str | None
    cue: str | None  # the cue for the most common fault
    examples: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)  # fault -> (set id, rep)
    students_with_fail: dict[str, int] = field(default_factory=dict)  # referee standard name -> students with a
    # rep that failed it (core.judgment.standards), most first
    fail_examples: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # standard -> (set id, rep)


def detected_faults(report: Report) -> list[tuple[str, int | None]]:
    """(fault name, rep index or None for whole-set faults) for every fault verdict ("not sure" is not one),
    each name once per rep."""
    found = [(name, r.index) for r in report.reps for name in sorted(rep_fault_names({"faults": called_faults(r)}))]
    return found + [(f["name"], None) for f in report.set_faults if verdict_of(f) == "fault"]


def failed_standards(report: Report) -> list[tuple[str, int]]:
    """(standard name, rep index) for every referee standard a rep failed (a call that was made, never a guess)."""
    return [(c.name, r.index) for r in report.reps for c in read_rep(r).failed]


def cue_for(fault: str, reports: Sequence[Report] = ()) -> str:
    """The teaching cue: our table, else the coach's short text stored with a report showing it."""
    if fault in FAULT_CUES:
        return FAULT_CUES[fault][1]
    for report in reports:
        coaching = report.extras.get("coaching")
        if isinstance(coaching, dict) and coaching.get("short"):
            return str(coaching["short"])
    return f"Ask your teacher about {fault.replace('_', ' ')}."


def summarise_class(sets_by_student: Mapping[int, Sequence[tuple[int, Report]]]) -> ClassSummary:
    """``sets_by_student``: student id -> [(stored set id, report)]. Counts students, not sets."""
    students: Counter[str] = Counter()
    failing: Counter[str] = Counter()
    examples: dict[str, list[tuple[int, int | None]]] = {}
    fail_examples: dict[str, list[tuple[int, int]]] = {}
    showing: dict[str, list[Report]] = {}
    for sets in sets_by_student.values():
        seen: set[str] = set()
        failed: set[str] = set()
        for set_id, report in sets:
            for name, rep in detected_faults(report):
                seen.add(name)
                examples.setdefault(name, []).append((set_id, rep))
                showing.setdefault(name, []).append(report)
            for name, rep in failed_standards(report):
                failed.add(name)
                fail_examples.setdefault(name, []).append((set_id, rep))
        students.update(seen)
        failing.update(failed)
    ranked = dict(sorted(students.items(), key=lambda kv: (-kv[1], kv[0])))
    top = next(iter(ranked), None)
    n = sum(1 for sets in sets_by_student.values() if sets)
    return ClassSummary(n, ranked, top, cue_for(top, showing.get(top, ())) if top else None, examples,
                        dict(sorted(failing.items(), key=lambda kv: (-kv[1], kv[0]))), fail_examples)


def display_names(names: Sequence[str], mode: str = "numbers") -> list[str]:
    """Names as shown on screen: "Student 3", initials ("A.B.", numbered when two share them) or the
    real name. Anonymised ("numbers") is the default because a projector is public."""
    if mode not in DISPLAY_MODES:
        raise ValueError(f"unknown display mode {mode!r}; allowed: {DISPLAY_MODES}")
    if mode == "numbers":
        return [f"Student {i + 1}" for i in range(len(names))]
    if mode == "names":
        return list(names)
    initials = ["".join(f"{p[0].upper()}." for p in n.split() if p) or "?" for n in names]
    counts = Counter(initials)
    seen: Counter[str] = Counter()
    out = []
    for ini in initials:
        seen[ini] += 1
        out.append(f"{ini} ({seen[ini]})" if counts[ini] > 1 else ini)
    return out
