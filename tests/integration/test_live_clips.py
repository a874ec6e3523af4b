"""The incremental (live) analyzer on real clips: the same reps, verdicts, numbers and style as the upload
pipeline on the same frames, reps announced within 1 s of the end of their motion, plus one run of the full
live path with the real model.

The analyzer's pose stage is injectable, so the clip test feeds it the real per-frame pose results
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
import numpy as np
import pytest

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.judgment.faults.table import ROWS
from core.live import LiveAnalyzer, LiveSettings, driving_range
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
MAY_DIFFER_DURING_SET = 0.15  # share of clips whose cards during the set may differ from the upload (see the test)
ANGLE_WITHIN_DEG = 3.0  # deg a card's driving angle (lowest, at lockout) may differ from the report's: the card is
# measured on the set so far, whose last 0.5 s the zero-phase filters still move and whose clip-wide ranges
# (outlier floor, signal scale) still grow; 1 sample at lockout moves a fast elbow by ~3 deg. "Finish set" gives
# the report's own numbers.


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
    """Feed a trace's per-frame pose results to a fresh analyzer, one frame at a time, then stop ("Finish set").
    ``live.announced``: the reps announced before the set ended."""
    live = LiveAnalyzer(config, lift, settings=LiveSettings(fps_hint=trace.fps))
    size = (trace.info.width, trace.info.height)
    for people, t in zip(trace.people, trace.times, strict=True):
        live.step_people(people, float(t), size)
    live.announced = list(live.reps)
    live.finish()
    return live


def _verdicts(faults) -> list[tuple[str, str]]:
    return [(f["name"], f.get("verdict", "")) for f in faults]


def compare_live_and_upload(trace, lift: str, config: AnalysisConfig) -> dict:
    """Live (sample by sample, then "Finish set") and upload on the same pose results. Returns the differences:
    reps announced during the set that are not the upload's (bounds more than a sample apart, other verdicts, a
    driving angle more than ANGLE_WITHIN_DEG apart), announcement delays (s), and whether the finished live set
    equals the upload (count, bounds, verdicts, numbers, style)."""
    try:
        offline = analyze_trace(trace, config, lift_override=lift)
    except FormLensError as err:  # the upload refuses the clip (nobody in view long enough, ...): so must live
        live = feed(trace, lift, config)
        wrong = [("live counted reps the upload refuses", len(live.announced))] if live.announced else []
        return {"wrong": wrong, "delays": [], "finished_same": live.analysis is None, "live": len(live.announced),
                "upload": 0, "refused": str(err)}
    live = feed(trace, lift, config)
    announced = live.announced
    off = list(zip(offline.reps, offline.report.reps, strict=True))
    wrong, delays = [], []
    for said in announced:
        bounds = [int(np.searchsorted(live.times, t)) for t in (said.start_s, said.turn_s, said.end_s)]
        match = [(r, shown) for r, shown in off if abs(r.turn - bounds[1]) <= 1]
        if not match:
            wrong.append((said.index, "no upload rep at its top", bounds))
            continue
        rep, shown = match[0]
        delays.append(said.reported_s - float(trace.times[rep.end]))
        if max(abs(rep.start - bounds[0]), abs(rep.end - bounds[2])) > 1:
            wrong.append((said.index, "bounds", bounds, (rep.start, rep.turn, rep.end)))
        if _verdicts(said.faults) != _verdicts(shown.faults):
            wrong.append((said.index, "verdicts", _verdicts(said.faults), _verdicts(shown.faults)))
        name, lo, hi = driving_range(lift, said.metrics)
        _, lo_up, hi_up = driving_range(lift, shown.metrics)
        if not np.allclose([lo, hi], [lo_up, hi_up], atol=ANGLE_WITHIN_DEG, equal_nan=True):
            wrong.append((said.index, name, (lo, hi), (lo_up, hi_up)))
    final = live.analysis.report if live.analysis is not None else None
    same = final is not None and final.style == offline.report.style and [
        (r.start_s, r.turn_s, r.end_s, _verdicts(r.faults), r.metrics) for r in final.reps] == [
        (r.start_s, r.turn_s, r.end_s, _verdicts(r.faults), r.metrics) for r in offline.report.reps] and [
        _verdicts(r.faults) for r in live.reps] == [_verdicts(r.faults) for r in offline.report.reps]
    return {"wrong": wrong, "delays": delays, "finished_same": same, "live": len(announced),
            "upload": len(offline.reps), "style": offline.report.style.get("label")}


@pytest.mark.slow
def test_live_gives_the_uploads_answers_on_real_clips(live_trace, live_config):
    """Live vs upload on the same pose results: one single-camera clip per lift x view in CI, every
    single-camera manifest clip with FORMLENS_FULL_SWEEP=1. Every rep announced during the set is the upload's
    rep (top within a sample, bounds within a sample, same verdicts, driving angle within ANGLE_WITHIN_DEG) and is
    announced within 1 s of its end; after "Finish set" the live reps, verdicts, numbers and style are the
    upload's. Reps the clip ends in (no 0.5 s of video after them) are counted at "Finish set" only."""
    assert all((REAL / r["file"]).is_file() for r in manifest())
    assert {m["lift"] for m in manifest()} <= {manifest_row(c)["lift"] for c in CLIPS}
    results, edited = {}, []
    for name in CLIPS:
        if manifest_row(name)["view"] == "mixed":  # an edited reel (cuts between cameras): a live camera has none
            edited.append(name)
            continue
        results[name] = compare_live_and_upload(live_trace(name), manifest_row(name)["lift"], live_config)
    agree = [n for n, r in results.items()
             if not r["wrong"] and r["finished_same"] and all(d <= REPORT_WITHIN_S for d in r["delays"])]
    delays = [d for r in results.values() for d in r["delays"]]
    print(f"\nlive vs upload: {len(agree)}/{len(results)} single-camera clips agree (edited reels left out: "
          f"{edited}); reps announced during the set {sum(r['live'] for r in results.values())} of "
          f"{sum(r['upload'] for r in results.values())}; report delay after rep end: max "
          f"{max(delays, default=0):.2f} s over {len(delays)} reps; "
          f"differences: {[(n, r) for n, r in results.items() if n not in agree]}")
    assert all(r["finished_same"] for r in results.values()), [n for n, r in results.items() if not r["finished_same"]]
    # During the set the rep step sees only the set so far, while the upload scales its signals by the whole clip:
    # on every single-camera development clip (FORMLENS_FULL_SWEEP=1, 110 clips) 96 agree in full; in the other 14
    # a card's start or end moved by 2-35 samples (8 reps), its driving angle by > 3 deg (7), a view-dependent
    # verdict changed as the view estimate grew (5 reps in 2 clips), a rep was announced that the whole clip drops
    # (3) or only when a later rep confirmed it (3, 2.1-6.3 s late), or the lifter the upload refuses (seen 13 %)
    # was counted. "Finish set" gives the upload's answers on all 110. The CI subset agrees in full.
    assert len(results) - len(agree) <= int(MAY_DIFFER_DURING_SET * len(results)), \
        [(n, r) for n, r in results.items() if n not in agree]


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


def test_a_recording_with_dropped_frames_lasts_as_long_as_the_set(backend, config):
    """A busy machine drops every third camera frame: the kept recording still lasts as long as the set (each
    frame at its own time), so the check of it measures speeds in real seconds and finds the rep."""
    from ui.live import LiveSession

    path = clip_path("jeffchen_good")  # a single side-view pull, ~2 s
    cfg = config.update(pose_imgsz=LIVE_IMGSZ)
    info = probe(path, cfg)
    live = LiveSession(cfg, backend, "deadlift", keep_frames_s=20.0)
    kept = 0
    for n, frame in enumerate(iter_frames(path, info, max_side=640)):
        if n % 3 == 2:
            continue
        kept += 1
        vf = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
        vf.pts, vf.time_base = frame.index, Fraction(1 / info.fps).limit_denominator(100000)
        live.on_frame(vf)
    live.on_ended()
    recorded = probe(io.BytesIO(live.recording_mp4()), cfg)
    assert recorded.frames == kept < info.frames
    assert recorded.duration_s == pytest.approx(info.duration_s, abs=2 / info.fps)
    from core.pipeline import analyze_video

    assert analyze_video(io.BytesIO(live.recording_mp4()), backend, config).report.rep_count == 1  # manifest


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
