""""Is this a bench press or a squat?": when the report's lift is ``unsure``, ask, and remember the answer.

The answer is kept under ``LIFT_ANSWER`` until a new upload; the page uses it as the lift override, which
re-runs only the cheap stages (``core.pipeline.analyze_trace`` with ``lift_override``), never pose.
"""

from __future__ import annotations

import streamlit as st

from core.skeleton import LIFT_WORDS

LIFT_ANSWER = "lift_answer"  # st.session_state key: the lift the user picked after an "unsure" report


def answered_lift() -> str | None:
    return st.session_state.get(LIFT_ANSWER)


def forget_answer() -> None:
    st.session_state[LIFT_ANSWER] = None


def lift_question(report, key: str = "lift_q") -> None:
    """A question with one button per candidate lift when the report is unsure; a click stores the answer
    and reruns the page."""
    lift = report.lift or {}
    candidates = [c for c in lift.get("candidates") or () if c.get("label") in LIFT_WORDS]
    if lift.get("label") != "unsure" or len(candidates) < 2:
        return
    a, b = candidates[0], candidates[1]
    st.warning(f"Is this a {LIFT_WORDS[a['label']]} or a {LIFT_WORDS[b['label']]}? FormLens is not sure "
               f"({a['p']:.0%} / {b['p']:.0%}) and counted it as a {LIFT_WORDS[a['label']]}.")
    cols = st.columns(len(candidates))
    for col, c in zip(cols, candidates, strict=True):
        if col.button(f"It's a {LIFT_WORDS[c['label']]}", key=f"{key}_{c['label']}"):
            st.session_state[LIFT_ANSWER] = c["label"]
            st.rerun()
