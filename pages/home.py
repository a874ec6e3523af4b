"""Landing page: what FormLens does and where to start."""

import streamlit as st

st.title("FormLens")
st.markdown(
    "Honest, fast feedback on your lift: **how many reps, which lift and style, where the form broke "
    "down, and how to fix it**. Everything runs on this computer; no video leaves it."
)
c1, c2 = st.columns(2)
with c1:
    st.subheader("📤 Analyse a video")
    st.write("Upload a phone video of one set and get reps, angles, key frames and downloads.")
    st.page_link("pages/upload.py", label="Analyse a video", icon="📤")
with c2:
    st.subheader("Filming tips")
    st.markdown("- Side view, camera at hip height\n- Whole body and the bar in frame\n"
                "- Good light, steady phone\n- One lifter in the middle of the picture")
