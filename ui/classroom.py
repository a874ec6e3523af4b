"""Classroom glue: what a student sees right after recording their set."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from core.judgment.fault_titles import fault_title
from core.records.classroom import FAULT_CUES, detected_faults
from core.report import Report
from ui.render import VERDICT_ICONS, form_summary

FAULT_ICON, GOOD_ICON = VERDICT_ICONS["fault"], VERDICT_ICONS["fine"]  # Material Symbols, as the report's


def student_result(report: Report, name: str) -> None:
    """The student's own result, large enough for a projector: reps, a verdict per rep, and one cue."""
    st.subheader(f"Result for {name}")
    lift = report.lift.get("label") or "unknown lift"
    c1, c2 = st.columns(2)
    c1.metric("Reps", report.rep_count)
    c2.metric("Lift", lift)
    st.markdown(form_summary(report))
    for r in report.reps:
        judged = [f for f in r.faults if f.get("judgeable", True)]
        bad = [fault_title(f) for f in judged if f.get("detected")]
        verdict = ((f"{FAULT_ICON} " + ", ".join(bad)) if bad else (f"{GOOD_ICON} good" if judged
                   else "can't judge from this angle"))
        st.markdown(f"- **Rep {r.index + 1}**: {verdict}")
    counts = Counter(name for name, _ in detected_faults(report))
    if counts:
        fault = counts.most_common(1)[0][0]
        st.success(f"Your cue: {FAULT_CUES.get(fault, ('', 'Ask your teacher'))[1]}")
    elif report.rep_count:
        st.success("Your cue: keep doing exactly this, every rep.")
