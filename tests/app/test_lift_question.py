"""The upload page asks "Is this a bench press or a ...?" when the lift is unsure, and one click re-runs only
the cheap stages with the answer (AppTest, real pose on a real bench clip)."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from streamlit.testing.v1 import AppTest

from core.pipeline import analyze_trace
from core.types import FramePeople
from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 240


def test_unsure_lift_is_asked_and_the_answer_recounts_without_pose():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    data = clip_path("nadamarie_false_bench").read_bytes()
    at.file_uploader(key="upload").set_value(("bench.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    first = at.session_state["upload_analysis"]
    assert first.report.lift["label"] == "bench" and not any("Is this" in w.value for w in at.warning)

    # The same real pose pass with the arms hidden (a spotter's arms, plates): the evidence is weak.
    hidden = tuple(FramePeople(p.boxes, p.scores, _without_arms(p.keypoints)) for p in first.trace.people)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        unsure = analyze_trace(dataclasses.replace(first.trace, people=hidden))
    assert unsure.report.lift["label"] == "unsure"
    cands = [c["label"] for c in unsure.report.lift["candidates"]]
    assert "bench" in cands
    at.session_state["upload_analysis"] = unsure
    at.run()
    question = [w.value for w in at.warning if w.value.startswith("Is this a")]
    assert len(question) == 1 and "bench press" in question[0]

    at.button(key="lift_q_bench").click().run()
    assert not at.exception, at.exception
    after = at.session_state["upload_analysis"]
    assert after.report.lift == {"label": "bench", "confidence": 1.0, "source": "user"}
    assert after.trace is unsure.trace  # the answer re-ran analyze_trace on the stored pose pass, not pose
    assert not any(w.value.startswith("Is this a") for w in at.warning)
    assert "bench" in {m.label: m.value for m in at.metric}["Lift"].lower()


def _without_arms(kp):
    kp = kp.copy()
    kp[:, [7, 8, 9, 10], 2] = 0.02  # elbows and wrists unseen
    return kp
