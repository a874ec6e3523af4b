"""The live page's voice: the sidebar switch and velocity-loss limit, and saying each new rep's phrase.

Kept apart from ui.live (counting, panel, report) so that the voice is one hook: ``poll_panel(...,
on_snapshot=voice.hook(live))``. The phrase choice is core.coaching.spoken; the browser side is ui.speech.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import streamlit as st

from core.coaching.spoken import Phrase, RepEvent, VoiceSettings, hand_speeds, phrases, rep_event
from core.live import LiveSnapshot
from core.movement.reps import CONCENTRIC_FIRST
from core.types import Rep
from ui import speech
from ui.live import LiveSession

VOICE_FROM = "live.voice_from"  # (LiveSession id, rep count when speech was switched on): reps before are not said
VOICE_SET = "live.voice_set"  # (LiveSession id, random id of its set): phrase ids are unique per set
VOICE_SPEEDS = "live.voice_speeds"  # (LiveSession id, {rep index: hand speed}) measured once per rep
DEFAULT_STOP_LOSS_PCT = 25.0  # % velocity loss: a common VBT stop for strength sets (20-30 %, Weakley et al. 2021)


@dataclass(frozen=True)
class VoiceChoice:
    on: bool
    settings: VoiceSettings


def voice_sidebar(live: LiveSession) -> VoiceChoice:
    """The switch and the velocity-loss limit (call inside ``with st.sidebar``)."""
    on = st.toggle("Speak reps and cues", value=False, key="live_speech", on_change=_switched, args=(live,),
                   help="Your browser says the rep number after each rep, one short cue when a rep failed a "
                        "standard or differed from your other reps, and when to stop. Uses the browser's own "
                        "voice: nothing is downloaded and no audio leaves this computer.")
    loss = st.number_input("Stop at velocity loss (%, 0 = off)", min_value=0, max_value=90,
                           value=int(DEFAULT_STOP_LOSS_PCT), step=1, key="live_stop_loss",
                           help="Velocity loss = how much slower the last rep's lifting phase was than the set's "
                                "fastest. Speed is the bar's (m/s, the plate as ruler) when the bar is followed "
                                "live" + ("" if live.bar is not None else " (off on this server: FORMLENS_LIVE_BAR)")
                                + ", else the hands' rise speed (body heights per second): an estimate.")
    return VoiceChoice(on, VoiceSettings(stop_loss_pct=float(loss) if loss else None))


def _switched(live: LiveSession) -> None:
    """Speech switched on mid-set: say only the reps counted from now on."""
    st.session_state[VOICE_FROM] = (id(live), len(live.analyzer.reps))


def set_id(live: LiveSession) -> str:
    """A random id for this LiveSession's set (phrase ids must never repeat across sets in one tab)."""
    held = st.session_state.get(VOICE_SET)
    if not held or held[0] != id(live):
        held = (id(live), uuid.uuid4().hex[:10])
        st.session_state[VOICE_SET] = held
    return held[1]


def rep_speeds(live: LiveSession, count: int) -> dict[int, float | None]:
    """Hand speed (body heights/s) of reps 0..count-1, measured once per rep from the cleaned keypoints."""
    held = st.session_state.get(VOICE_SPEEDS)
    speeds: dict[int, float | None] = held[1] if held and held[0] == id(live) else {}
    if any(i not in speeds for i in range(count)):
        with live.lock:
            bounds = live.analyzer.counted_bounds() or []
            series = live.analyzer.clean_series()
            concentric_first = CONCENTRIC_FIRST[live.analyzer.lift]
        reps = [Rep(i, *b, True) for i, b in enumerate(bounds[:count])]
        speeds = dict(enumerate(hand_speeds(series, reps, concentric_first)))
        st.session_state[VOICE_SPEEDS] = (id(live), speeds)
    return speeds


def events_of(live: LiveSession, snap: LiveSnapshot) -> list[RepEvent]:
    """Each rep's verdicts and speed: the bar's (m/s, ui.live_bar) when the live bar measured it, else the hands'."""
    hands = rep_speeds(live, len(snap.reps))
    bar = list(live.bar_speeds)
    out = []
    for r in snap.reps:
        measured = bar[r.index] if r.index < len(bar) else None
        speed, source = (measured, "bar") if measured is not None else (hands.get(r.index), "hands")
        out.append(rep_event(r.index, r.faults, getattr(r, "standards", None), getattr(r, "measurements", None),
                             speed, source))
    return out


def new_phrases(live: LiveSession, snap: LiveSnapshot | None, choice: VoiceChoice) -> list[Phrase]:
    """The phrases of the reps counted since speech was switched on (all of them when it was on from the start)."""
    if not choice.on or snap is None or not snap.reps:
        return []
    said = phrases(events_of(live, snap), choice.settings, set_id(live))
    since = st.session_state.get(VOICE_FROM)
    first = since[1] if since and since[0] == id(live) else 0
    return [p for p in said if p.rep_index is not None and p.rep_index >= first]


def hook(live: LiveSession, choice: VoiceChoice, slot):
    """``on_snapshot`` for ui.live.poll_panel: draws the speech component in ``slot`` when a new rep is in."""
    last = {"count": -1}

    def on_snapshot(snap: LiveSnapshot | None) -> None:
        count = len(snap.reps) if snap is not None else 0
        if not choice.on or count == last["count"]:
            return
        last["count"] = count
        found = new_phrases(live, snap, choice)
        if found:
            with slot.container():
                speech.speak(found)

    return on_snapshot
