"""The classroom page on a student device: record a set, see that set's result, nothing else.

No roster, no other student's set, no class summary: the student types their own name, uploads the
set, and sees the result of the set just recorded on this device. "Next student" clears it.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.config import AnalysisConfig
from core.records.auth import Access
from core.records.storage import FormStore, clean_name, video_sha256
from ui import render
from ui.auth import STUDENT_RESULT_KEY
from ui.storage import save_analysis
from ui.upload import analyse_upload, upload_box

logger = logging.getLogger(__name__)


def _athlete_for(db: FormStore, classroom_id: int, name: str) -> int:
    """The roster entry with this name in this class (case and spaces ignored), else a new one.
    The page says the same in both cases, so typing names reveals nobody's presence."""
    wanted = clean_name(name).casefold()
    for a in db.athletes(classroom_id):
        if a.name.casefold() == wanted:
            return a.id
    return db.add_athlete(name, classroom_id)


def student_view(db: FormStore, access: Access) -> None:
    st.title("Record your set")
    done = st.session_state.get(STUDENT_RESULT_KEY)
    if done is not None:
        report = db.load_report(done)
        st.success("Saved to your record. Your result:")
        render.report_body(report)
        if st.button("Next student", key="stu_next", type="primary"):
            st.session_state.pop(STUDENT_RESULT_KEY, None)
            for key in ("stu_name", "stu_file"):
                st.session_state.pop(key, None)
            st.rerun()
        return
    name = st.text_input("Your name (as your teacher knows you)", key="stu_name", max_chars=120)
    upload = upload_box("Video of your set", key="stu_file")
    if upload is None or not name.strip():
        st.info("Type your name, then upload the video of your set.")
        return
    data = upload.getvalue()
    if db.sets_of_video(video_sha256(data), access.classroom_id):  # no set number, no name: a student's device
        st.info("This video is already saved for your class; nothing new was stored. Record your set again to "
                "add another one, or ask your teacher.")
        return
    analysis = analyse_upload(data, upload.name, AnalysisConfig.from_env())
    if analysis is None:
        return
    if not analysis.report.reps:  # not saved: only the teacher may store a set with no rep (on the Classroom page)
        st.warning(f"Not saved: {render.no_rep_reason(analysis.report)} Film the whole rep again, with your "
                   "whole body in the picture, and upload it; or ask your teacher.")
        return
    try:
        athlete_id = _athlete_for(db, access.classroom_id, name)
        set_id = save_analysis(db, athlete_id, analysis, data, upload.name, keep_video=False)
    except (SQLAlchemyError, ValueError) as err:
        logger.exception("saving a student's set failed")
        st.error(f"The set was analysed but could not be saved: {err}")
        return
    st.session_state[STUDENT_RESULT_KEY] = set_id
    st.rerun()

