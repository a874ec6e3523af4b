"""The upload page's coaching panel through AppTest, with Gemini opted out (default) and opted in.

Only google-genai's ``Models.generate_content`` is patched; the page builds the real client.
"""

from __future__ import annotations

import json
from unittest.mock import patch

import pytest
from google.genai import types
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 240
SECRET = "AIzaSy-FORMLENS-APPTEST-SECRET-987654"
GENERATE = "google.genai.models.Models.generate_content"


def fake_gemini(_models, *, model, contents, config):
    """A well-behaved model: cites the first rep's measured lifting phase from the findings it got."""
    findings = json.loads(contents.split("\n", 1)[1])
    phase = findings["reps"][0]["lifting_phase_s"]
    answer = {"short": f"Rep 1: lifting phase {phase} s.", "faults_mentioned": [],
              "text": f"GEMINI SAYS: rep 1 took {phase} s to lift. Keep that tempo."}
    return types.GenerateContentResponse(
        candidates=[types.Candidate(content=types.Content(role="model", parts=[types.Part(text=json.dumps(answer))]))])


def analysed_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    data = clip_path("jeffchen_good").read_bytes()
    at.file_uploader(key="upload").set_value(("jeffchen_good.mp4", data, "video/mp4")).run()
    return at


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    from core.coaching import clear_cache

    clear_cache()


@pytest.mark.slow
def test_coaching_offline_by_default_then_gemini_when_opted_in():
    with patch(GENERATE, autospec=True, side_effect=fake_gemini) as gen:
        at = analysed_page()
        assert not at.exception, at.exception
        # opted out (the default): the offline coach, and nothing leaves the computer
        assert gen.call_count == 0 and not at.toggle(key="gemini_opt_in").value
        assert "Source: offline coach" in captions(at)
        body = "\n".join(m.value for m in at.markdown)
        assert "**Deadlift" in body and "1 rep, filmed from the side.**" in body and "lifting phase" in body

        # opted in, key typed into the sidebar's password field
        at.toggle(key="gemini_opt_in").set_value(True).run()
        at.text_input(key="gemini_key").set_value(SECRET).run()
        assert not at.exception, at.exception
        at.run()  # a rerun must not pay for a second call
    assert gen.call_count == 1
    assert "Source: Gemini (gemini-2.0-flash)" in captions(at)
    body = "\n".join(m.value for m in at.markdown)
    assert "GEMINI SAYS: rep 1 took" in body
    assert all("offline coach" not in w.value for w in at.warning)
    coaching = [c for c in at.session_state["coaching"].values() if c["source"] == "gemini"]
    assert len(coaching) == 1 and coaching[0]["text"].startswith("GEMINI SAYS")
    shown = body + captions(at) + "".join(w.value for w in at.warning) + json.dumps(coaching)
    assert SECRET not in shown  # the key is never shown back or stored with the coaching

    # switched off again: back to the offline coach without a call
    with patch(GENERATE, autospec=True, side_effect=fake_gemini) as gen:
        at.toggle(key="gemini_opt_in").set_value(False).run()
    assert gen.call_count == 0 and "Source: offline coach" in captions(at)
