"""Plain-word titles of the faults: the one table every page and export reads names from."""

from __future__ import annotations

from typing import Any

FAULT_TITLES: dict[str, str] = {
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


def fault_title(fault: str | dict[str, Any]) -> str:
    """The plain-word title of a fault name or fault dict (its own ``title`` wins); never truncated."""
    if isinstance(fault, dict):
        if fault.get("title"):
            return str(fault["title"])
        fault = str(fault.get("name", ""))
    return FAULT_TITLES.get(fault, fault.replace("_", " ").capitalize())
