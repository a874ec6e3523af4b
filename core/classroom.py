"""Class-level views of stored sets: which faults how many students showed, the cue to teach first,
and anonymised display names (a projector is public)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.report import Report

# What each shared fault name means and the one cue to give for it. Deadlift cues follow the
# published baseline (S0: Grymyr & Lawal 2025); the others are standard coaching cues for the fault.
FAULT_CUES: dict[str, tuple[str, str]] = {
    "rounded_back": ("The back rounds instead of staying neutral during the pull.",
                     "Neutral spine: brace your core and lats, look slightly up."),
    "early_hip_rise": ("The hips rise before the chest, turning the pull into a stiff-legged lift.",
                       "Lift chest and hips together; don't let the hips shoot up first."),
    "lockout_overextension": ("The lifter leans back past upright at the top.",
                              "Stand tall at the top and stop at neutral; don't lean back."),
    "insufficient_depth": ("The squat stops before the hips reach knee height.",
                           "Sit down until your hip crease passes your knees."),
    "knee_cave": ("The knees fall inwards on the way up.", "Push your knees out over your toes."),
    "forward_lean": ("The chest drops and the torso leans far forward.",
                     "Keep your chest up and your back tight; drive up with the chest."),
    "heel_rise": ("The heels leave the floor.", "Keep your whole foot down; push through mid-foot and heels."),
    "incomplete_lockout": ("The arms do not straighten at the top of the press.",
                           "Finish every rep: lock your elbows at the top."),
    "asymmetry": ("One side moves differently from the other.", "Press evenly with both arms; keep the bar level."),
    "stance_width": ("The feet are unusually narrow or wide for this lift.",
                     "Set your feet about hip-to-shoulder width before you start."),
    "lateral_lean": ("The shoulders tilt to one side.", "Keep your shoulders level; stay centred over your feet."),
}
DISPLAY_MODES = ("numbers", "initials", "names")


@dataclass(frozen=True)
class ClassSummary:
    n_students: int  # students with at least one stored set
    students_with_fault: dict[str, int]  # fault name -> students who showed it at least once, most first
    most_common_fault: str | None
    cue: str | None  # the cue for the most common fault
    examples: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)  # fault -> (set id, rep)


def detected_faults(report: Report) -> list[tuple[str, int | None]]:
    """(fault name, rep index or None for whole-set faults) for every detected fault."""
    found = [(f["name"], r.index) for r in report.reps for f in r.faults if f.get("detected")]
    return found + [(f["name"], None) for f in report.set_faults if f.get("detected")]


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
    examples: dict[str, list[tuple[int, int | None]]] = {}
    showing: dict[str, list[Report]] = {}
    for sets in sets_by_student.values():
        seen: set[str] = set()
        for set_id, report in sets:
            for name, rep in detected_faults(report):
                seen.add(name)
                examples.setdefault(name, []).append((set_id, rep))
                showing.setdefault(name, []).append(report)
        students.update(seen)
    ranked = dict(sorted(students.items(), key=lambda kv: (-kv[1], kv[0])))
    top = next(iter(ranked), None)
    n = sum(1 for sets in sets_by_student.values() if sets)
    return ClassSummary(n, ranked, top, cue_for(top, showing.get(top, ())) if top else None, examples)


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
