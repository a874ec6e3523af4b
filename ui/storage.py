"""Streamlit glue for stored sets: the shared store, pickers, save-an-upload, key-frame strips,
projector styling. Pages stay thin by calling these."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from core.config import AnalysisConfig
from core.pipeline import Analysis
from core.records.auth import private_dir
from core.records.history import SetTrend, set_trend
from core.records.storage import FormStore, SetSummary, StoredKeyFrame, video_sha256
from core.report import plural  # the pages import it from here
from ui import session
from ui.auth import may_see_stored_data
from ui.render import no_rep_reason
from ui.theme import apply_projector
from ui.upload import analyse_upload, upload_box

logger = logging.getLogger(__name__)

NO_REP, DUPLICATE = "no_rep", "duplicate"  # why an upload waits for the user's say (session.SAVE_ANYWAY)
STORE_AGAIN = "Store a re-analysis as a new set anyway"  # the button under "already saved as set #N"


@st.cache_resource(show_spinner=False)
def _store(url: str) -> FormStore:
    return FormStore.open(url)


@st.cache_resource(show_spinner=False)
def _private_data_dir(path: str) -> None:
    """The app's data folder (database, password file) is made 0700 once per process."""
    try:
        private_dir(Path(path), tighten=True)
    except OSError:
        logger.warning("could not make the data folder %s private", path)


def database_url() -> str:
    """Read per run (cheap), so FORMLENS_DATABASE_URL / FORMLENS_DATA_DIR changes take effect."""
    config = AnalysisConfig.from_env()
    _private_data_dir(config.data_dir)
    return config.resolved_database_url()


