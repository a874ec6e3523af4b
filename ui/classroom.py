"""Classroom glue: what a student sees right after recording their set."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from core.judgment.fault_titles import fault_title
from core.judgment.reading import RepReading, read_rep
from core.judgment.standards import BY_NAME as STANDARD_ROWS
from core.records.classroom import FAULT_CUES, detected_faults, failed_standards
from core.report import Report
from ui.render import VERDICT_ICONS, form_summary, light_text

FAULT_ICON, GOOD_ICON = VERDICT_ICONS["fault"], VERDICT_ICONS["fine"]  # Material Symbols, as the report's


def student_verdict(reading: RepReading) -> str:
    """A rep in a student's words: its light and what failed, the faults found, "good", or that nothing could be
    called from this camera (never "not sure")."""
    bits = []
    if reading.light is not None:
        bits.append(light_text(reading))
    if reading.faults:
        bits.append(f"{FAULT_ICON} " + ", ".join(fault_title(f) for f in reading.faults))
    elif reading.light is None and reading.fine:
        bits.append(f"{GOOD_ICON} good")
    return " · ".join(bits) or "no call from this camera angle"


def student_result(report: Report, name: str) -> None:
    """The student's own result, large enough for a projector: reps, a verdict per rep, and one cue."""
    st.subheader(f"Result for {name}")
    lift = report.lift.get("label") or "unknown lift"
    c1, c2 = st.columns(2)
    c1.metric("Reps", report.rep_count)
    c2.metric("Lift", lift)
    st.markdown(form_summary(report))
    for r in report.reps:
        st.markdown(f"- **Rep {r.index + 1}**: {student_verdict(read_rep(r))}")
    counts = Counter(name for name, _ in detected_faults(report))
    failed = Counter(name for name, _ in failed_standards(report))
    if failed:  # a referee standard failed: its cue first (a call that was made, with a red light)
        st.success(f"Your cue: {STANDARD_ROWS[failed.most_common(1)[0][0]].cue}")
    elif counts:
        fault = counts.most_common(1)[0][0]
        st.success(f"Your cue: {FAULT_CUES.get(fault, ('', 'Ask your teacher'))[1]}")
    elif report.rep_count:
        st.success("Your cue: keep doing exactly this, every rep.")
