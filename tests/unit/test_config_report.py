import json
import subprocess
import sys

import pytest

from core.config import AnalysisConfig
from core.report import SCHEMA, Report, RepReport


def test_unknown_config_key_raises():
    with pytest.raises(ValueError, match="unknown config keys"):
        AnalysisConfig().update(not_a_key=1)


def test_from_env_reads_overrides_and_hides_the_key():
    cfg = AnalysisConfig.from_env({"FORMLENS_POSE_WEIGHTS": "/x/w.pt", "GEMINI_API_KEY": "sk-secret-123",
                                   "FORMLENS_FRAME_STRIDE": "2", "FORMLENS_POSE_SESSIONS": "1"})
    assert cfg.pose_weights == "/x/w.pt" and cfg.frame_stride == 2 and cfg.pose_sessions == 1
    assert cfg.gemini_api_key == "sk-secret-123"
    assert "sk-secret-123" not in repr(cfg)


def test_config_file(tmp_path):
    p = tmp_path / "formlens.toml"
    p.write_text('[formlens]\npose_imgsz = 320\nmax_duration_s = 60.0\n')
    cfg = AnalysisConfig.from_env({"FORMLENS_CONFIG": str(p)})
    assert cfg.pose_imgsz == 320 and cfg.max_duration_s == 60.0


def _report() -> Report:
    rep = RepReport(0, 1.0, 1.8, 2.5, {"duration_s": 1.5, "min_hip_deg": 70.1}, ({"name": "x", "detected": False},))
    return Report(video={"fps": 30.0, "frames": 90, "duration_s": 3.0, "width": 640, "height": 480, "rotation": 0},
                  lift={"label": "deadlift", "confidence": 0.9}, style={"label": "conventional", "confidence": 0.5},
                  view={"label": "side"}, reps=(rep,), timing={"decode_s": 0.1, "pose_s": 1.0,
                                                               "analysis_s": 0.1, "total_s": 1.2},
                  extras={"frame_scores": {"p_bad": [0.1, None]}})


def test_report_json_has_the_schema_keys_and_round_trips():
    r = _report()
    d = json.loads(r.to_json())
    assert d["schema"] == SCHEMA
    for key in ("video", "lift", "style", "view", "reps", "timing"):
        assert key in d
    assert set(d["video"]) >= {"fps", "frames", "duration_s", "width", "height", "rotation"}
    assert set(d["reps"][0]) >= {"index", "start_s", "turn_s", "end_s", "metrics", "faults"}
    assert set(d["timing"]) == {"decode_s", "pose_s", "analysis_s", "total_s"}
    back = Report.from_json(r.to_json())
    assert back.to_dict() == r.to_dict()


def test_reps_csv_has_one_row_per_rep():
    lines = _report().reps_csv().strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("rep,start_s")


def test_importing_core_loads_no_heavy_or_ui_modules():
    code = ("import sys, core, core.pipeline, core.perception.video, core.report, core.render.figures; "
            "bad = [m for m in ('streamlit', 'torch', 'ultralytics') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
