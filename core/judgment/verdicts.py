"""One verdict per fault per rep, readable from new and old reports (interface 2 in the team's brief).

A fault dict of a report since this change carries ``verdict`` ("fault" | "fine" | "not_sure" |
"cannot_judge"); older saved reports do not, and their verdict is derived: not judgeable ->
cannot_judge, detected -> fault, else fine.
"""

from __future__ import annotations

from typing import Any

VERDICTS = ("fault", "fine", "not_sure", "cannot_judge")


def verdict_of(fault: dict) -> str:
    """The verdict of one fault dict (new reports say it; old ones are derived from detected/judgeable)."""
    v = fault.get("verdict")
    if v in VERDICTS:
        return v
    if not fault.get("judgeable", True):
        return "cannot_judge"
    return "fault" if fault.get("detected") else "fine"


def rep_fault_names(rep: Any) -> set[str]:
    """Names of the faults a rep shows (each once), from a rep dict or a RepReport."""
    faults = rep.get("faults", ()) if isinstance(rep, dict) else rep.faults
    return {str(f["name"]) for f in faults if verdict_of(f) == "fault"}