def store() -> FormStore:
    """The shared store (one engine and pool per database URL per process); stops the page with a
    clear message when the database cannot be reached."""
    url = database_url()
    try:
        return _store(url)
    except (SQLAlchemyError, OSError) as err:
        logger.exception("database %s unavailable", _redact(url))
        st.error(f"FormLens cannot open its database ({_redact(url)}): {type(err).__name__}. "
                 "Check FORMLENS_DATABASE_URL or the data folder's permissions.")
        st.stop()
        raise  # for type checkers; st.stop() raises


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def md_escape(text: str) -> str:
    """Escape user text (athlete names) for st.markdown: no links, emphasis or HTML from a name."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~&])", r"\\\1", str(text))


def projector_style(on: bool) -> None:
    """Projector mode (the palette and CSS live in ui/theme.py)."""
    apply_projector(on)


def already_saved_text(s: SetSummary, with_name: bool = True) -> str:
    """ "This video is already saved as set #5 (Ana · 2026-03-01 10:00 · deadlift · 1 rep)": names only where the
    page may show them (not on a class's projector)."""
    what = set_label(s) if with_name else f"recorded {s.recorded_at.strftime('%Y-%m-%d %H:%M')}"
    return f"This video is already saved as set #{s.id} ({what}); nothing new was stored."


def set_label(s: SetSummary, name: str | None = None) -> str:
    when = s.recorded_at.strftime("%Y-%m-%d %H:%M")
    return f"{name or s.athlete_name} · {when} · {s.lift or '?'} · {plural(s.rep_count, 'rep')} · #{s.id}"


def trends_of(db: FormStore, sets: list[SetSummary]) -> list[SetTrend]:
    return [set_trend(s.id, s.recorded_at, db.load_report(s.id)) for s in sets]


def key_frame_strip(frames: list[StoredKeyFrame], label: str, limit: int = 6, per_row: int = 6) -> None:
    """Rows of up to ``per_row`` stored annotated key frames with their rep phase (fewer per row = larger)."""
    if not frames:
        st.caption(f"No key frames stored for {label}.")
        return
    shown = frames[:limit]
    for row in range(0, len(shown), per_row):
        cols = st.columns(per_row)
        for col, k in zip(cols, shown[row:row + per_row], strict=False):
            col.image(k.jpeg, caption=f"{label} · rep {k.rep_index + 1} · {k.phase_pct:.0f} %", width="stretch")


def save_analysis(db: FormStore, athlete_id: int, analysis: Analysis, data: bytes, name: str,
                  keep_video: bool) -> int:
    """Store the report with small key frames; the video only when the user ticked the box."""
    from core.records.snapshots import stored_key_frames

    try:  # no video bytes (a live set without its recording): no key frames
        frames = stored_key_frames(io.BytesIO(data), analysis) if analysis.reps and data else []
    except Exception:  # key frames are a nice-to-have; the report is what matters
        logger.exception("key frames of %r failed", name)
        frames = []
    return db.save_session(athlete_id, analysis.report, name, video=data if keep_video and data else None,
                           key_frames=frames, video_sha256=video_sha256(data) if data else None)


def _say_yes(reason: str, tag: str) -> None:
    """Button callback: the user chose to store this upload although ``reason`` (no rep, or stored already)."""
    session.put(session.SAVE_ANYWAY, {**session.get(session.SAVE_ANYWAY), f"{reason}:{tag}": True})


def _say_no(tag: str) -> None:
    """Button callback: the user chose not to store this upload (it is remembered as "not saved")."""
    session.put(session.PENDING_UPLOADS, {k: v for k, v in session.get(session.PENDING_UPLOADS).items() if k != tag})
    session.put(session.SAVED_UPLOADS, {**session.get(session.SAVED_UPLOADS), tag: None})


def upload_and_save(db: FormStore, athlete_id: int | None, key: str, classroom_id: int | None = None) -> int | None:
    """Uploader + keep-video box: analyse a new upload once and store it for ``athlete_id``; returns the set's id.

    Two things wait for the user's say instead of being stored: a video already stored as a set (found by its
    sha256; "already saved as set #N", with a button to store a re-analysis anyway), and an analysis with no rep
    (the reason in plain words, with "Save it anyway" and "Don't save it"). ``classroom_id`` (the classroom
    page): look for the video among that class's sets only, and name no one."""
    # the choice comes first: analysis and saving start as soon as the file lands
    keep = st.checkbox("Keep the video file too (off: only measurements and small key frames)", False,
                       key=f"{key}_keep_video")
    upload = upload_box("Video of one set", key=f"{key}_file")
    if upload is None or athlete_id is None:
        return None
    saved = session.get(session.SAVED_UPLOADS)
    tag = f"{upload.file_id}:{athlete_id}"
    if tag in saved:
        if saved[tag] is None:
            st.info("Not saved. Upload another video to record this set again.")
        return saved[tag]
    data = upload.getvalue()
    anyway = session.get(session.SAVE_ANYWAY)
    earlier = [] if anyway.get(f"{DUPLICATE}:{tag}") else db.sets_of_video(video_sha256(data), classroom_id)
    if earlier:
        st.info(already_saved_text(earlier[-1], with_name=classroom_id is None))
        st.button(STORE_AGAIN, key=f"{key}_again", on_click=_say_yes, args=(DUPLICATE, tag))
        return earlier[-1].id if earlier[-1].athlete_id == athlete_id else None
    pending = session.get(session.PENDING_UPLOADS)
    analysis = pending.get(tag) or analyse_upload(data, upload.name, AnalysisConfig.from_env())
    if analysis is None:
        return None
    if not analysis.report.reps and not anyway.get(f"{NO_REP}:{tag}"):
        session.put(session.PENDING_UPLOADS, {tag: analysis})  # no second analysis on the next run; one kept
        st.warning(f"Not saved: {no_rep_reason(analysis.report)} A set with no rep is saved only if you say so.")
        c1, c2 = st.columns(2)
        c1.button("Save it anyway, as a set with no rep", key=f"{key}_no_rep_save", on_click=_say_yes,
                  args=(NO_REP, tag))
        c2.button("Don't save it", key=f"{key}_no_rep_skip", type="primary", on_click=_say_no, args=(tag,))
        return None
    try:
        set_id = save_analysis(db, athlete_id, analysis, data, upload.name, keep)
    except (SQLAlchemyError, ValueError) as err:
        logger.exception("saving %r failed", upload.name)
        st.error(f"The set was analysed but could not be saved: {type(err).__name__}.")
        return None
    session.put(session.PENDING_UPLOADS, {k: v for k, v in pending.items() if k != tag})
    session.put(session.SAVED_UPLOADS, {**saved, tag: set_id})  # copy: never mutate the shared default
    lift = analysis.report.lift.get("label") or "unknown lift"
    st.success(f"Saved: {plural(analysis.report.rep_count, 'rep')} of {lift}.")
    return set_id


def difference_frame(diffs: list) -> object:
    """The metric-by-metric table, notable differences highlighted (pandas Styler for st.dataframe)."""
    import pandas as pd

    frame = pd.DataFrame([{"Metric": d.label, "A": d.a, "B": d.b, "B − A": d.difference,
                           "Notable": "◀ differs" if d.notable else ""} for d in diffs])
    if frame.empty:
        return frame

    def highlight(row: pd.Series) -> list[str]:
        style = "background-color: #ffe08a; font-weight: bold" if row["Notable"] else ""
        return [style] * len(row)

    return frame.style.apply(highlight, axis=1).format(precision=2, na_rep="—")


def athlete_choice(db: FormStore, key: str, classroom_id: int | None = None) -> int | None:
    """Pick an existing athlete, or add one by name (then selected)."""
    names = {a.id: a.name for a in db.athletes(classroom_id)}
    c1, c2 = st.columns([2, 1])
    with c2:
        st.text_input("…or a new athlete's name", key=f"{key}_new_name", max_chars=120)
        st.button("Add athlete", key=f"{key}_add", on_click=_add_athlete, args=(db, key, classroom_id))
        if err := st.session_state.pop(f"{key}_error", None):
            st.error(err)
    if not names:
        st.caption("Add an athlete first.")
        return None
    with c1:
        return st.selectbox("Athlete", list(names), key=f"{key}_athlete", format_func=names.get)


def _add_athlete(db: FormStore, key: str, classroom_id: int | None) -> None:
    """Button callback: runs before the rerun, so it may select the new athlete in the selectbox."""
    try:
        st.session_state[f"{key}_athlete"] = db.add_athlete(st.session_state.get(f"{key}_new_name", ""),
                                                            classroom_id)
        st.session_state[f"{key}_new_name"] = ""
    except ValueError as err:
        st.session_state[f"{key}_error"] = str(err)


def save_panel(analysis: Analysis, data: bytes, name: str, key: str = "save") -> None:
    """Upload page: store the analysed set in an athlete's history (video only if ticked)."""
    if not may_see_stored_data():  # the owner left the upload page open: no athlete names to strangers
        st.info("Sign in (in the sidebar) to save this set to an athlete's history.")
        return
    db = store()
    athlete_id = athlete_choice(db, key=key)
    keep = st.checkbox("Keep the video file too (off: only measurements and small key frames)", False,
                       key=f"{key}_keep_video")
    digest = video_sha256(data) if data else None
    asked = f"{key}_duplicate"  # st.session_state: (athlete id, video sha256) of the "already saved" notice shown
    if st.button("Save to history", key=f"{key}_button", disabled=athlete_id is None):
        earlier = db.sets_of_video(digest) if digest else []
        if db.saved_set_id(athlete_id, analysis.report, name) is None and earlier:
            st.session_state[asked] = (athlete_id, digest)  # the same video, stored before: ask first
        else:
            _save_set(db, athlete_id, analysis, data, name, keep)
    if athlete_id is not None and st.session_state.get(asked) == (athlete_id, digest):
        notice = st.empty()
        if st.button(STORE_AGAIN, key=f"{key}_again"):
            st.session_state.pop(asked, None)
            _save_set(db, athlete_id, analysis, data, name, keep)
        elif earlier := db.sets_of_video(digest):
            notice.info(already_saved_text(earlier[-1]))


def _save_set(db: FormStore, athlete_id: int, analysis: Analysis, data: bytes, name: str, keep: bool) -> None:
    try:  # the store keeps one set per analysis and athlete, however often Save is clicked
        before = db.saved_set_id(athlete_id, analysis.report, name)
        set_id = before if before is not None else save_analysis(db, athlete_id, analysis, data, name, keep)
    except (SQLAlchemyError, ValueError) as err:
        logger.exception("saving %r failed", name)
        st.error(f"The set could not be saved: {type(err).__name__}.")
        return
    if before is not None:
        st.info(f"Already saved as set #{set_id}; nothing new was stored.")
    else:
        st.success(f"Saved as set #{set_id}. See it under Athlete history or Compare.")
