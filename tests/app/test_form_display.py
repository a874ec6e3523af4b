"""The upload page shows form per rep with evidence, can't-judge text and per-frame good/bad bars (AppTest)."""

from __future__ import annotations

import json

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
    assert len(bars) == 1 and "yaxis2" in fig["layout"]  # angle rows + the good/bad strip row
    assert "P(bad form)" in bars[0]["hovertemplate"] and len(bars[0]["customdata"]) == len(bars[0]["x"])
    assert fig["layout"]["yaxis"]["title"]["text"] == "Angle (°)"

    text = "\n".join(m.value for m in at.markdown)
    assert "Hips rise first" in text and "early in the pull your" in text  # a verdict with its measured evidence
    assert "can't judge this from this angle" in text  # stance width from a side view
    assert "in the 1 rep that could be judged" in text or "of 1 judged rep shows a fault" in text  # the summary
    assert any("Rep 1" in e.label for e in at.expander)
