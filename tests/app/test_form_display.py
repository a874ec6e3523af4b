"""The upload page shows form per rep with evidence, can't-judge text and per-frame good/bad bars (AppTest)."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 240


@pytest.mark.slow
def test_upload_shows_faults_evidence_and_frame_bars():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    data = clip_path("jeffchen_good").read_bytes()
    at.file_uploader(key="upload").set_value(("jeffchen_good.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    assert not at.error

    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(bars) == 1 and "yaxis2" in fig["layout"]  # angle rows + the strip of calls, one bar per rep
    assert len(bars[0]["x"]) == len(bars[0]["customdata"]) == 1  # jeffchen_good: one rep
    assert bars[0]["customdata"][0].startswith("Rep 1: ")  # the hover says the rep's light or status and why
    assert fig["layout"]["yaxis"]["title"]["text"] == "Angle (°)"

    text = "\n".join(m.value for m in at.markdown)
    assert "Hips rise first" in text and "early in the pull your" in text  # a verdict with its measured evidence
    assert re.search(r"Not judged from this view: [^\n]*stance width", text)  # stance width from a side view
    assert re.search(r"Referee: 1 (white light|red)", text)  # the summary: the rep's referee light
    assert any("Rep 1" in e.label for e in at.expander)
