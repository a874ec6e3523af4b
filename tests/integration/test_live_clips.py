"""The incremental (live) analyzer on every real clip: same rep counts as the offline pipeline, reps
reported within 1 s of the end of their motion, plus one run of the full live path with the real model.

The analyzer's pose stage is injectable, so the all-clips test feeds it the real per-frame pose results
of one pose pass per clip, made with the live path's own settings (imgsz 320, every 2nd frame: what
bench/speed/live_latency.py needs for ~20 fps). Those passes are cached on disk between test sessions
(``$FORMLENS_TEST_CACHE`` or the system temp dir), keyed by clip, weights and settings; a cold run
costs one pose pass over those clips (one per lift x view: ~40 s on an idle 2-core machine).
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
import threading
from fractions import Fraction
from pathlib import Path

import av
import pytest

from core.config import AnalysisConfig
from core.judgment.faults.table import ROWS
from core.live import LiveAnalyzer, LiveSettings
from core.perception.video import iter_frames, probe
from core.pipeline import analyze_trace, run_pose
from tests.conftest import HAS_DATA, ONNX_WEIGHTS, REAL, clip_path, manifest, manifest_row

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

LIVE_IMGSZ, LIVE_STRIDE = 320, 2
MANIFEST = manifest() if HAS_DATA else []  # without the data the module is still collected (its tests are skipped)
ALL_CLIPS = [Path(r["file"]).stem for r in MANIFEST]
FULL_SWEEP = os.environ.get("FORMLENS_FULL_SWEEP") == "1"  # every manifest clip; CI runs one per lift x view


def _one_per_lift_and_view(rows: list[dict[str, str]]) -> list[str]:
    """The shortest single-camera clip with a rep of each lift x camera view in the manifest (edited reels,
    view "mixed", have cuts a live camera never has)."""
    best: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows:
        key = (r["lift"], r["view"])
        if r["view"] == "mixed" or int(r["reps"]) < 1:
            continue
        if key not in best or float(r["duration_s"]) < float(best[key]["duration_s"]):
            best[key] = r
    return [Path(r["file"]).stem for r in best.values()]


CLIPS = ALL_CLIPS if FULL_SWEEP else _one_per_lift_and_view(MANIFEST)
CACHE = Path(os.environ.get("FORMLENS_TEST_CACHE", Path(tempfile.gettempdir()) / "formlens_test_cache"))
REPORT_WITHIN_S = 1.0  # s of video time between the end of a rep's motion and its live report (issue 4)


def _key(path: Path, cfg: AnalysisConfig) -> str:
    st, wt = path.stat(), Path(cfg.pose_weights).stat()
    raw = f"{path.name}:{st.st_size}:{st.st_mtime_ns}:{wt.st_size}:{wt.st_mtime_ns}:{cfg.pose_imgsz}:{cfg.frame_stride}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


_lock = threading.Lock()


@pytest.fixture(scope="session")
def live_config() -> AnalysisConfig:
    return AnalysisConfig(pose_weights=str(ONNX_WEIGHTS), pose_imgsz=LIVE_IMGSZ, frame_stride=LIVE_STRIDE)


@pytest.fixture(scope="session")
def live_trace(live_config):
    """``live_trace(name)`` -> PoseTrace of a real clip with the live settings (one real pose pass, cached)."""
    from core.perception.pose import load_backend

    backend: list = []

    def get(name: str):
        path = clip_path(name)
        file = CACHE / f"live_{Path(name).stem}_{_key(path, live_config)}.pkl"
        with _lock:
            if file.is_file():
                try:
                    return pickle.loads(file.read_bytes())
                except Exception:  # a stale pickle (PoseTrace changed): recompute
                    file.unlink(missing_ok=True)
            if not backend:
                backend.append(load_backend(live_config))
            trace = run_pose(path, backend[0], live_config)
            CACHE.mkdir(parents=True, exist_ok=True)
            file.write_bytes(pickle.dumps(trace))
            return trace

    return get


def feed(trace, lift: str, config: AnalysisConfig) -> LiveAnalyzer:
    """Feed a trace's per-frame pose results to a fresh analyzer, one frame at a time, then stop."""
    live = LiveAnalyzer(config, lift, settings=LiveSettings(fps_hint=trace.fps))
    size = (trace.info.width, trace.info.height)
    for people, t in zip(trace.people, trace.times, strict=True):
        live.step_people(people, float(t), size)
    live.finish()
    return live


