"""Gemini as a coach, grounded in the findings, with the offline coach as the safety net.

The prompt holds only the findings JSON (no frames, no per-frame series, nothing about the
person). The answer must be JSON with ``text``, ``short`` and ``faults_mentioned``; it is then
checked: a fault that was not found, or a number that is not in the findings, sends the user
to the offline coach with a note saying why. Timeouts, API errors and empty answers do the same.

The API key is held by the ``genai.Client`` only; it is never logged, never put in a note, a
cache key or a report.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from typing import Any

from core.coaching.base import CoachingText, TextGenerator, Tone, check_tone
from core.coaching.findings import NUMBER_RE, allowed_numbers, findings_hash, is_grounded_number
from core.coaching.library import FAULT_NAMES, display_name, terms_for
from core.coaching.offline import OfflineCoach
from core.judgment.fault_titles import SUPERSEDED

logger = logging.getLogger(__name__)

LIST_MARKER_RE = re.compile(r"^\s*(?:[-*]\s+)?(?:\*\*)?\d+[.)]\s", re.MULTILINE)
CACHE_SIZE = 256  # answers kept per process; one per (findings, model, tone)
NEGATION_RE = re.compile(r"\b(no|not|without|never|none|free of|avoided|good|fine|solid|clean|stayed|kept|"
                         r"judged|judge|cannot|can't|could not|couldn't)\b|n't\b")

SYSTEM_INSTRUCTION = """You are a strength coach writing feedback on one set of {lift}.
You receive FINDINGS as JSON, measured by FormLens from a video you cannot see.
Rules:
- Use only the findings. Cite the measured numbers exactly as written there; invent no number,
  no percentage, no rep and no fault. Write numbers in digits, copied from the findings.
- Talk about faults only if they are in "faults" or "set_faults", worst first, naming the reps.
  For each: the cue, why it matters, and the drill from "coaching_library".
- "standards" holds a referee's calls per rep (pass, fail, borderline = too close to call, cant_see) and the
  rep's light (white, red or none): report those calls as they are, with their reasons; call no other standard.
- "measured_without_call" are numbers of cues FormLens does not call: you may quote them, never as a fault.
- Praise the reps in "good_reps". Say which checks could not be judged from this view
  ("not_judgeable_from_this_view"). If "form_checks_run" is false, say the form was not checked.
- Do not mention any other fault or body part problem.
{tone_rule}
Answer with JSON: {{"short": one line under 140 characters for a live screen,
"text": the full feedback in Markdown, "faults_mentioned": the fault names you talked about}}."""
TONE_RULES = {
    "lifter": "- Address the lifter as 'you'; be direct and brief (under 200 words).",
    "classroom": "- Write for physical-education students: plain words, explain what each angle means "
                 "(180 degrees = straight joint), no jargon; under 250 words.",
}
RESPONSE_SCHEMA = {
    "type": "OBJECT",
    "properties": {"short": {"type": "STRING"}, "text": {"type": "STRING"},
                   "faults_mentioned": {"type": "ARRAY", "items": {"type": "STRING"}}},
    "required": ["short", "text", "faults_mentioned"],
}


class CoachingUnavailable(Exception):
    """Gemini gave no usable answer; ``str`` is a user-facing reason with no secret in it."""


def build_prompt(findings: dict[str, Any], tone: Tone) -> tuple[str, str]:
    """(system instruction, contents). Contents are the findings JSON and nothing else."""
    system = SYSTEM_INSTRUCTION.format(lift=findings["lift"], tone_rule=TONE_RULES[tone])
    return system, "FINDINGS:\n" + json.dumps(findings, indent=1, sort_keys=True)


class GeminiCoach:
    """Gemini through google-genai, falling back to ``fallback`` with a visible note."""

    source = "gemini"

    def __init__(self, api_key: str, model: str, timeout_s: float, fallback: TextGenerator | None = None) -> None:
        if not api_key:
            raise ValueError("GeminiCoach needs an API key; use OfflineCoach without one")
        self._api_key = api_key  # kept private; __repr__ below never shows it
        self.model = model
        self.timeout_s = timeout_s
        self.fallback = fallback or OfflineCoach()

    def __repr__(self) -> str:
        return f"GeminiCoach(model={self.model!r}, timeout_s={self.timeout_s})"

    def write(self, findings: dict[str, Any], tone: Tone = "lifter") -> CoachingText:
        """A checked Gemini answer (cached per findings, model and tone), else the fallback with a note."""
        tone = check_tone(tone)
        key = findings_hash(findings, self.model, tone)
        cached = _cache_get(key)
        if cached is not None:
            return cached
        try:
            answer = self._ask(findings, tone)
            text = check_answer(answer, findings)
        except CoachingUnavailable as why:
            logger.info("Gemini coaching fell back to the offline coach: %s", why)
            offline = self.fallback.write(findings, tone)
            return CoachingText("offline", offline.text, offline.short,
                                f"{why} Showing the offline coach instead.", tone)
        result = CoachingText("gemini", text["text"], text["short"], None, tone, self.model)
        _cache_put(key, result)
        return result

    def _ask(self, findings: dict[str, Any], tone: Tone) -> str:
        """The raw answer text, bounded by ``timeout_s`` whatever the HTTP layer does."""
        box: dict[str, Any] = {}
        worker = threading.Thread(target=self._call, args=(findings, tone, box), daemon=True,
                                  name="formlens-gemini")
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            raise CoachingUnavailable(f"Gemini did not answer within {self.timeout_s:g} s.")
        if "error" in box:
            raise CoachingUnavailable(describe_error(box["error"]))
        return box.get("text") or ""

    def _call(self, findings: dict[str, Any], tone: Tone, box: dict[str, Any]) -> None:
        from google import genai
        from google.genai import types

        system, contents = build_prompt(findings, tone)
        try:
            client = genai.Client(api_key=self._api_key,
                                  http_options=types.HttpOptions(timeout=int(self.timeout_s * 1000)))
            response = client.models.generate_content(
                model=self.model, contents=contents,
                config=types.GenerateContentConfig(system_instruction=system, temperature=0.2,
                                                   response_mime_type="application/json",
                                                   response_schema=RESPONSE_SCHEMA))
            box["text"] = response.text
        except Exception as err:  # every failure becomes a fallback; described without its message
            box["error"] = err


def describe_error(err: BaseException) -> str:
    """A user-facing reason for an API failure. Never includes the exception's text (it may echo a key)."""
    import httpx
    from google.genai import errors

    code = getattr(err, "code", None)
    logger.warning("Gemini call failed: %s (code %s)", type(err).__name__, code)
    if isinstance(err, TimeoutError | httpx.TimeoutException):
        return "Gemini did not answer in time."
    if isinstance(err, errors.ClientError) and code in (401, 403):
        return "Gemini rejected the API key."
    if isinstance(err, errors.ClientError) and code == 429:
        return "The Gemini quota is used up (429)."
    if isinstance(err, errors.ClientError) and code == 400 and "key" in str(getattr(err, "message", "")).lower():
        return "Gemini rejected the API key."
    if isinstance(err, errors.APIError):
        return f"Gemini returned an error ({code})."
    if isinstance(err, httpx.TransportError | OSError):
        return "Gemini could not be reached (no network?)."
    return f"Gemini failed ({type(err).__name__})."


