"""The three pose backends behind one factory: ONNX matches the .pt model on a real frame, ViTPose's
top-down plumbing runs end to end on a tiny random model, and bad settings give clear messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.config import AnalysisConfig
from core.errors import ModelUnavailable
from core.perception.pose import PoseBackend, load_backend
from core.perception.video import iter_frames
from core.pipeline import analyze_video
from tests.conftest import ONNX_WEIGHTS, PT_WEIGHTS, TEST_IMGSZ, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

FRAME = 58  # bichraix_good001 frame documented in the weights' PROVENANCE.md (lifter mid-pull)
MAX_KEYPOINT_DIFF_PX = 3.0  # px at 1280x720: "within a few pixels" of the .pt backend


@pytest.fixture(scope="module")
def real_frames():
    return [f.image for f in iter_frames(clip_path("bichraix_good001")) if FRAME <= f.index < FRAME + 2]


def _lifter(people):
    area = (people.boxes[:, 2] - people.boxes[:, 0]) * (people.boxes[:, 3] - people.boxes[:, 1])
    return int(np.argmax(area))


def test_onnx_backend_matches_pt_backend_on_a_real_frame(real_frames):
    base = AnalysisConfig(pose_imgsz=TEST_IMGSZ)
    onnx = load_backend(base.update(pose_backend="onnx", pose_weights=str(ONNX_WEIGHTS)))
    pt = load_backend(base.update(pose_backend="yolo", pose_weights=str(PT_WEIGHTS)))
    assert isinstance(onnx, PoseBackend) and onnx.name.startswith("onnx:yolo11n-pose.onnx")
    for ours, ref in zip(onnx.predict(real_frames), pt.predict(real_frames), strict=True):  # a batch of 2
        a, b = ours.keypoints[_lifter(ours)], ref.keypoints[_lifter(ref)]
        confident = (a[:, 2] > 0.5) & (b[:, 2] > 0.5)
        assert confident.sum() >= 12
        assert np.abs(a[confident, :2] - b[confident, :2]).max() < MAX_KEYPOINT_DIFF_PX
        assert np.allclose(ours.boxes[_lifter(ours)], ref.boxes[_lifter(ref)], atol=MAX_KEYPOINT_DIFF_PX)
    # PROVENANCE.md: lifter box (514, 33, 749, 674) at frame 58
    first = onnx.predict(real_frames[:1])[0]
    assert np.allclose(first.boxes[_lifter(first)], [514, 33, 749, 674], atol=25)


def test_onnx_backend_finds_its_sibling_of_a_pt_path():
    backend = load_backend(AnalysisConfig(pose_backend="onnx", pose_weights=str(PT_WEIGHTS), pose_imgsz=320))
    assert backend.name == "onnx:yolo11n-pose.onnx@320"


def test_auto_backend_runs_onnx_directly_when_it_can(tmp_path):
    """auto: an .onnx file or a .pt with an .onnx sibling runs on onnxruntime directly."""
    from core.perception.pose import auto_backend

    assert auto_backend(str(ONNX_WEIGHTS)) == ("onnx", str(ONNX_WEIGHTS))
    assert auto_backend(str(PT_WEIGHTS)) == ("onnx", str(PT_WEIGHTS.with_suffix(".onnx")))  # shared/ has both
    backend = load_backend(AnalysisConfig(pose_weights=str(PT_WEIGHTS), pose_imgsz=320))  # default backend: auto
    assert AnalysisConfig().pose_backend == "auto" and backend.name == "onnx:yolo11n-pose.onnx@320"


def test_auto_backend_exports_a_lone_pt_once_and_matches_it(tmp_path, real_frames):
    """A .pt alone (as ultralytics downloads it) is exported to ONNX next to it, once; the export's
    keypoints equal the .pt's through ultralytics."""
    import shutil

    from core.perception.pose import auto_backend

    pt = tmp_path / "yolo11n-pose.pt"
    shutil.copy(PT_WEIGHTS, pt)
    kind, onnx = auto_backend(str(pt))
    assert (kind, onnx) == ("onnx", str(tmp_path / "yolo11n-pose.onnx")) and Path(onnx).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["yolo11n-pose.onnx", "yolo11n-pose.pt"]  # no leftovers
    made = Path(onnx).stat().st_mtime_ns
    assert auto_backend(str(pt)) == ("onnx", onnx) and Path(onnx).stat().st_mtime_ns == made  # not redone
    base = AnalysisConfig(pose_imgsz=TEST_IMGSZ)
    ours = load_backend(base.update(pose_weights=str(pt))).predict(real_frames)
    ref = load_backend(base.update(pose_backend="yolo", pose_weights=str(pt))).predict(real_frames)
    for a, b in zip(ours, ref, strict=True):
        assert np.abs(a.keypoints[_lifter(a), :, :2] - b.keypoints[_lifter(b), :, :2]).max() < 0.5  # px


