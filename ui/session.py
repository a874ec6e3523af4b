"""Every st.session_state key in one place, with typed accessors."""

from __future__ import annotations

from typing import Any

import streamlit as st

UPLOAD_ANALYSIS = "upload_analysis"  # core.pipeline.Analysis of the current upload
UPLOAD_ID = "upload_id"  # file_id of the analysed upload
UPLOAD_BYTES = "upload_bytes"  # the uploaded video bytes (kept in memory, never on disk)
UPLOAD_NAME = "upload_name"
REP_BOUNDS = "rep_bounds"  # user-corrected (start, turn, end) sample indices, or None
LIFTER_ID = "lifter_id"  # user-chosen track id, or None
LIFT_OVERRIDE = "lift_override"
ANNOTATED_MP4 = "annotated_mp4"  # bytes of the rendered annotated video
KEY_FRAMES = "key_frames"
SAVED_UPLOADS = "saved_uploads"  # {upload file_id: stored set id}: an upload is saved once
OPEN_SET = "open_set"  # id of the stored set whose full report the history page shows, or None
PENDING_UPLOADS = "pending_uploads"  # {upload tag: Analysis} analysed but not stored: no rep was found, waiting
# for the user's say (ui.storage.upload_and_save)
SAVE_ANYWAY = "save_anyway"  # {upload tag: True} the user chose to store it all the same (no rep, or a video
# already stored as another set)

_DEFAULTS: dict[str, Any] = {
    UPLOAD_ANALYSIS: None, UPLOAD_ID: None, UPLOAD_BYTES: None, UPLOAD_NAME: "", REP_BOUNDS: None,
    LIFTER_ID: None, LIFT_OVERRIDE: None, ANNOTATED_MP4: None, KEY_FRAMES: None,
}
COACHING = "coaching"  # {findings hash, coach, tone: coaching dict}: a rerun never asks Gemini twice
_DEFAULTS[COACHING] = {}
_DEFAULTS[SAVED_UPLOADS] = {}
_DEFAULTS[OPEN_SET] = None
_DEFAULTS[PENDING_UPLOADS] = {}
_DEFAULTS[SAVE_ANYWAY] = {}
PAUSE_JUDGED = "pause_judged"  # the bench pause setting (s) the current upload was judged with
_DEFAULTS[PAUSE_JUDGED] = None

# Results live under the non-widget keys above, which Streamlit never drops. A widget's own value is
# dropped when a run does not draw it (every visit to another page) unless the widget is created with
# ``persist_state=PERSIST``: every choice a user expects to find again after visiting another page
# (sidebar settings, the athlete or sets looked at) is created that way.
PERSIST = "session"


def init() -> None:
    for key, value in _DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value


def get(key: str) -> Any:
    init()
    return st.session_state[key]


def put(key: str, value: Any) -> None:
    if key not in _DEFAULTS:
        raise KeyError(f"undeclared session key {key!r}")
    st.session_state[key] = value


def reset_upload() -> None:
    for key in (UPLOAD_ANALYSIS, UPLOAD_ID, UPLOAD_BYTES, REP_BOUNDS, LIFTER_ID, LIFT_OVERRIDE, ANNOTATED_MP4,
                KEY_FRAMES):
        st.session_state[key] = _DEFAULTS[key]

