"""Athlete history: sets over time, trends, exports, each set's full report, and "delete my data"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.records.athlete_export import athlete_export_zip
from core.records.export import printable_html, sets_csv
from core.records.history import TABLE_NOTE, by_lift, trend_figures, trend_rows
from ui import session
from ui.auth import require_signin
from ui.confirm import confirm_delete
from ui.render import saved_set_report
from ui.storage import md_escape, plural, set_label, store, trends_of, upload_and_save

TRENDS_PER_ROW = 2  # small charts side by side: each keeps ~600 px on a laptop, readable on a projector

session.init()
require_signin("history")
st.title("Athlete history")
db = store()

with st.expander("Add an athlete"):
    new_name = st.text_input("New athlete's name", key="hist_new_name", max_chars=120)
    if st.button("Add athlete", key="hist_add"):
        try:
            db.add_athlete(new_name)
            st.rerun()
        except ValueError as err:
            st.error(str(err))

athletes = db.athletes()  # read after any delete callback ran: the set counts are current
if not athletes:
    st.info("No athletes yet. Add one above, then analyse a video and save it to their history.")
    st.stop()
by_id = {a.id: a for a in athletes}
if st.session_state.get("hist_athlete") not in by_id:
    st.session_state.pop("hist_athlete", None)  # the athlete was deleted: fall back to the first
athlete_id = st.selectbox("Athlete", list(by_id), key="hist_athlete", persist_state=session.PERSIST,
                          format_func=lambda i: f"{by_id[i].name} ({plural(by_id[i].n_sessions, 'set')})")
athlete = by_id[athlete_id]
with st.expander(f"Analyse and save a set for {md_escape(athlete.name)}"):
    upload_and_save(db, athlete.id, key="hist_upload")

sets = db.sessions(athlete_id=athlete.id)
st.subheader(f"Sets of {md_escape(athlete.name)}")
if not sets:
    st.info("No sets stored for this athlete yet.")
else:
    trends = trends_of(db, sets)
    for lift, lift_trends in by_lift(trends).items():  # one lift per group of charts, never joined in a line
        st.markdown(f"### {md_escape(lift)} · {plural(len(lift_trends), 'set')}")
        charts = trend_figures(lift_trends)
        for row in range(0, len(charts), TRENDS_PER_ROW):
            for col, (name, fig) in zip(st.columns(TRENDS_PER_ROW), charts[row:row + TRENDS_PER_ROW], strict=False):
                col.plotly_chart(fig, width="stretch", key=f"hist_trend_{lift}_{name}")
    st.markdown("### All sets")
    st.table(pd.DataFrame(trend_rows(trends)), hide_index=True)  # a static table wraps long fault lists
    st.caption(TABLE_NOTE)
    names = [athlete.name] * len(trends)
    c1, c2 = st.columns(2)
    c1.download_button("⬇ Sets (CSV)", sets_csv(names, trends), file_name="formlens_sets.csv", mime="text/csv",
                       key="hist_csv")
    c2.download_button("⬇ Printable report (HTML)", printable_html(f"FormLens history: {athlete.name}", names, trends),
                       file_name="formlens_history.html", mime="text/html", key="hist_html")

    st.markdown("**Open a set's full report**")
    for s in reversed(sets):  # newest first
        c1, c2 = st.columns([4, 1])
        c1.markdown(md_escape(set_label(s)) + (" · video kept" if s.has_video else ""))
        if c2.button("Open report", key=f"hist_open_{s.id}"):
            session.put(session.OPEN_SET, s.id)
    opened = session.get(session.OPEN_SET)
    shown = next((s for s in sets if s.id == opened), None)
    if shown is not None:
        st.divider()
        if st.button("Close report", key="hist_close"):
            session.put(session.OPEN_SET, None)
            st.rerun()
        saved_set_report(db.load_report(shown.id), db.key_frames(shown.id),
                         db.video(shown.id) if shown.has_video else None,
                         f"Report of set #{shown.id}: {md_escape(set_label(shown))}", key=f"hist_set_{shown.id}")
        st.divider()

st.download_button(f"⬇ All of {md_escape(athlete.name)}'s data (ZIP: JSON, CSV, key frames, kept videos)",
                   lambda: athlete_export_zip(db, athlete.id), file_name=f"formlens_athlete_{athlete.id}.zip",
                   mime="application/zip", key="hist_export", on_click="ignore")

st.subheader("Delete data")
if sets:
    labels = {s.id: set_label(s) for s in sets}
    if st.session_state.get("hist_del_set") not in labels:
        st.session_state.pop("hist_del_set", None)
    doomed = st.selectbox("Set to delete", list(labels), format_func=labels.get, key="hist_del_set")
    confirm_delete("Delete this set", f"set #{doomed} ({labels[doomed]})", lambda d=doomed: db.delete_session(d),
                   key="hist_del_set_btn")
confirm_delete("Delete athlete and all their data",
               f"{athlete.name} and all of their {plural(len(sets), 'set')}, key frames and videos",
               lambda a=athlete.id: db.delete_athlete(a), key="hist_del_athlete")
