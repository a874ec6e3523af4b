"""Coaching in the browser: the opt-in for Gemini, where the key comes from, and the coaching panel.

Pages call ``coach_settings`` (sidebar), ``attach_coaching`` (report -> report with
extras["coaching"]) and ``render_coaching`` (the panel). The live page's end-of-set report calls
``render_coaching(report, short=...)`` the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from core.coaching import CoachingText, build_findings, coach_report, findings_hash, with_coaching
from core.config import AnalysisConfig
from core.report import Report
from ui import session

logger = logging.getLogger(__name__)

GEMINI_TOGGLE = "gemini_opt_in"  # widget keys, so AppTest can address them
GEMINI_KEY_FIELD = "gemini_key"
TONE_SELECT = "coach_tone"
SECRET_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
TONE_LABELS = {"lifter": "For the lifter", "classroom": "Plain language (classroom)"}


@dataclass(frozen=True)
class CoachChoice:
    """What the user chose for this session. ``api_key`` never leaves this object except to the client."""

    use_gemini: bool
    api_key: str | None = field(default=None, repr=False)
    key_source: str = "none"  # "environment", "Streamlit secrets", "this session", "none"
    tone: str = "lifter"


def _configured_key(config: AnalysisConfig) -> tuple[str | None, str]:
    """A key from Streamlit secrets or the environment (config.from_env), without showing it."""
    try:
        for name in SECRET_NAMES:
            if st.secrets.get(name):
                return str(st.secrets[name]), "Streamlit secrets"
    except Exception:  # no secrets.toml: Streamlit raises; that simply means "no key there"
        pass
    if config.gemini_api_key:
        return config.gemini_api_key, "environment"
    return None, "none"


def coach_settings(config: AnalysisConfig) -> CoachChoice:
    """Sidebar: tone, the Gemini opt-in (off by default) and, if needed, a password field for the key."""
    with st.sidebar:
        st.markdown("**Coaching**")
        tone = st.selectbox("Coaching tone", list(TONE_LABELS), format_func=TONE_LABELS.__getitem__, key=TONE_SELECT,
                            persist_state=session.PERSIST)
        enabled = st.toggle("Send measurements, not video, to Gemini", value=False, key=GEMINI_TOGGLE,
                            persist_state=session.PERSIST,
                            help="Off: the offline coach writes the text and nothing leaves this computer. "
                                 "On: only the numbers in the report (angles, times, faults) are sent to Google.")
        if not enabled:
            return CoachChoice(False, tone=tone)
        key, source = _configured_key(config)
        if key is None:
            typed = st.text_input("Gemini API key", type="password", key=GEMINI_KEY_FIELD,
                                  help="Used for this session only; never stored, logged or shown.")
            key, source = (typed.strip() or None), "this session"
        st.caption(f"Gemini key: set ({source})." if key else "No Gemini key yet: the offline coach is used.")
        return CoachChoice(True, key, source if key else "none", tone)


def attach_coaching(report: Report, config: AnalysisConfig, choice: CoachChoice) -> Report:
    """The report with coaching in extras; each (findings, coach, tone) is computed once per session."""
    memo: dict[str, dict[str, Any]] = session.get(session.COACHING) or {}
    coach = f"gemini:{config.gemini_model}" if choice.use_gemini and choice.api_key else "offline"
    key = findings_hash(build_findings(report), coach, choice.tone, str(choice.use_gemini))
    if key not in memo:
        spinner = "Asking Gemini (measurements only)..." if coach != "offline" else "Writing coaching..."
        with st.spinner(spinner):
            coaching = coach_report(report, config, use_gemini=choice.use_gemini, api_key=choice.api_key,
                                    tone=choice.tone)
        memo = {**memo, key: coaching.to_dict()}
        session.put(session.COACHING, memo)
    return with_coaching(report, CoachingText.from_dict(memo[key]))


def forget_coaching() -> None:
    """Drop remembered coaching so the next run asks again (e.g. after a Gemini failure)."""
    session.put(session.COACHING, {})


def render_coaching(report: Report, coaching: CoachingText | dict[str, Any] | None = None, *, short: bool = False,
                    key: str = "coaching") -> None:
    """The coaching text with its source; ``short`` shows the one-line live-screen version only.

    Without ``coaching`` it uses report.extras["coaching"], else writes offline coaching now.
    """
    text = _coaching_of(report, coaching)
    if text.note:
        st.warning(text.note, icon="ℹ️")
    if short:
        st.markdown(f"### {text.short}")
    else:
        st.markdown(text.text)
        with st.expander("Short version (live screen)"):
            st.markdown(text.short)
    st.caption(_source_line(text))
    if text.note and text.source == "offline" and st.button("Ask Gemini again", key=f"{key}_retry"):
        forget_coaching()
        st.rerun()


def _coaching_of(report: Report, coaching: CoachingText | dict[str, Any] | None) -> CoachingText:
    if isinstance(coaching, CoachingText):
        return coaching
    if coaching is None:
        coaching = report.extras.get("coaching")
    if coaching is None:
        return coach_report(report, AnalysisConfig())
    return CoachingText.from_dict(coaching)


def _source_line(text: CoachingText) -> str:
    if text.source == "gemini":
        return (f"Source: Gemini ({text.model}), written from the measurements only and checked against them. "
                "No video was sent.")
    return "Source: offline coach (templates filled with your measurements; nothing left this computer)."
