"""The structured findings every coach writes from, and the checks on numbers in a coach's answer.

Findings are the only thing a text generator sees. They hold the lift, style and view, per-rep
faults with their evidence numbers, good reps, the largest deviations first, the faults this view
cannot judge, and a few per-rep measurements. They never hold frames, keypoints, per-frame series,
file names, the lifter's height or anything else about the person: that is what makes it safe to
send them to an online model.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from typing import Any

from core.coaching.library import advice_for, display_name
from core.judgment.reading import called_faults, departures, read_rep
from core.judgment.verdicts import verdict_of
from core.report import Report

MAX_DEVIATIONS = 5  # largest keypoint deviations passed on; S1's custom GPT used the top few
NUMBER_RE = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?")  # 12, 0.77, -3.5; not digits inside words like "COCO17"

# Per-rep measurements worth coaching on, per lift: (report metric key, findings key).
# The findings key carries the unit so a model cannot mistake it.
LIFT_METRICS: dict[str, tuple[tuple[str, str], ...]] = {
    "deadlift": (("min_hip_deg", "lowest_hip_angle_deg"), ("lockout_hip_deg", "lockout_hip_angle_deg"),
                 ("lockout_knee_deg", "lockout_knee_angle_deg")),
    "squat": (("min_knee_deg", "bottom_knee_angle_deg"), ("min_hip_deg", "bottom_hip_angle_deg"),
              ("rom_trunk_lean_deg", "trunk_lean_range_deg")),
    "bench": (("rom_elbow_deg", "elbow_range_deg"), ("lockout_elbow_deg", "lockout_elbow_angle_deg")),
}
COMMON_METRICS: tuple[tuple[str, str], ...] = (
    ("concentric_s", "lifting_phase_s"), ("eccentric_s", "lowering_phase_s"),
    ("bar_path_drift_bh", "bar_drift_body_heights"), ("mean_concentric_speed_bh_s", "lift_speed_body_heights_per_s"),
)


def build_findings(report: Report) -> dict[str, Any]:
    """Everything a coach may use, as plain JSON-able data (deterministic for a given report)."""
    lift = report.lift.get("label") or "unknown"
    detected, not_judgeable, checked_ok, checks_run = _rep_fault_groups(report)
    set_detected, set_ok = _set_fault_groups(report)
    findings: dict[str, Any] = {
        "lift": lift,
        "style": report.style.get("label") if report.reps else None,  # read from the reps: none found, none claimed
        "view": report.view.get("label", "unknown"),
        "rep_count": report.rep_count,
        "form_checks_run": checks_run or bool(report.set_faults),
        "faults": detected,
        "set_faults": set_detected,
        "good_reps": _good_reps(report),
        "checked_and_fine": sorted(set(checked_ok) | set(set_ok)),
        "not_judgeable_from_this_view": not_judgeable,
        "standards": _standards(report),
        "measured_without_call": _measured_without_call(report),
        "changes_from_earlier_reps": departures(report),
        "largest_deviations": _deviations(report),
        "reps": [_rep_measurements(r, lift) for r in report.reps],
        "set_summary": _set_summary(report),
        "warnings": list(report.warnings),
        "method": {"keypoints_tracked": 17, "angle_convention": "180 deg = straight joint"},
    }
    findings["coaching_library"] = _library_for(findings)
    return findings


def findings_hash(findings: dict[str, Any], *parts: str) -> str:
    """A stable key for caching an answer: the findings plus e.g. model name and tone."""
    text = json.dumps(findings, sort_keys=True, ensure_ascii=True) + "|" + "|".join(parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _rep_fault_groups(report: Report) -> tuple[list[dict], list[dict], list[str], bool]:
    """Detected faults grouped by name (worst first), unjudgeable ones, names checked and fine."""
    found: dict[str, dict] = {}
    blind: dict[str, dict] = {}
    judged: set[str] = set()
    unsure: set[str] = set()
    for rep in report.reps:
        for f in called_faults(rep):  # a fault a referee standard of the rep judges instead is not read twice
            name = f["name"]
            v = verdict_of(f)
            if v == "cannot_judge":
                entry = blind.setdefault(name, {"name": name, "title": display_name(name), "reps": [],
                                                "why": f.get("evidence", "")})
                _add_rep(entry["reps"], rep.index + 1)
                continue
            if v == "not_sure":  # neither a fault nor fine: coaching says nothing about it
                unsure.add(name)
                continue
            judged.add(name)
            if v == "fault":
                entry = found.setdefault(name, {"name": name, "title": display_name(name, f.get("label")),
                                                "reps": [], "evidence": [], "source": f.get("source", "rule")})
                if rep.index + 1 in entry["reps"]:
                    continue  # one verdict per fault name per rep
                _add_rep(entry["reps"], rep.index + 1)
                entry["evidence"].append({"rep": rep.index + 1, "text": f.get("evidence", ""),
                                          "score": f.get("score")})
    ranked = sorted(found.values(), key=lambda e: (-max(_score(x["score"]) for x in e["evidence"]), e["name"]))
    ok = sorted(judged - set(found) - unsure)
    # a fault judged in some reps is not "not judged from this view" (second walk: it appeared as both)
    unseen = [e for e in sorted(blind.values(), key=lambda e: e["name"]) if e["name"] not in judged | unsure]
    return ranked, unseen, ok, bool(judged or blind)


def _standards(report: Report) -> list[dict]:
    """Per rep with referee standards: its light (white / red / none) and each call with the reason and number
    (core.judgment.standards); the coach names only these calls."""
    out = []
    for rep in report.reps:
        reading = read_rep(rep)
        if not reading.standards:
            continue
        out.append({"rep": reading.rep, "light": reading.light,
                    "calls": {c.name: {"title": c.title, "call": c.call, "value": c.value, "unit": c.unit,
                                       "why": c.why} for c in reading.standards},
                    "measurements": {k: v for k, v in rep.measurements.items() if v.get("value") is not None}})
    return out


def _measured_without_call(report: Report) -> list[dict]:
    """Cues FormLens measured but does not call (not confirmed across lifters): numbers, never a fault."""
    out = []
    for rep in report.reps:
        for m in read_rep(rep).measured:
            out.append({"rep": rep.index + 1, "name": m.name, "title": m.title, "measured": m.text})
    return out


def _add_rep(reps: list[int], rep: int) -> None:
    if rep not in reps:
        reps.append(rep)


def _set_fault_groups(report: Report) -> tuple[list[dict], list[str]]:
    detected, fine = [], []
    for f in report.set_faults:
        if verdict_of(f) == "fault":
            detected.append({"name": f["name"], "label": f.get("label"),
                             "title": display_name(f["name"], f.get("label")), "evidence": f.get("evidence", ""),
                             "score": f.get("score"), "source": f.get("source", "rule")})
        elif verdict_of(f) == "fine":
            fine.append(f["name"])
    return sorted(detected, key=lambda e: -_score(e["score"])), fine


def _score(x: Any) -> float:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else 0.0


def _good_reps(report: Report) -> list[int]:
    """Reps with at least one judged check and no detected fault (1-based)."""
    good = []
    for rep in report.reps:
        faults = called_faults(rep)
        judged = [f for f in faults if verdict_of(f) in ("fault", "fine")]
        failed = any(c.get("call") == "fail" for c in (rep.standards or {}).values())
        if judged and not failed and not any(verdict_of(f) == "fault" for f in faults):
            good.append(rep.index + 1)
    return good


def _deviations(report: Report) -> list[dict]:
    rows = report.extras.get("deviations") or []
    rows = [r for r in rows if isinstance(r, dict) and isinstance(r.get("deviation_bh"), int | float)]
    rows = sorted(rows, key=lambda r: -float(r["deviation_bh"]))[:MAX_DEVIATIONS]
    out = []
    for r in rows:
        d = {"keypoint": str(r.get("keypoint", "?")), "deviation_body_heights": round(float(r["deviation_bh"]), 3)}
        if r.get("rep") is not None:
            d["rep"] = int(r["rep"]) + 1
        out.append(d)
    return out


def _rep_measurements(rep: Any, lift: str) -> dict[str, Any]:
    m = rep.metrics
    row: dict[str, Any] = {"rep": rep.index + 1, "complete": bool(m.get("complete", True)),
                           "visibility": round(float(rep.visibility), 2)}
    for src, dst in LIFT_METRICS.get(lift, ()) + COMMON_METRICS:
        value = m.get(src)
        if isinstance(value, int | float) and math.isfinite(value):
            row[dst] = value
    return row


def _set_summary(report: Report) -> dict[str, Any]:
    """How the lifting phase changed across the set: slowing reps are a sign of load (S2)."""
    times = [(r.index + 1, r.metrics.get("concentric_s")) for r in report.reps]
    times = [(i, t) for i, t in times if isinstance(t, int | float) and t > 0]
    if len(times) < 2:
        return {}
    slowest = max(times, key=lambda x: x[1])
    fastest = min(times, key=lambda x: x[1])
    change = round(100.0 * (times[-1][1] - times[0][1]) / times[0][1])
    return {"first_rep_lifting_phase_s": times[0][1], "last_rep_lifting_phase_s": times[-1][1],
            "lifting_phase_change_pct": change, "slowest_rep": slowest[0], "slowest_lifting_phase_s": slowest[1],
            "fastest_rep": fastest[0], "fastest_lifting_phase_s": fastest[1]}


def _library_for(findings: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Cue, why and drill for each detected fault, so a model's drill numbers are grounded too."""
    out = {}
    for f in findings["faults"] + findings["set_faults"]:
        advice = advice_for(f["name"], f.get("label"))
        if advice:
            out[f["name"]] = {"cue": advice.cue, "why": advice.why, "drill": advice.drill}
    return out


