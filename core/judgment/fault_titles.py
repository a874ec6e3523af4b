"""Plain-word titles of faults, for every page and export: the fault table's own titles (core.judgment.faults.ROWS),
and for fault names that only old saved reports carry, the titles below."""

from __future__ import annotations

from typing import Any

from core.judgment.faults import ROWS
from core.types import Fault

LEGACY_TITLES: dict[str, str] = {  # fault names only reports saved before the fault table carry
    "rounded_back": "Rounded back",
}


def fault_title(fault: str | dict[str, Any] | Fault) -> str:
    """The plain-word title of a fault name, fault dict or Fault (its own ``title`` wins); never truncated."""
    if not isinstance(fault, str):
        if fault.get("title"):
            return str(fault["title"])
        fault = str(fault.get("name", ""))
    if fault in ROWS:
        return ROWS[fault].title
    return LEGACY_TITLES.get(fault, fault.replace("_", " ").capitalize())