def test_auto_backend_falls_back_to_ultralytics_when_no_export_can_be_made(tmp_path, caplog):
    from core.perception.pose import auto_backend

    broken = tmp_path / "broken-pose.pt"
    broken.write_text("not a model")
    assert auto_backend(str(broken)) == ("yolo", str(broken))
    assert "no ONNX export" in caplog.text


@pytest.mark.parametrize("settings, message", [
    pytest.param({"pose_backend": "onnx", "pose_weights": "/nowhere/model.onnx"}, "needs a local yolo", id="no-onnx"),
    pytest.param({"pose_backend": "vitpose", "vitpose_weights": None}, "needs a local weights folder", id="no-vitpose"),
    pytest.param({"pose_backend": "vitpose", "vitpose_weights": "/nowhere"}, "FORMLENS_VITPOSE_WEIGHTS", id="bad-dir"),
])
def test_missing_weights_give_a_clear_message(settings, message):
    with pytest.raises(ModelUnavailable, match=message):
        load_backend(AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=320).update(**settings))


def test_unknown_backend_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"allowed: \['auto', 'yolo', 'onnx', 'vitpose'\]"):
        load_backend(AnalysisConfig(pose_backend="movenet"))


@pytest.fixture(scope="module")
def tiny_vitpose_dir(tmp_path_factory):
    """A randomly initialised ViTPose (2 layers, 32 wide, 64x48 input) saved like a downloaded checkpoint.

    Seeded: random weights put keypoints anywhere, and for most seeds the head lands below the feet, so
    the pipeline (rightly) refuses the clip as upside down. Seed 2 gives a head-up random model, which
    lets the end-to-end test reach a full report.
    """
    import torch
    from transformers import VitPoseBackboneConfig, VitPoseConfig, VitPoseForPoseEstimation, VitPoseImageProcessor

    folder = tmp_path_factory.mktemp("vitpose_tiny")
    torch.manual_seed(2)
    backbone = VitPoseBackboneConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, mlp_ratio=2,
                                     image_size=[64, 48], patch_size=[16, 16], out_indices=[2])
    VitPoseForPoseEstimation(VitPoseConfig(backbone_config=backbone, num_labels=17)).save_pretrained(folder)
    VitPoseImageProcessor(size={"height": 64, "width": 48}).save_pretrained(folder)
    return folder


def test_vitpose_keypoints_come_from_the_detector_boxes(tiny_vitpose_dir, real_frames):
    config = AnalysisConfig(pose_backend="vitpose", pose_weights=str(ONNX_WEIGHTS), pose_imgsz=320,
                            vitpose_weights=str(tiny_vitpose_dir))
    backend = load_backend(config)
    assert backend.name.startswith("vitpose:") and "onnx:yolo11n-pose.onnx@320" in backend.name
    detections = backend.detector.predict(real_frames)
    for people, det in zip(backend.predict(real_frames), detections, strict=True):
        assert people.keypoints.shape == (len(people), 17, 3) and 1 <= len(people) <= 3
        assert np.array_equal(people.boxes[0], det.boxes[_lifter(det)])  # largest box first
        conf = people.keypoints[..., 2]
        assert np.all((conf >= 0) & (conf <= 1))
        # top-down: keypoints land in the lifter's box, fitted to the 48:64 input and padded by 1.25 as
        # ViTPose does. Random heatmaps are flat, so DARK's sub-pixel refinement can throw a few points
        # past the box; most must lie within it (+ one heatmap cell), and their median inside it.
        x0, y0, x1, y1 = people.boxes[0]
        w, h = x1 - x0, y1 - y0
        half_w, half_h = 1.25 * max(w, h * 48 / 64) / 2, 1.25 * max(h, w * 64 / 48) / 2
        dx = np.abs(people.keypoints[0, :, 0] - (x0 + x1) / 2)
        dy = np.abs(people.keypoints[0, :, 1] - (y0 + y1) / 2)
        inside = (dx <= half_w * (1 + 2 / 12)) & (dy <= half_h * (1 + 2 / 16))
        assert inside.mean() >= 0.75, (dx, dy, half_w, half_h)
        assert np.median(dx) <= half_w and np.median(dy) <= half_h


