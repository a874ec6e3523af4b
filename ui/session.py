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

_DEFAULTS: dict[str, Any] = {
    UPLOAD_ANALYSIS: None, UPLOAD_ID: None, UPLOAD_BYTES: None, UPLOAD_NAME: "", REP_BOUNDS: None,
    LIFTER_ID: None, LIFT_OVERRIDE: None, ANNOTATED_MP4: None, KEY_FRAMES: None,
}
COACHING = "coaching"  # {findings hash, coach, tone: coaching dict}: a rerun never asks Gemini twice
_DEFAULTS[COACHING] = {}
_DEFAULTS[SAVED_UPLOADS] = {}
_DEFAULTS[OPEN_SET] = None

# Results live under the non-widget keys above, which Streamlit never drops. A widget's own key is
# dropped at the end of any run that does not draw it (every visit to another page), so the choices a
# user expects to find again are re-stored on every run by keep_widget_values(), called from app.py.
KEPT_WIDGETS = (
    "height_cm", "blur_faces", "lift_choice", "pose_model",  # upload page sidebar
    "coach_tone", "gemini_opt_in",  # coaching sidebar (ui.coaching.TONE_SELECT, GEMINI_TOGGLE)
    "hist_athlete",  # history: the athlete looked at
    "cmp_a", "cmp_b", "cmp_rep_a", "cmp_rep_b", "cmp_best", "cmp_angle",  # compare: the two sets
)


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


def keep_widget_values() -> None:
    """Re-store the values of ``KEPT_WIDGETS`` so they survive runs of pages that do not draw them."""
    for key in KEPT_WIDGETS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
