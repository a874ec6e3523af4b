"""Streamlit glue shared by the pages (imports streamlit and core; core never imports ui)."""
