"""The barbell tracker (core.perception.bar) on a synthetic moving plate and on real clips."""

from __future__ import annotations

import dataclasses

import av
import cv2
import numpy as np
import pytest

from core.perception.bar.detect import DEFAULT_WEIGHTS, BarDetector
from core.perception.bar.measure import rep_bar_metrics, smooth_path
from core.perception.bar.track import BarObserver
from core.perception.video import iter_frames, probe
from core.report import Report
from tests.conftest import clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model,
              pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="barbell weights not built")]

FPS = 30
PLATE_PX = 96  # drawn plate diameter; 450 mm -> 4.6875 mm per px
SPEED_M_S = 0.6  # true bar speed of the synthetic lift


@pytest.fixture(scope="module")
def detector():
    return BarDetector()


def _plate_frame(cx: float, cy: float, w: int = 640, h: int = 360) -> np.ndarray:
    """A gym-like frame: grey wall, dark floor, a bar through a black bumper plate with a white rim."""
    img = np.full((h, w, 3), 150, np.uint8)
    img[int(0.8 * h):] = 60
    rng = np.random.default_rng(0)
    img = np.clip(img.astype(np.int16) + rng.integers(-12, 12, img.shape), 0, 255).astype(np.uint8)
    c, r = (int(round(cx)), int(round(cy))), PLATE_PX // 2
    cv2.line(img, (c[0] - 160, c[1]), (c[0] + 30, c[1]), (190, 190, 190), 6, cv2.LINE_AA)  # the bar
    cv2.circle(img, c, r, (25, 25, 25), -1, cv2.LINE_AA)
    cv2.circle(img, c, r - 4, (230, 230, 230), 3, cv2.LINE_AA)
    cv2.circle(img, c, r // 3, (120, 120, 120), -1, cv2.LINE_AA)
    cv2.putText(img, "20 KG", (c[0] - 22, c[1] - r // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (240, 240, 240), 1)
    cv2.circle(img, c, 7, (200, 200, 200), -1, cv2.LINE_AA)  # sleeve end
    return img


def _write(path, frames) -> None:
    with av.open(str(path), "w") as out:
        s = out.add_stream("mpeg4", rate=FPS)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        s.options = {"qscale": "2"}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="bgr24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


def _observe(path, info, obs, max_side: int) -> None:
    """Feed every decoded frame to a bar observer as run_pose does (decoded BGR, source px per image px)."""
    for f in iter_frames(path, info, max_side=max_side):
        obs.observe(f.index, f.time_s, f.image,
                    max(info.width, info.height) / max(f.image.shape[:2]))


def _track_written(path, frames, detector):
    """Write ``frames`` as a clip at ``path`` and track the bar over it at the pose pass's 480 px."""
    _write(path, frames)
    obs = BarObserver(detector)
    _observe(path, probe(path), obs, max_side=480)
    return obs.finish()


def test_synthetic_plate_speed_within_3_percent(tmp_path, detector):
    """A 450 mm plate drawn 96 px across, rising at 0.6 m/s: the tracked speed is within 3 %."""
    px_per_s = SPEED_M_S / (0.45 / PLATE_PX)
    ys = [300.0] * 15 + [300.0 - px_per_s * k / FPS for k in range(1, 31)] + [300.0 - px_per_s] * 15
    frames = [_plate_frame(400, y) for y in ys]
    bar = _track_written(tmp_path / "plate.mp4", frames, detector)
    assert bar.seen.mean() > 0.9, f"plate followed in only {bar.seen.mean():.0%} of frames"
    # the plate's rim circle (core.perception.bar.detect.refine_plate) is the ruler: measured 92 px of the drawn 96
    assert bar.plate_px == pytest.approx(PLATE_PX, rel=0.05)
    m_per_px = 0.45 / bar.plate_px
    xy = smooth_path(bar.xy, FPS)
    m = rep_bar_metrics(xy, FPS, 5, 55, 59, True, m_per_px)
    # end to end, ruler included, as the user reads it. Not sure the 3 % holds for a smaller error budget:
    # on this step-speed profile the px speed alone reads ~6 % low (the 6 Hz smoothing spreads the start
    # and stop over frames that the 10 %-of-peak window of core.perception.bar.measure counts) and the rim ~4 % small.
    assert m["bar_mean_velocity_m_s"] == pytest.approx(SPEED_M_S, rel=0.03)
    assert m["bar_rom_cm"] == pytest.approx(100 * SPEED_M_S, rel=0.05)
    assert m["bar_drift_cm"] < 2.0


def test_caption_over_the_plate_does_not_hold_the_bar_back(tmp_path, detector):
    """Social-media clips burn captions into the picture. Flow features on a caption that sits over the
    plate stay put while the plate rises, so flow alone lags; each detection's correction is spread back
    over the frames since the last one, and the path stays on the plate on every frame."""
    px_per_s = SPEED_M_S / (0.45 / PLATE_PX)
    ys = [300.0] * 10 + [300.0 - px_per_s * k / FPS for k in range(1, 31)] + [300.0 - px_per_s] * 10
    frames = []
    for y in ys:
        img = _plate_frame(400, y)
        # a one-line caption fixed on the screen, across the plate's path
        cv2.putText(img, "STAND UP STRAIGHT", (322, 262), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 2)
        frames.append(img)
    bar = _track_written(tmp_path / "caption.mp4", frames, detector)
    err = np.hypot(bar.xy[:, 0] - 400, bar.xy[:, 1] - np.asarray(ys))  # source px = drawn px
    seen = np.isfinite(err)
    assert seen.mean() > 0.9
    # within 0.1 plate diameters (4.5 cm) on every frame; flow alone lagged up to 0.19 (8.4 cm) just before
    # a detection, which a speed read over 0.2 s turns into ~0.4 m/s of error
    assert np.all(err[seen] <= 0.1 * PLATE_PX), f"off the plate centre by up to {np.nanmax(err):.0f} px"


# Side views with the near plate in sight all clip long (bench/results/bar_tracking_reference_boxes.json). The
# reference box is one of two shapes (bench.accuracy.bar_tracking.box_kind): square round the near plate, where its
# centre is the plate's; or taller than square, also taking in the far plate that shows above the near one
# while the bar is below the camera, where the near plate is the box's bottom square. 0.9 is the issue's
# target on both; the plate diameter (our ruler, hence every cm and m/s) must match the reference's square
# boxes within 12 % (the rim read 0.89-0.99 of them on the 10 side clips,
# bench/results/bar_tracking_reference_boxes.json).
@pytest.mark.parametrize("stem", ["bichraix_bad007", "bichraix_good014", "bichraix_good007"])
def test_tracker_agrees_with_reference_boxes(stem, backend, config, real_trace):
    from bench.accuracy.bar_tracking import agreement, box_kind, reference_centres
    from core.pipeline import analyze_trace, bar_observer

    path = clip_path(stem)
    info = probe(path, config)
    obs = bar_observer(config)
    _observe(path, info, obs, max_side=max(config.pose_imgsz, 320))
    trace = dataclasses.replace(real_trace(stem), bar=obs.finish(obs.detector.name))
    analysis = analyze_trace(trace, config)
    bar = analysis.bar  # the bar the chosen lifter moves (the report's bar)
    ref = reference_centres(stem)
    shares = agreement(bar, ref)
    assert shares["within_0.25_plate_of_near_plate"] >= 0.9  # the target, over every frame of the clip
    by_box = shares["by_box"]
    assert by_box["one_plate"]["frames"] > 0 and by_box["one_plate"]["within_0.25_plate"] >= 0.9
    if "two_plates" in by_box:
        assert by_box["two_plates"]["within_0.25_plate_of_plate_square"] >= 0.9
    square = [(r[5] - r[3] + r[6] - r[4]) / 2 for r in ref.values() if box_kind(r) == "one_plate"]
    assert bar.plate_px == pytest.approx(float(np.median(square)), rel=0.12)
    rep = analysis.report.to_dict()
    assert rep["bar"]["scale"]["ruler"] == "plate"
    v = [r["metrics"]["bar_mean_velocity_m_s"] for r in rep["reps"]]
    assert v and all(x is not None and 0.1 < x < 2.5 for x in v)  # a deadlift pull: 0.1-2.5 m/s


def test_clip_without_bar_reports_not_seen(tmp_path, detector):
    """The left of bichraix_bad007 (pillarbox, wall, a skeleton model, rack; no barbell): nothing invented."""
    src = clip_path("bichraix_bad007")
    frames = [f.image[:, :600].copy() for f in iter_frames(src)][:60]
    bar = _track_written(tmp_path / "nobar.mp4", frames, detector)
    assert bar.seen.mean() <= 0.05
    d = bar.to_dict()
    assert sum(x is None for x in d["x"]) >= 0.95 * len(d["x"])


def test_old_report_without_bar_still_loads():
    """A saved formlens.report/1 from before the barbell: loads, draws no bar figures, writes its CSV."""
    from core.render.figures import bar_paths_figure, velocity_figure

    old = {"schema": "formlens.report/1", "video": {}, "lift": {"label": "deadlift"}, "style": {}, "view": {},
           "reps": [{"index": 0, "start_s": 0.0, "turn_s": 1.0, "end_s": 2.0, "metrics": {"duration_s": 2.0}}],
           "timing": {}}
    report = Report.from_json(Report.from_dict(old).to_json())
    assert "bar" not in report.extras
    assert bar_paths_figure(report) is None and velocity_figure(report) is None
    assert "duration_s" in report.reps_csv()


def test_one_thread_detector_finds_the_same_boxes_as_the_pool(detector):
    """The default single-thread detector (it must not starve pose) sees what a pool of every core sees."""
    frames = [f.image for f in iter_frames(clip_path("bichraix_good014")) if f.index % 15 == 0][:6]
    pool = BarDetector(DEFAULT_WEIGHTS, threads=0)
    found = 0
    for image in frames:
        a, b = detector.detect(image), pool.detect(image)
        assert len(a) == len(b) and a.classes.tolist() == b.classes.tolist()
        assert np.abs(a.boxes - b.boxes).max(initial=0.0) < 0.01
        found += len(a)
    assert found >= len(frames)  # the plate is in view throughout: something was found
