"""Exports a coach or teacher can keep: set and class summaries as CSV, a printable HTML report.

Every name and free text is HTML-escaped: athlete names are user input.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from html import escape

from core.judgment.fault_titles import fault_title
from core.records.classroom import FAULT_CUES, ClassSummary
from core.records.history import SetTrend

PRINT_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.6em; } table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; }
th { background: #eee; } .note { color: #555; font-size: 0.9em; }
@media print { body { margin: 0.5cm; } a { display: none; } }
"""


def sets_csv(names: Sequence[str], trends: Sequence[SetTrend]) -> str:
    """One row per stored set: who (display name), when, lift, reps, ROM, speed and each fault's rate."""
    faults = sorted({f for t in trends for f in t.fault_rate})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["athlete", "set_id", "recorded_at_utc", "lift", "reps", "rom_joint", "mean_rom_deg",
                "mean_speed_body_heights_per_s", *[f"{f}_rate" for f in faults]])
    for name, t in zip(names, trends, strict=True):
        w.writerow([name, t.session_id, t.recorded_at.isoformat(timespec="seconds"), t.lift or "", t.rep_count,
                    t.rom_joint or "", t.rom_deg, t.speed_bh_s, *[t.fault_rate.get(f, "") for f in faults]])
    return buf.getvalue()


def class_summary_csv(summary: ClassSummary) -> str:
    """One row per fault: how many students showed it, their share of the class, and its cue."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["fault", "students", "share_of_students", "cue"])
    for fault, n in summary.students_with_fault.items():  # the fault's one title, as on the pages
        share = round(n / summary.n_students, 3) if summary.n_students else ""
        w.writerow([fault_title(fault), n, share, FAULT_CUES.get(fault, ("", ""))[1]])
    return buf.getvalue()


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape('—' if c is None else str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def printable_html(title: str, names: Sequence[str], trends: Sequence[SetTrend],
                   summary: ClassSummary | None = None) -> str:
    """A self-contained HTML page (print it from the browser) of sets and, for a class, its summary."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
             f"<style>{PRINT_CSS}</style></head><body><h1>{escape(title)}</h1>"]
    if summary is not None:
        parts.append(f"<h2>Class summary</h2><p>{summary.n_students} students with a recorded set.</p>")
        rows = [(fault_title(f), n, FAULT_CUES.get(f, ("", ""))[1])
                for f, n in summary.students_with_fault.items()]
        parts.append(_table(["Fault", "Students", "Cue"], rows) if rows else "<p>No faults were detected.</p>")
        if summary.cue:
            parts.append(f"<p><strong>Most common cue:</strong> {escape(summary.cue)}</p>")
    parts.append("<h2>Sets</h2>")
    rows = [(n, t.recorded_at.strftime("%Y-%m-%d %H:%M"), t.lift or "?", t.rep_count,
             None if t.rom_deg is None else f"{t.rom_deg:.0f}° ({t.rom_joint})",
             None if t.speed_bh_s is None else f"{t.speed_bh_s:.2f}",
             ", ".join(f"{fault_title(f)} {r:.0%}" for f, r in t.fault_rate.items() if r > 0) or "none")
            for n, t in zip(names, trends, strict=True)]
    parts.append(_table(["Athlete", "Date (UTC)", "Lift", "Reps", "Range of motion", "Speed (body heights/s)",
                         "Faults (share of reps)"], rows))
    parts.append("<p class='note'>Speeds are estimates from the hands' path. Made with FormLens.</p></body></html>")
    return "".join(parts)
