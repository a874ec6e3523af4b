"""The upload page's sidebar picks the pose backend, and the page names the backend the report used."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 240  # s; first run loads the pose model


def test_sidebar_pose_model_choice_reaches_the_report():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/upload.py").run()
    choice = at.selectbox(key="pose_model")
    assert choice.options[:3] == ["YOLO11 pose, automatic (ONNX when it can be had: fastest)",
                                  "YOLO11 pose (ultralytics)", "YOLO11 pose, ONNX (fastest on CPU)"]
    choice.set_value("onnx").run()
    at.file_uploader(key="upload").set_value(("jeffchen_good.mp4", clip_path("jeffchen_good").read_bytes(),
                                             "video/mp4")).run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("Pose model: onnx:yolo11n-pose.onnx") for c in at.caption)
    assert {m.label: m.value for m in at.metric}["Reps"] == "1"