def check_answer(raw: str, findings: dict[str, Any]) -> dict[str, str]:
    """Parse and ground-check an answer; raise CoachingUnavailable naming the first problem."""
    if not raw or not raw.strip():
        raise CoachingUnavailable("Gemini returned an empty answer.")
    try:
        answer = json.loads(raw)
    except json.JSONDecodeError:
        raise CoachingUnavailable("Gemini's answer was not in the expected format.") from None
    if not isinstance(answer, dict) or not str(answer.get("text", "")).strip():
        raise CoachingUnavailable("Gemini returned an empty answer.")
    text, short = str(answer["text"]).strip(), str(answer.get("short", "")).strip()
    _check_faults(answer.get("faults_mentioned") or [], text + "\n" + short, findings)
    _check_numbers(text + "\n" + short, findings)
    return {"text": text, "short": short or text.splitlines()[0][:140]}


def _check_faults(named: list[Any], text: str, findings: dict[str, Any]) -> None:
    found = {f["name"] for f in findings["faults"] + findings["set_faults"]}
    blind = {b["name"] for b in findings["not_judgeable_from_this_view"]}
    for name in named:
        if str(name) not in found:
            title = display_name(str(name)).lower()
            raise CoachingUnavailable(f"Gemini's answer talked about '{title}', which FormLens did not find.")
    may_deny = set(findings["checked_and_fine"]) | blind
    may_deny |= {old for old, new in SUPERSEDED.items() if may_deny & set(new)}
    for name in FAULT_NAMES:
        if name in found or any(n in found for n in SUPERSEDED.get(name, ())):
            continue
        for sentence in _sentences_mentioning(text, terms_for(name)):
            if name in may_deny and NEGATION_RE.search(sentence.lower()):
                continue  # "no forward lean" (check passed), "knee cave could not be judged" (blind view)
            raise CoachingUnavailable(f"Gemini's answer talked about '{display_name(name).lower()}', which "
                                      "FormLens did not find.")


def _sentences_mentioning(text: str, terms: tuple[str, ...]) -> list[str]:
    sentences = re.split(r"(?<=[.!?;])\s+|\n+", text)
    return [s for s in sentences if any(re.search(t, s.lower()) for t in terms)]


REP_RE = re.compile(r"\breps?\s+(\d+)\b", re.IGNORECASE)  # "rep 4", "Reps 2": a rep number, not a measurement


def _check_numbers(text: str, findings: dict[str, Any]) -> None:
    for written in REP_RE.findall(text):  # a rep the set does not have, even if the number is measured elsewhere
        if not 1 <= int(written) <= int(findings.get("rep_count", 0)):
            raise CoachingUnavailable(f"Gemini's answer cited {written}, a rep FormLens did not count.")
    allowed = allowed_numbers(findings)
    text = LIST_MARKER_RE.sub("", text)  # "2. Knee cave" numbers a list; it cites nothing
    for written in NUMBER_RE.findall(text.replace(",", "")):
        if not is_grounded_number(float(written), allowed, written.lstrip("+-")):
            raise CoachingUnavailable(f"Gemini's answer cited {written}, a number FormLens did not measure.")


_cache: OrderedDict[str, CoachingText] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_get(key: str) -> CoachingText | None:
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    return None


def _cache_put(key: str, value: CoachingText) -> None:
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget cached answers (tests, or a user asking for a fresh answer)."""
    with _cache_lock:
        _cache.clear()
