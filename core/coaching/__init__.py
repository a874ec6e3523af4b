"""Coaching text from a report: an offline template coach (default) and Gemini (opt-in, grounded).

    findings = build_findings(report)            # the only data a coach sees
    coaching = coach_report(report, config)      # offline unless use_gemini and a key
    report = with_coaching(report, coaching)     # extras["coaching"] in the JSON
"""

from __future__ import annotations

import dataclasses

from core.coaching.base import TONES, CoachingText, TextGenerator, Tone, check_tone
from core.coaching.findings import build_findings, findings_hash
from core.coaching.gemini import GeminiCoach, build_prompt, check_answer, clear_cache
from core.coaching.offline import OfflineCoach
from core.config import AnalysisConfig
from core.report import Report

__all__ = ["TONES", "CoachingText", "GeminiCoach", "OfflineCoach", "TextGenerator", "Tone", "build_findings",
           "build_prompt", "check_answer", "clear_cache", "coach_report", "findings_hash", "make_coach",
           "with_coaching"]

NO_KEY_NOTE = "Gemini is switched on but no API key is set. Showing the offline coach instead."


def make_coach(config: AnalysisConfig, *, use_gemini: bool = False, api_key: str | None = None) -> TextGenerator:
    """Gemini when the user opted in and a key exists (argument, else config/env); else offline."""
    key = api_key or config.gemini_api_key
    if use_gemini and key:
        return GeminiCoach(key, config.gemini_model, config.gemini_timeout_s)
    return OfflineCoach()


def coach_report(report: Report, config: AnalysisConfig, *, use_gemini: bool = False,
                 api_key: str | None = None, tone: str = "lifter") -> CoachingText:
    """Coaching for one report; never raises for network or model trouble (falls back with a note)."""
    checked = check_tone(tone)
    coaching = make_coach(config, use_gemini=use_gemini, api_key=api_key).write(build_findings(report), checked)
    if use_gemini and not (api_key or config.gemini_api_key):
        coaching = dataclasses.replace(coaching, note=NO_KEY_NOTE)
    return coaching


def with_coaching(report: Report, coaching: CoachingText) -> Report:
    """A copy of the report with ``extras["coaching"]`` set (source, text, short, note; never a key)."""
    return dataclasses.replace(report, extras={**report.extras, "coaching": coaching.to_dict()})
