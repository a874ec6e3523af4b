"""FormLens: the Streamlit entry point. Routing, logging and the theme only; no analysis here."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from ui.auth import navigation_kinds
from ui.theme import PAGES, apply_base_theme

HERE = Path(__file__).parent

st.set_page_config(page_title="FormLens", page_icon=":material/fitness_center:", layout="wide")
apply_base_theme()  # contrast fixes of the light theme, on every page (ui/theme.py)
if "logging_configured" not in st.session_state:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    st.session_state["logging_configured"] = True

# The page scripts live in app_pages/, not pages/: Streamlit runs a fresh server's first script run in its old
# automatic multipage mode whenever a folder named pages/ sits next to the main script, and the sidebar then
# lists raw file names ("app, classroom, ...") instead of this one navigation (second-walk issue, item 2).
# The pages, titles and icons: ui.theme.PAGES (Material Symbols, never emoji).
# One navigation built from this session's role: a student device lists only the pages a student may use.
kinds = navigation_kinds()
pages = [st.Page(str(HERE / path), title=title, icon=icon, url_path=Path(path).stem)
         for path, title, icon in PAGES if (HERE / path).exists() and Path(path).stem in kinds]
st.navigation(pages).run()
