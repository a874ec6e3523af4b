"""After "Finish set" on the live page: a rest timer, and "Save and start next set" (one click) to one athlete's
training session.

A training session is the sets saved from one run of the live page for one athlete: each is stored as its own set
(core.records.storage.FormStore.save_session) with the source name "<session label> · set <n>", so History lists
them in order under the same athlete and the set numbers count up. The athlete is chosen once, before the first
save; later sets go to the same athlete and session until "Change athlete".
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.records.storage import FormStore
from ui import live as ui_live
from ui import speech
from ui.auth import may_see_stored_data
from ui.storage import athlete_choice, save_analysis, store

logger = logging.getLogger(__name__)

LOG = "live.set_log"  # SetLog of this browser session: the athlete and session the next set is saved to
REST_FROM = "live.rest_from"  # (LiveSession id, wall time s when its rest began)
LOG_KEY = "live_log"  # widget key prefix of this panel
SAVED = "live.log_saved"  # the last "Save and start next set" message, shown until the next set starts
SAVE_ERROR = "live.log_save_error"  # why the last save failed
SET_WORD = "set"  # "<label> · set 3"
DEFAULT_REST_S = 180  # s; 3-5 min between heavy strength sets (NSCA Essentials 4th ed., ch. 17); lifter's choice


@dataclass(frozen=True)
class SetLog:
    athlete_id: int
    label: str  # "Live session 2026-12-06 10:52"


def session_label(now: datetime | None = None) -> str:
    return f"Live session {(now or datetime.now()).strftime('%Y-%m-%d %H:%M')}"


def set_name(label: str, number: int) -> str:
    return f"{label} · {SET_WORD} {number}"


def next_set_number(db: FormStore, log: SetLog) -> int:
    """1 + the sets already stored for this athlete in this session (counted in the database, so a rerun or a
    second tab never reuses a number)."""
    prefix = f"{log.label} · {SET_WORD} "
    numbers = [int(s.source_name[len(prefix):]) for s in db.sessions(log.athlete_id)
               if s.source_name.startswith(prefix) and s.source_name[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


def save_and_next(analysis, athlete_id: int | None) -> None:
    """Button callback: store the finished set as the next set of the session, then start a new set. The
    recording (when kept) is read at the click: the report below the button made it after the button was drawn;
    its key frames are stored, the video itself is not."""
    data = st.session_state.get(ui_live.LIVE_RECORDING) or b""
    log = st.session_state.get(LOG)
    if log is None:
        if athlete_id is None:
            st.session_state[SAVE_ERROR] = "Choose an athlete first."
            return
        log = SetLog(athlete_id, session_label())
    db = store()
    try:
        number = next_set_number(db, log)
        set_id = save_analysis(db, log.athlete_id, analysis, data, set_name(log.label, number), keep_video=False)
    except (SQLAlchemyError, ValueError) as err:
        logger.exception("saving the live set failed")
        st.session_state[SAVE_ERROR] = f"The set could not be saved: {type(err).__name__}."
        return
    st.session_state[LOG] = log
    st.session_state[SAVE_ERROR] = None
    st.session_state[SAVED] = f"Saved as {set_name(log.label, number)} (set #{set_id})."
    ui_live.new_set()


def change_athlete() -> None:
    st.session_state[LOG] = None


def rest_timer(live: ui_live.LiveSession, rest_s: float, spoken: bool) -> bool:
    """The rest countdown, started when a set was finished; it goes on after "Save and start next set" until the
    next set's first frame (drawn again on every rerun, never restarted). True when it is shown."""
    held = st.session_state.get(REST_FROM)
    if live.stopped and (not held or held[0] != id(live)):
        held = (id(live), time.time())
        st.session_state[REST_FROM] = held
    if not held or (not live.stopped and live.frames_in > 0):
        return False
    speech.rest_timer(int((held[1] + rest_s) * 1000), f"rest/{int(held[1] * 1000)}", spoken)
    return True


def set_log_panel(analysis, live: ui_live.LiveSession, rest_s: float, spoken: bool) -> None:
    """After "Finish set": the rest timer and "Save and start next set"; the last save's message."""
    if live.stopped or live.frames_in > 0:  # the saved message belongs to the gap before the next set
        st.session_state[SAVED] = None
    elif msg := st.session_state.get(SAVED):
        st.success(msg)
    if rest_timer(live, rest_s, spoken) and live.stopped:
        st.caption("Rest, then the next set.")
    if analysis is None or not live.stopped:
        return
    if not may_see_stored_data():
        st.info("Sign in (in the sidebar) to save sets to an athlete's training session.")
        return
    log: SetLog | None = st.session_state.get(LOG)
    db = store()
    athlete_id = None
    if log is None:
        athlete_id = athlete_choice(db, key=LOG_KEY)
    else:
        name = next((a.name for a in db.athletes() if a.id == log.athlete_id), "?")
        st.caption(f"Saving to **{name}**, {log.label}: this will be {SET_WORD} {next_set_number(db, log)}.")
        st.button("Change athlete", key=f"{LOG_KEY}_change", on_click=change_athlete)
    st.button("Save and start next set", key=f"{LOG_KEY}_next", type="primary",
              disabled=log is None and athlete_id is None, on_click=save_and_next, args=(analysis, athlete_id))
    if err := st.session_state.get(SAVE_ERROR):
        st.error(err)