@pytest.mark.slow
def test_live_counts_equal_offline_on_every_real_clip(live_trace, live_config):
    """Live count vs offline count on the same pose results, and report latency: one clip per lift x view in
    CI, every manifest clip with FORMLENS_FULL_SWEEP=1."""
    assert all((REAL / r["file"]).is_file() for r in manifest())
    assert {m["lift"] for m in manifest()} <= {manifest_row(c)["lift"] for c in CLIPS}
    mismatches, latencies, edited = [], [], []
    for name in CLIPS:
        trace = live_trace(name)
        lift = manifest_row(name)["lift"]  # the lift the user picks on the live page
        if manifest_row(name)["view"] == "mixed":  # an edited reel (cuts between cameras): a live camera has none
            edited.append(name)
            continue
        offline = analyze_trace(trace, live_config, lift_override=lift)
        live = feed(trace, lift, live_config)
        if len(live.reps) != len(offline.reps):
            mismatches.append((name, len(live.reps), len(offline.reps), int(manifest_row(name)["reps"])))
            continue
        for lrep, orep in zip(live.reps, offline.reps, strict=True):
            delay = lrep.reported_s - float(trace.times[orep.end])
            latencies.append(delay)
            assert delay <= REPORT_WITHIN_S, f"{name}: rep {lrep.index + 1} reported {delay:.2f} s after its end"
    compared = len(CLIPS) - len(edited)
    print(f"\nlive vs offline: {compared - len(mismatches)}/{compared} equal (edited reels left out: {edited}); "
          f"(clip, live, offline, manifest): {mismatches}; "
          f"report delay after rep end: max {max(latencies):.2f} s over {len(latencies)} reps")
    assert all(abs(lv - off) <= 1 for _, lv, off, _ in mismatches), mismatches
    # The live analyzer is causal (no look-ahead) and does not yet apply the offline lift gates (core.movement.reps
    # gate_ends) or shots. Measured on one clip per source (21 single-camera clips), 3 differ by one
    # rep: gymai_squat (live 2, offline 1, manifest 1: behind the rack upright the causal series dips to rest
    # for 0.27 s mid-squat), domizc_squat (7, 6, 5) and odilxanivich_incline_barbell_bench (3, 2, 2).
    # FORMLENS_FULL_SWEEP=1 runs every clip.
    assert len(mismatches) <= max(1, int(0.15 * compared)), mismatches


@pytest.mark.slow
def test_full_live_path_with_the_real_model_frame_by_frame(backend, config, tmp_path):
    """Decoded frames of a real clip through LiveSession.on_frame (pose, tracking, cleaning, reps, overlay)."""
    from ui.live import LiveSession

    name = "jeffchen_good"  # a single side-view pull, ~2 s
    path = clip_path(name)
    cfg = config.update(pose_imgsz=LIVE_IMGSZ)
    live = LiveSession(cfg, backend, "deadlift", keep_frames_s=10.0)
    info = probe(path, cfg)
    n_frames = 0
    for frame in iter_frames(path, info, max_side=640):
        n_frames += 1
        vf = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
        vf.pts, vf.time_base = frame.index, Fraction(1 / info.fps).limit_denominator(100000)  # camera-like time
        out = live.on_frame(vf)
        assert (out.width, out.height) == (vf.width, vf.height)
    live.on_ended()
    snap = live.latest(timeout=0.1)
    assert snap is not None and snap.frames_seen == n_frames and snap.latency_ms > 0
    assert len(live.analyzer.reps) == int(manifest_row(name)["reps"])
    rep = live.analyzer.reps[0]  # judged as soon as it was counted, by core.judgment.faults' deadlift rows
    names = [f["name"] for f in rep.faults]
    assert len(names) == len(set(names))  # one verdict per fault per rep
    assert {"early_hip_rise", "rounded_lower_back"} <= set(names)
    assert all("deadlift" in ROWS[n].lifts for n in names)
    assert rep.verdict.startswith("Rep 1: ")
    assert {c.name for c in snap.setup} >= {"person", "whole_body", "side_view", "lighting"}
    analysis = live.finish_report()  # "Stop": the offline stages on the buffered keypoints
    report = analysis.report
    assert report.rep_count == len(live.analyzer.reps)
    assert report.lift["label"] == "deadlift" and report.series["hip"]
    recording = live.recording_mp4()  # the kept frames, one per analysed sample
    assert probe(io.BytesIO(recording), cfg).frames == n_frames
    from core.render.replay import write_annotated_video

    annotated = write_annotated_video(io.BytesIO(recording), analysis, tmp_path / "annotated.mp4")
    assert probe(annotated, cfg).frames == n_frames


@pytest.mark.slow
@pytest.mark.parametrize("name", ["formfit_squat2", "rohanx01_squat", "kminsik_bench"])
def test_auto_lift_switches_from_the_default_deadlift_and_recounts(name, live_trace, live_config):
    """With "let FormLens detect the lift", the core.judgment.lift rule replaces the default and the count follows."""
    trace = live_trace(name)
    live = LiveAnalyzer(live_config, "deadlift", settings=LiveSettings(fps_hint=trace.fps, auto_lift=True))
    for people, t in zip(trace.people, trace.times, strict=True):
        live.step_people(people, float(t), (trace.info.width, trace.info.height))
    live.finish()
    row = manifest_row(name)
    assert live.lift == row["lift"] and live.lift_guess.source == "rule"
    assert len(live.reps) == int(row["reps"])