def numbers_in(text: str) -> list[float]:
    """Every number written in digits in ``text``."""
    return [float(x) for x in NUMBER_RE.findall(text.replace(",", ""))]


def allowed_numbers(findings: dict[str, Any]) -> set[float]:
    """Numbers a coach may cite: every number in the findings, plus the rep numbers."""
    allowed: set[float] = {float(i) for i in range(0, int(findings.get("rep_count", 0)) + 1)}
    allowed.update(_walk_numbers(findings))
    return allowed


def _walk_numbers(obj: Any) -> Iterable[float]:
    if isinstance(obj, bool) or obj is None:
        return
    if isinstance(obj, int | float):
        if math.isfinite(obj):
            yield float(obj)
            yield abs(float(obj))
    elif isinstance(obj, str):
        yield from (abs(x) for x in numbers_in(obj))
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _walk_numbers(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _walk_numbers(v)


def is_grounded_number(value: float, allowed: set[float], written: str) -> bool:
    """True when ``value`` is a finding, or a finding rounded to the decimals it was written with.

    ``written`` is the text of the number; "152" may stand for 152.3, "0.8" for 0.77, but a bare
    small integer may not stand for a fraction (0.7 must not become "1").
    """
    value = abs(value)
    if value in allowed:
        return True
    decimals = len(written.split(".")[1]) if "." in written else 0
    tolerance = 0.5 * 10 ** (-decimals) + 1e-9
    return any(abs(a - value) <= tolerance and (decimals > 0 or a >= 10) for a in allowed)
