"""Heavy shared objects, loaded once per process and safe to share between sessions."""

from __future__ import annotations

import streamlit as st

from core.config import AnalysisConfig
from core.perception.pose import PoseBackend, load_backend


@st.cache_resource(show_spinner="Loading the pose model (first time only)...")
def _backend(backend: str, weights: str, imgsz: int, vitpose: str | None) -> PoseBackend:
    cfg = AnalysisConfig().update(pose_backend=backend, pose_weights=weights, pose_imgsz=imgsz,
                                  vitpose_weights=vitpose)
    return load_backend(cfg)


def pose_backend(config: AnalysisConfig) -> PoseBackend:
    """The shared backend for this config; its predict() is lock-guarded."""
    return _backend(config.pose_backend, config.pose_weights, config.pose_imgsz, config.vitpose_weights)


def base_config() -> AnalysisConfig:
    """Config from the environment and FORMLENS_CONFIG (cheap, so read on every run: edits apply at once)."""
    return AnalysisConfig.from_env()
