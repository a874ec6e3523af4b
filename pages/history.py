"""Athlete history: sets over time, trends, exports, and "delete my data"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.athlete_export import athlete_export_zip
from core.export import printable_html, sets_csv
from core.history import trend_figure
from ui import session
from ui.auth import require_signin
from ui.storage import md_escape, set_label, store, trends_of, upload_and_save

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

athletes = db.athletes()
if not athletes:
    st.info("No athletes yet. Add one above, then analyse a video and save it to their history.")
    st.stop()
by_id = {a.id: a for a in athletes}
athlete_id = st.selectbox("Athlete", list(by_id), key="hist_athlete",
                          format_func=lambda i: f"{by_id[i].name} ({by_id[i].n_sessions} sets)")
athlete = by_id[athlete_id]
with st.expander(f"Analyse and save a set for {md_escape(athlete.name)}"):
    upload_and_save(db, athlete.id, key="hist_upload")

sets = db.sessions(athlete_id=athlete.id)
st.subheader(f"Sets of {md_escape(athlete.name)}")
if not sets:
    st.info("No sets stored for this athlete yet.")
else:
    trends = trends_of(db, sets)
    st.plotly_chart(trend_figure(trends), width="stretch", key="hist_trends")
    st.dataframe(pd.DataFrame([{
        "Set": t.session_id, "Date (UTC)": t.recorded_at.strftime("%Y-%m-%d %H:%M"), "Lift": t.lift or "?",
        "Reps": t.rep_count, "ROM (°)": t.rom_deg, "Speed est. (body heights/s)": t.speed_bh_s,
        "Faults (share of reps)": ", ".join(f"{k} {v:.0%}" for k, v in t.fault_rate.items() if v) or "—",
    } for t in trends]), hide_index=True, width="stretch", key="hist_table")
    names = [athlete.name] * len(trends)
    c1, c2 = st.columns(2)
    c1.download_button("⬇ Sets (CSV)", sets_csv(names, trends), file_name="formlens_sets.csv", mime="text/csv",
                       key="hist_csv")
    c2.download_button("⬇ Printable report (HTML)", printable_html(f"FormLens history: {athlete.name}", names, trends),
                       file_name="formlens_history.html", mime="text/html", key="hist_html")

st.download_button(f"⬇ All of {md_escape(athlete.name)}'s data (ZIP: JSON, CSV, key frames, kept videos)",
                   lambda: athlete_export_zip(db, athlete.id), file_name=f"formlens_athlete_{athlete.id}.zip",
                   mime="application/zip", key="hist_export", on_click="ignore")

st.subheader("Delete data")
if sets:
    labels = {s.id: set_label(s) for s in sets}
    doomed = st.selectbox("Set to delete", list(labels), format_func=labels.get, key="hist_del_set")
    if st.button("Delete this set", key="hist_del_set_btn"):
        db.delete_session(doomed)
        st.rerun()
sure = st.checkbox(f"Yes, delete {md_escape(athlete.name)} and all of their sets, key frames and videos",
                   key="hist_del_athlete_ok")
if st.button("Delete athlete and all their data", key="hist_del_athlete", disabled=not sure):
    db.delete_athlete(athlete.id)
    st.rerun()
