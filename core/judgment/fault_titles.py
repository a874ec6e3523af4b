"""Plain-word titles of faults, for every page and export: the fault table's own titles (core.judgment.faults.ROWS),
and for fault names that only old saved reports carry, the titles below."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.types import Fault

LEGACY_TITLES: dict[str, str] = {  # names of faults in reports saved before the fault table
    "rounded_back": "Rounded back",
    "early_hip_rise": "Hips rise before the chest",
    "lockout_overextension": "Leaning back at lockout",
    "insufficient_depth": "Squat not deep enough",
    "knee_cave": "Knees cave in",
    "forward_lean": "Chest falls forward",
    "heel_rise": "Heels lift off the floor",
    "incomplete_lockout": "Arms not locked out",
    "asymmetry": "Uneven left and right",
    "stance_width": "Stance too narrow or wide",
    "lateral_lean": "Leaning to one side",
}


def fault_title(fault: str | dict[str, Any] | Fault) -> str:
    """The plain-word title of a fault name, fault dict or Fault (its own ``title`` wins); never truncated."""
    if not isinstance(fault, str):
        if fault.get("title"):
            return str(fault["title"])
        fault = str(fault.get("name", ""))
    from core.judgment.faults import ROWS

    if fault in ROWS:
        return ROWS[fault].title
    return LEGACY_TITLES.get(fault, fault.replace("_", " ").capitalize())
