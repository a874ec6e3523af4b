"""FormLens: the Streamlit entry point. Routing, logging and the theme only; no analysis here."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from ui.theme import apply_base_theme

HERE = Path(__file__).parent

st.set_page_config(page_title="FormLens", page_icon="🏋️", layout="wide")
apply_base_theme()  # contrast fixes of the light theme, on every page (ui/theme.py)
if "logging_configured" not in st.session_state:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    st.session_state["logging_configured"] = True

PAGES = [
    ("pages/home.py", "Home", "🏠"),
    ("pages/upload.py", "Analyse a video", "📤"),
    ("pages/live.py", "Live coaching", "🎥"),
    ("pages/history.py", "Athlete history", "📈"),
    ("pages/compare.py", "Compare", "⚖️"),
    ("pages/classroom.py", "Classroom", "🏫"),
]
pages = [st.Page(str(HERE / path), title=title, icon=icon, url_path=Path(path).stem)
         for path, title, icon in PAGES if (HERE / path).exists()]
st.navigation(pages).run()
