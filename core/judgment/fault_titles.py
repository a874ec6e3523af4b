"""Plain-word titles of faults, for every page and export: the fault table's own titles (core.judgment.faults.ROWS),
and for fault names that only old saved reports carry, the titles below. Those old names and the ones they stand
for today live here and nowhere else (the rest of reading old reports: core.report.migrate_report)."""

from __future__ import annotations

from typing import Any

from core.judgment.faults.table import ROWS
from core.types import Fault

LEGACY_TITLES: dict[str, str] = {  # fault names only reports saved before the fault table carry
    "rounded_back": "Rounded back",
}
# An old fault name -> today's faults it was split into: a coach's answer about either new one speaks to the old
# name (core.coaching.gemini), and the old name counts as naming either (core.evaluation.faults).
SUPERSEDED: dict[str, tuple[str, ...]] = {"rounded_back": ("rounded_lower_back", "rounded_upper_back")}


def fault_title(fault: str | dict[str, Any] | Fault) -> str:
    """The plain-word title of a fault name, fault dict or Fault (its own ``title`` wins); never truncated."""
    if not isinstance(fault, str):
        if fault.get("title"):
            return str(fault["title"])
        fault = str(fault.get("name", ""))
    if fault in ROWS:
        return ROWS[fault].title
    return LEGACY_TITLES.get(fault, fault.replace("_", " ").capitalize())
