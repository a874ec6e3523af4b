"""One verdict per fault per rep, readable from new and old reports (interface 2 in the team's brief).

A fault dict of a report since this change carries ``verdict`` ("fault" | "fine" | "not_sure" |
"cannot_judge"); older saved reports do not, and their verdict is derived: not judgeable ->
cannot_judge, detected -> fault, else fine.
"""

from __future__ import annotations

VERDICTS = ("fault", "fine", "not_sure", "cannot_judge")


def verdict_of(fault: dict) -> str:
    """The verdict of one fault dict (new reports say it; old ones are derived from detected/judgeable)."""
    v = fault.get("verdict")
    if v in VERDICTS:
        return v
    if not fault.get("judgeable", True):
        return "cannot_judge"
    return "fault" if fault.get("detected") else "fine"


def rep_fault_names(rep: dict) -> set[str]:
    """Names of the faults a rep was found to have (verdict "fault"), each name once."""
    return {f["name"] for f in rep.get("faults", ()) if verdict_of(f) == "fault"}
