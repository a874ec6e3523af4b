"""Heavy shared objects, loaded once per process and safe to share between sessions."""

from __future__ import annotations

import streamlit as st

from core.config import AnalysisConfig
from core.perception.pose import PoseBackend, backend_key, load_backend


@st.cache_resource(show_spinner="Loading the pose model (first time only)...")
def _backend(key: tuple[tuple[str, object], ...]) -> PoseBackend:
    return load_backend(AnalysisConfig().update(**dict(key)))


def pose_backend(config: AnalysisConfig) -> PoseBackend:
    """The shared backend for this config (every setting the backend reads, FORMLENS_POSE_SESSIONS included);
    safe to call from several sessions at once."""
    return _backend(backend_key(config))


def base_config() -> AnalysisConfig:
    """Config from the environment and FORMLENS_CONFIG (cheap, so read on every run: edits apply at once)."""
    return AnalysisConfig.from_env()