def test_vitpose_produces_a_report_end_to_end(tiny_vitpose_dir):
    """Random weights give meaningless poses, but the report is complete and names the backend."""
    config = AnalysisConfig(pose_backend="vitpose", pose_weights=str(ONNX_WEIGHTS), pose_imgsz=320,
                            vitpose_weights=str(tiny_vitpose_dir))
    report = analyze_video(clip_path("jeffchen_bad"), load_backend(config), config).report
    assert report.pose_backend.startswith("vitpose:")
    assert report.video["frames"] > 20 and report.timing["pose_s"] > 0
    assert len(report.series["t"]) == len(report.series["hip"]) > 20


def test_crop_around_the_lifter_keeps_keypoints_and_reps():
    """core.perception.crop on a real clip: the lifter's keypoints stay within a few px of the full-frame run."""
    from core.pipeline import analyze_trace, run_pose

    config = AnalysisConfig(pose_backend="onnx", pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ,
                            pose_crop=False)
    backend = load_backend(config)
    full = run_pose(clip_path("jeffchen_good"), backend, config)
    cropped = run_pose(clip_path("jeffchen_good"), backend, config.update(pose_crop=True))
    assert cropped.backend.endswith("+crop") and len(cropped.people) == len(full.people)
    diffs = []
    for a, b in zip(full.people, cropped.people, strict=True):
        if len(a) and len(b):
            ka, kb = a.keypoints[_lifter(a)], b.keypoints[_lifter(b)]
            ok = (ka[:, 2] > 0.5) & (kb[:, 2] > 0.5)
            diffs.extend(np.hypot(*(ka[ok, :2] - kb[ok, :2]).T))
    assert len(diffs) > 500 and np.median(diffs) < 6.0  # px on a 600x600 clip
    assert analyze_trace(cropped, config).report.rep_count == 1  # manifest: 1 rep


def test_crop_keeps_the_front_view_deadlift_reps():
    """The 320-px zoomed crop lost kantesh_deadlift_front's 3 reps (its front-view hip range is close to the
    35 deg needed); the crop as a window of the full-frame input on its stride grid keeps them."""
    from core.pipeline import analyze_trace, run_pose

    config = AnalysisConfig(pose_backend="onnx", pose_weights=str(ONNX_WEIGHTS), pose_imgsz=TEST_IMGSZ)
    cropped = run_pose(clip_path("kantesh_deadlift_front"), load_backend(config), config.update(pose_crop=True))
    assert cropped.backend.endswith("+crop")
    assert analyze_trace(cropped, config).report.rep_count == 3  # manifest: 3 reps


def test_onnx_sessions_split_a_batch_without_changing_or_mixing_results():
    """Frames run on two model copies at once (the CPU default) give each frame the one-session answer, also
    when several callers (app users) share the backend at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    frames = [f.image for f in iter_frames(clip_path("bichraix_good001")) if f.index % 6 == 0][:12]
    base = AnalysisConfig(pose_imgsz=TEST_IMGSZ, pose_weights=str(ONNX_WEIGHTS), pose_backend="onnx")
    one = load_backend(base.update(pose_sessions=1, pose_threads=2))
    two = load_backend(base.update(pose_sessions=2, pose_threads=2))
    assert one.sessions == 1 and two.sessions == 2
    ref = one.predict(frames)
    with ThreadPoolExecutor(3) as users:  # three callers at once, each a different run of frames
        runs = list(users.map(lambda k: two.predict(frames[k:k + 5]), range(0, 12, 4)))
    got = [p for run in runs for p in run[:4]]
    assert len(got) == len(ref)
    for a, b in zip(got, ref, strict=True):
        assert len(a) == len(b) and len(a) >= 1
        assert np.abs(a.keypoints[..., :2] - b.keypoints[..., :2]).max() < 0.01  # float rounding only
        assert np.abs(a.boxes - b.boxes).max() < 0.01


def test_the_apps_shared_backend_follows_every_backend_setting():
    """The pages share one loaded model per setting: FORMLENS_POSE_SESSIONS and the thread count reach it, and
    two configs that differ in them do not share a model."""
    from ui.resources import pose_backend

    base = AnalysisConfig(pose_imgsz=TEST_IMGSZ, pose_weights=str(ONNX_WEIGHTS), pose_backend="onnx")
    one = pose_backend(AnalysisConfig.from_env({"FORMLENS_POSE_SESSIONS": "1"}).update(
        pose_imgsz=TEST_IMGSZ, pose_weights=str(ONNX_WEIGHTS), pose_backend="onnx", pose_threads=2))
    two = pose_backend(base.update(pose_sessions=2, pose_threads=2))
    assert (one.sessions, two.sessions) == (1, 2)
    assert pose_backend(base.update(pose_sessions=2, pose_threads=2)) is two  # loaded once, then shared
