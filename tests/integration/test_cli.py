import json
import subprocess
import sys

import pytest

from core.pipeline import analyze_video
from core.report import Report
from tests.conftest import ONNX_WEIGHTS, ROOT, TEST_IMGSZ, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
def test_cli_matches_the_in_process_pipeline(tmp_path, backend, config):
    clip = clip_path("jeffchen_good")
    out, mp4 = tmp_path / "r.json", tmp_path / "a.mp4"
    res = run_cli("analyze", str(clip), "--json", str(out), "--annotated", str(mp4), "--weights", str(ONNX_WEIGHTS),
                  "--imgsz", str(TEST_IMGSZ))
    assert res.returncode == 0, res.stderr
    cli = Report.from_json(out.read_text())
    ours = analyze_video(clip, backend, config).report
    assert cli.rep_count == ours.rep_count == 1
    assert cli.lift == ours.lift
    assert [r.turn_s for r in cli.reps] == [r.turn_s for r in ours.reps]
    assert cli.series["hip"] == ours.series["hip"]
    assert mp4.stat().st_size > 10_000
    from core.perception.video import probe

    info = probe(mp4)
    assert info.frames == pytest.approx(ours.video["frames"], abs=2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"hello world, not a video" * 40, "not a video", id="text-renamed"),
    ],
)
def test_cli_bad_input_is_one_line_and_no_traceback(tmp_path, content, message):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(content)
    res = run_cli("analyze", str(bad), "--json", str(tmp_path / "o.json"), "--weights", str(ONNX_WEIGHTS))
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o.json").exists()


def test_cli_missing_weights_is_clear(tmp_path):
    res = run_cli("analyze", str(clip_path("jeffchen_good")), "--weights", str(tmp_path / "nope.pt"))
    assert res.returncode == 2
    assert "weights not found" in res.stderr and "Traceback" not in res.stderr


def test_report_json_is_strict_json(tmp_path, backend, config):
    report = analyze_video(clip_path("nadamarie_false_bench"), backend, config).report
    text = report.to_json()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["lift"]["label"] == "bench"


def test_cli_lift_override_counts_as_the_chosen_lift(tmp_path):
    """``--lift`` skips detection: the report says the user chose it, and the reps are counted as that lift."""
    out = tmp_path / "r.json"
    res = run_cli("analyze", str(clip_path("jeffchen_good")), "--json", str(out), "--weights", str(ONNX_WEIGHTS),
                  "--imgsz", str(TEST_IMGSZ), "--lift", "deadlift")
    assert res.returncode == 0, res.stderr
    report = Report.from_json(out.read_text())
    assert report.lift == {"label": "deadlift", "confidence": 1.0, "source": "user"}
    assert report.rep_count == 1
    assert "deadlift, 1 rep," in res.stderr


def test_cli_says_how_to_choose_when_the_lift_is_unsure():
    """The CLI's summary for an unsure report (hands hidden: squat or deadlift) names both and the --lift flags."""
    import dataclasses
    import warnings

    from core.__main__ import summary_line
    from core.judgment.learned.sim import simulate_scene
    from core.pipeline import analyze_trace
    from core.types import FramePeople

    scene = simulate_scene("squat", seed=14)
    hidden = []
    for p in scene.trace.people:
        kp = p.keypoints.copy()
        kp[:, [7, 8, 9, 10], 2] = 0.02  # elbows and wrists unseen
        hidden.append(FramePeople(p.boxes, p.scores, kp))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        report = analyze_trace(dataclasses.replace(scene.trace, people=tuple(hidden))).report
    line = summary_line("set.mp4", report)
    assert report.lift["label"] == "unsure"
    assert "--lift squat" in line and "--lift deadlift" in line and "not sure" in line
