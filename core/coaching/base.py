"""The coaching text type and the interface every text generator implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

Tone = Literal["lifter", "classroom"]
TONES: tuple[str, ...] = ("lifter", "classroom")


@dataclass(frozen=True)
class CoachingText:
    """What a coach wrote about one report.

    ``text`` is the full version (Markdown) for the report, ``short`` one line for the live
    screen. ``note`` says why Gemini was not used when the user asked for it (timeout, bad key,
    an answer that cited a number FormLens did not measure...). Never holds the API key.
    """

    source: Literal["gemini", "offline"]
    text: str
    short: str
    note: str | None = None
    tone: str = "lifter"
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"source": self.source, "text": self.text, "short": self.short, "note": self.note,
                             "tone": self.tone}
        if self.model:
            d["model"] = self.model
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> CoachingText:
        source = "gemini" if d.get("source") == "gemini" else "offline"
        return CoachingText(source, str(d.get("text", "")), str(d.get("short", "")), d.get("note"),
                            str(d.get("tone", "lifter")), d.get("model"))


class TextGenerator(Protocol):
    """Turns structured findings (``core.coaching.findings.build_findings``) into coaching text."""

    source: str

    def write(self, findings: dict[str, Any], tone: Tone = "lifter") -> CoachingText:
        """Coaching for these findings; never raises for a well-formed findings dict."""
        ...


def check_tone(tone: str) -> Tone:
    """Validate a tone name, naming the allowed set."""
    if tone not in TONES:
        raise ValueError(f"unknown coaching tone {tone!r}; allowed: {TONES}")
    return tone  # type: ignore[return-value]
