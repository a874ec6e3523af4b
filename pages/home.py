"""Landing page: what FormLens does and where to start."""

from pathlib import Path

import streamlit as st

from ui.auth import require_signin

HERE = Path(__file__).parent
TASKS = [
    ("upload.py", "📤", "Analyse a video", "Upload a phone video of one set: reps, lift, angles, faults, key frames, "
     "downloads."),
    ("live.py", "🎥", "Live coaching", "Prop the camera by the platform: live skeleton, rep counter and a verdict "
     "per rep."),
    ("history.py", "📈", "Athlete history", "Saved sets over time: reps, fault rate, range of motion and speed."),
    ("compare.py", "⚖️", "Compare", "Two athletes or two sets side by side, aligned by rep phase."),
    ("classroom.py", "🏫", "Classroom", "Projector mode, a roster, a set per student and a class summary."),
]

require_signin("home")
st.title("FormLens")
st.markdown(
    "Honest, fast feedback on your lift: **how many reps, which lift and style, where the form broke "
    "down, and how to fix it**. Everything runs on this computer; no video leaves it."
)
cols = st.columns(2)
for i, (page, icon, title, text) in enumerate(t for t in TASKS if (HERE / t[0]).exists()):
    with cols[i % 2]:
        st.subheader(f"{icon} {title}")
        st.write(text)
        st.page_link(f"pages/{page}", label=title, icon=icon)
st.divider()
st.subheader("Filming tips")
st.markdown("- Side view, camera at hip height\n- Whole body and the bar in frame\n"
            "- Good light, steady phone\n- One lifter in the middle of the picture")
