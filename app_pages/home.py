"""Landing page: what FormLens does and where to start (one clear first step per kind of user)."""

from pathlib import Path

import streamlit as st

from ui.auth import require_signin
from ui.theme import PAGE_ICONS

HERE = Path(__file__).parent
TASKS = [
    ("upload.py", "Analyse a video", "Upload a phone video of one set: reps, lift, angles, faults, key frames, "
     "downloads."),
    ("live.py", "Live coaching", "Prop the camera by the platform: live skeleton, rep counter and a verdict "
     "per rep."),
    ("history.py", "Athlete history", "Saved sets over time: reps, fault rate, range of motion and speed."),
    ("compare.py", "Compare", "Two athletes or two sets side by side, aligned by rep phase."),
    ("classroom.py", "Classroom", "Projector mode, a roster, a set per student and a class summary."),
]
# (who, page, first step): the one thing each kind of user should do first
START_HERE = [
    ("I lift", "upload.py", "Start here: analyse a video",
     "Film one set from the side (phone at hip height, whole body in the picture), then upload it. "
     "No video yet? **Live coaching** counts your reps from the laptop's camera."),
    ("I coach athletes", "upload.py", "Start here: analyse an athlete's set",
     "Upload a set, then **Save to an athlete's history** at the bottom of the report. "
     "Their sets then appear in **Athlete history** and **Compare**."),
    ("I teach a PE class", "classroom.py", "Start here: open the classroom",
     "Create a class, add your students (shown anonymised), record a set per student, "
     "then show the class summary in **projector mode**."),
]

require_signin("home")
st.title("FormLens")
st.markdown(
    "Honest, fast feedback on your lift: **how many reps, which lift and style, where the form broke "
    "down, and how to fix it**. Everything runs on this computer; no video leaves it."
)
st.header("Where to start")
for col, (who, page, label, text) in zip(st.columns(3), START_HERE, strict=True):
    with col, st.container(border=True):
        st.markdown(f"**{who}**")
        if (HERE / page).exists():
            st.page_link(f"app_pages/{page}", label=label, icon=PAGE_ICONS[page])
        st.markdown(text)
st.divider()
st.header("Everything FormLens does")
cols = st.columns(2)
for i, (page, title, text) in enumerate(t for t in TASKS if (HERE / t[0]).exists()):
    with cols[i % 2]:
        st.subheader(f"{PAGE_ICONS[page]} {title}")
        st.write(text)
        st.page_link(f"app_pages/{page}", label=title, icon=PAGE_ICONS[page])
st.divider()
st.subheader("Filming tips")
st.markdown("- Side view, camera at hip height\n- Whole body and the bar in frame\n"
            "- Good light, steady phone\n- One lifter in the middle of the picture")
