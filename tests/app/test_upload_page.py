"""The upload page through Streamlit's AppTest, with the real pose model and real clips."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 240


def upload_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    return at


def test_empty_state_before_upload():
    at = upload_page()
    assert not at.exception
    assert any("Upload a video of one set" in i.value for i in at.info)


def test_corrupt_file_gives_a_clear_error():
    at = upload_page()
    at.file_uploader(key="upload").set_value(("lift.mp4", b"definitely not a video" * 100, "video/mp4")).run()
    assert not at.exception
    assert len(at.error) == 1 and "not a video" in at.error[0].value


@pytest.mark.slow
def test_real_clip_full_report():
    at = upload_page()
    data = clip_path("jeffchen_good").read_bytes()
    at.file_uploader(key="upload").set_value(("jeffchen_good.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reps"] == "1"
    assert "deadlift" in metrics["Lift"]
    assert metrics["Camera view"] == "side"
    table = at.dataframe[0].value
    assert list(table["Rep"]) == [1]
    assert table["Lockout hip (°)"].iloc[0] > 150
    labels = [b.label for b in at.get("download_button")]
    assert any("JSON" in lbl for lbl in labels) and any("CSV" in lbl for lbl in labels)
    charts = [str(c.key) for c in at.get("plotly_chart")]
    assert sum("timeline" in k for k in charts) == 1  # the angle timeline (bar path and speed charts may follow)
    assert len(at.get("image")) == 10  # 10 evenly spaced key frames for the one rep

    # a correction: split the rep, the report follows
    at.number_input(key="rep_edit_split_i").set_value(1)
    at.button(key="rep_edit_split").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Reps"] == "2"
