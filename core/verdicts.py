"""One verdict per fault dict, for new reports (with a ``verdict`` key) and old ones (without).

Old reports may hold several judgments of one fault in one rep (a rule row and a model row): a
fault counts once per rep by name, whatever produced it.
"""

from __future__ import annotations

from typing import Any

VERDICTS = ("fault", "fine", "not_sure", "cannot_judge")


def verdict_of(fault: dict[str, Any]) -> str:
    """"fault", "fine", "not_sure" or "cannot_judge"; derived for old reports: not judgeable ->
    cannot_judge, detected -> fault, else fine."""
    verdict = fault.get("verdict")
    if verdict in VERDICTS:
        return str(verdict)
    if not fault.get("judgeable", True):
        return "cannot_judge"
    return "fault" if fault.get("detected") else "fine"


def rep_fault_names(rep: Any) -> set[str]:
    """Names of the faults a rep shows (each once), from a rep dict or a RepReport."""
    faults = rep.get("faults", ()) if isinstance(rep, dict) else rep.faults
    return {str(f["name"]) for f in faults if verdict_of(f) == "fault"}
