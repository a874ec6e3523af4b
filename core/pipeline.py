"""The one pipeline behind the CLI, the upload page and the batch runner.

    frames -> people per frame (pose) -> tracks -> lifter keypoints -> cleaned series
           -> angles -> lift type -> reps -> per-rep metrics -> Report

``run_pose`` is the expensive pass over the video. ``analyze_trace`` is the
cheap rest, so a user's corrections (another lifter, merged or split reps)
re-run only that part.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.angles import compute_joint_angles
from core.cleaning import clean_series
from core.config import AnalysisConfig
from core.crop import LifterCrop, supports_crop
from core.errors import AnalysisTimeout, NoPersonDetected, UpsideDownVideo
from core.judge import judge, judgment_extras
from core.lift import Label, classify_lift_by_rules
from core.metrics import body_height_px, rep_metrics
from core.pose import PoseBackend
from core.prefetch import Prefetcher
from core.report import Report, RepReport
from core.reps import WorkSignal, baseline_hip_rule, detect_reps, phase_labels
from core.skeleton import KEY_JOINTS, LOW_VISIBILITY
from core.tracking import rank_tracks, track_people
from core.types import AngleSeries, FramePeople, KeypointSeries, Rep, Track, VideoInfo
from core.video import VideoSource, iter_frames, probe
from core.view import ViewEstimate, estimate_view

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
BATCH = 4  # frames per pose call; batching amortises ultralytics' per-call overhead
MIN_PRESENT_FRACTION = 0.2  # lifter must be seen in this share of frames
DARK_BRIGHTNESS = 35.0  # mean 8-bit pixel value below which a scene is too dark for pose


@dataclass(frozen=True)
class PoseTrace:
    """Everything the pose pass saw. people[i] belongs to source frame frame_index[i]."""

    info: VideoInfo
    people: tuple[FramePeople, ...]
    frame_index: np.ndarray  # (T,) int source frame numbers
    times: np.ndarray  # (T,) s, container timestamps
    fps: float  # samples per second of the trace (source fps / stride)
    backend: str
    decode_s: float
    pose_s: float
    brightness: float = -1.0  # mean pixel value 0-255 over sampled frames; -1 = not measured


@dataclass(frozen=True)
class Analysis:
    """A report plus the intermediate arrays the pages draw from."""

    report: Report
    trace: PoseTrace
    tracks: tuple[Track, ...]
    lifter_id: int
    raw: KeypointSeries
    series: KeypointSeries
    angles: AngleSeries
    reps: tuple[Rep, ...]
    signal: WorkSignal | None
    phases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))


def _noop(_f: float, _s: str) -> None:
    return None


def run_pose(source: VideoSource, backend: PoseBackend, config: AnalysisConfig | None = None,
             progress: Progress | None = None, info: VideoInfo | None = None) -> PoseTrace:
    """Decode the clip (streamed) and run pose on every ``frame_stride``-th frame."""
    config = config or AnalysisConfig()
    progress = progress or _noop
    info = info or probe(source, config)
    deadline = time.monotonic() + config.decode_timeout_s
    expected = max(1, info.frames // config.frame_stride)
    people: list[FramePeople] = []
    index: list[int] = []
    times: list[float] = []
    decode_s = pose_s = 0.0
    batch: list[np.ndarray] = []
    scales: list[float] = []
    light: list[float] = []
    t0 = time.perf_counter()
    max_side = max(config.pose_imgsz, 320)
    if config.pose_crop_imgsz and supports_crop(backend):  # per-run crop state around the lifter (core.crop)
        backend = LifterCrop(backend, config.pose_crop_imgsz, info.fps / config.frame_stride)
    frames = iter_frames(source, info, stride=config.frame_stride, deadline=deadline, max_side=max_side)
    if config.decode_ahead > 0:  # decode in a thread, overlapping inference (core.prefetch)
        frames = Prefetcher(frames, config.decode_ahead)
    for frame in frames:
        batch.append(frame.image)
        if len(index) % 10 == 0:
            light.append(float(frame.image[::16, ::16].mean()))
        scales.append(max(info.width, info.height) / max(frame.image.shape[:2]))
        index.append(frame.index)
        times.append(frame.time_s)
        if len(batch) == BATCH:
            decode_s += time.perf_counter() - t0
            pose_s += _pose_batch(backend, batch, scales, people)
            batch, scales = [], []
            progress(min(0.99, len(people) / expected),
                     f"Finding the lifter's pose: frame {len(people)} of ~{expected}")
            t0 = time.perf_counter()
            if time.monotonic() > deadline:
                raise AnalysisTimeout("The analysis took longer than the time limit; try a shorter clip.")
    decode_s += time.perf_counter() - t0
    if batch:
        pose_s += _pose_batch(backend, batch, scales, people)
    if isinstance(frames, Prefetcher):
        decode_s = frames.busy_s  # decoder thread's own time; the wait above overlapped inference
    fps = info.fps / config.frame_stride
    return PoseTrace(info, tuple(people), np.asarray(index, np.int64), np.asarray(times, np.float64),
                     fps, getattr(backend, "name", type(backend).__name__), decode_s, pose_s,
                     float(np.mean(light)) if light else -1.0)


def _pose_batch(backend: PoseBackend, batch: list[np.ndarray], scales: list[float],
                out: list[FramePeople]) -> float:
    t = time.perf_counter()
    for people, s in zip(backend.predict(batch), scales, strict=True):
        if s != 1.0 and len(people):
            kp = people.keypoints.copy()
            kp[..., :2] *= s
            people = FramePeople(people.boxes * s, people.scores, kp)
        out.append(people)
    return time.perf_counter() - t


def resample_uniform(xyc: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """Put variable-frame-rate samples on a uniform grid at ``fps`` (linear, NaN-aware)."""
    t = times - times[0]
    grid = np.arange(len(t)) / fps
    out = np.full_like(xyc, np.nan)
    for k in range(xyc.shape[1]):
        for d in range(3):
            v = xyc[:, k, d]
            ok = np.isfinite(v)
            if ok.sum() >= 2:
                out[:, k, d] = np.interp(grid, t[ok], v[ok], left=np.nan, right=np.nan)
    return out


def is_variable_rate(times: np.ndarray) -> bool:
    dt = np.diff(times)
    return dt.size > 3 and float(np.std(dt)) > 0.1 * float(np.mean(dt))


def lifter_series(trace: PoseTrace, track: Track) -> KeypointSeries:
    """The chosen person's keypoints, on a uniform time grid."""
    xyc = track.keypoints.copy()
    if is_variable_rate(trace.times):
        xyc = resample_uniform(xyc, trace.times, trace.fps)
    return KeypointSeries(xyc.astype(np.float32), trace.fps, trace.info.width, trace.info.height,
                          trace.frame_index)


def _longest_absence(track: Track) -> int:
    """Longest run of samples, between first and last sighting, where the track is not seen."""
    seen = np.flatnonzero(track.present)
    if seen.size < 2:
        return 0
    return int(np.max(np.diff(seen)) - 1)


def check_upright(track: Track) -> None:
    """Refuse a clip whose lifter is head-down most of the time (stored upside down, no rotation flag)."""
    kp = track.keypoints
    head = kp[:, [0, 1, 2, 3, 4], :]
    feet = kp[:, [15, 16], :]
    with warnings.catch_warnings():  # frames with no confident head/foot give NaN, as intended
        warnings.simplefilter("ignore", RuntimeWarning)
        head_y = np.nanmean(np.where(head[..., 2] > 0.3, head[..., 1], np.nan), axis=1)
        feet_y = np.nanmean(np.where(feet[..., 2] > 0.3, feet[..., 1], np.nan), axis=1)
    both = np.isfinite(head_y) & np.isfinite(feet_y)
    if both.sum() >= 5 and np.mean(head_y[both] > feet_y[both]) > 0.6:
        raise UpsideDownVideo("The lifter appears upside down (head below the feet): the video seems to be "
                              "stored upside down. Rotate it by 180° and upload it again.")


MODEL_TRUST = 0.6  # model probability needed to name a lift the rules could not (0-1; models/MODEL_CARD.md)


def choose_lift(series: KeypointSeries, angles: AngleSeries, override: str | None) -> Label:
    """The lift label: a user's override, else the rules combined with the learned classifier.

    Agreement raises confidence; on disagreement the rules win, and the model names the lift
    only when the rules cannot (it is trained on simulated squats/benches and is over-confident
    on real ones: see models/MODEL_CARD.md). ``source`` says which produced the label.
    """
    if override:
        return Label(override, 1.0, "user")
    rule = classify_lift_by_rules(series, angles)
    from core.classify import predict_lift  # imports torch lazily, only when analysing

    model = predict_lift(series)
    if model is None:
        return rule
    if model.label == rule.label:
        return Label(rule.label, max(rule.confidence, model.confidence), "rule+model:lift")
    if rule.label == "unknown" and model.confidence >= MODEL_TRUST:
        return model
    return rule


def analyze_trace(trace: PoseTrace, config: AnalysisConfig | None = None, *, lifter_id: int | None = None,
                  rep_bounds: Sequence[tuple[int, int, int]] | None = None,
                  lift_override: str | None = None) -> Analysis:
    """Everything after pose. ``rep_bounds`` (start, turn, end sample indices) replaces detection."""
    config = config or AnalysisConfig()
    t0 = time.perf_counter()
    info = trace.info
    tracks = rank_tracks(track_people(list(trace.people), trace.fps), info.width, info.height)
    if not tracks or tracks[0].score <= 0:
        if 0 <= trace.brightness < DARK_BRIGHTNESS:
            raise NoPersonDetected(f"The video is too dark to see the lifter (average brightness "
                                   f"{trace.brightness:.0f} of 255). Film in better light.")
        raise NoPersonDetected("No person was found in this video. Film the whole lifter, side-on, in good light.")
    chosen = tracks[0] if lifter_id is None else next((t for t in tracks if t.track_id == lifter_id), None)
    if chosen is None:
        raise ValueError(f"no person #{lifter_id}; have {[t.track_id for t in tracks]}")
    warnings: list[str] = []
    present = float(chosen.present.mean())
    if present < MIN_PRESENT_FRACTION:
        raise NoPersonDetected(f"The lifter is visible in only {present:.0%} of the video; FormLens "
                               "needs the whole set in frame.")
    others = [t for t in tracks[1:] if t.present.mean() > 0.2]
    if others:
        warnings.append(f"{len(others) + 1} people were seen; analysed person #{chosen.track_id} "
                        "(largest and moving). Pick another person if that is wrong.")
    check_upright(chosen)
    gone_s = _longest_absence(chosen) / trace.fps
    if gone_s >= 1.0:
        warnings.append(f"The lifter was out of sight for {gone_s:.1f} s; reps in that time cannot be counted.")
    if is_variable_rate(trace.times):
        warnings.append(f"The video has a variable frame rate; it was resampled to a steady {trace.fps:.1f} fps.")
    raw = lifter_series(trace, chosen)
    series = clean_series(raw, config)
    angles = compute_joint_angles(series)
    view = estimate_view(series)
    lift = choose_lift(series, angles, lift_override)
    reps, signal = _reps_for(lift, series, angles, config, rep_bounds, warnings)
    report = _build_report(trace, tracks, chosen, series, angles, view, lift, reps, signal, config,
                           warnings, time.perf_counter() - t0)
    phases = (phase_labels(reps, series.n_frames, signal.concentric_first) if signal
              else np.full(series.n_frames, "", object))
    return Analysis(report, trace, tuple(tracks), chosen.track_id, raw, series, angles, tuple(reps), signal, phases)


def _reps_for(lift: Label, series, angles, config, rep_bounds, warnings) -> tuple[list[Rep], WorkSignal | None]:
    if lift.label not in ("deadlift", "squat", "bench"):
        warnings.append("FormLens could not tell which lift this is, so no reps were counted. "
                        "Choose the lift by hand to count them.")
        return [], None
    reps, signal = detect_reps(lift.label, series, angles, config)
    if rep_bounds is not None:
        reps = [Rep(i, int(s), int(t), int(e)) for i, (s, t, e) in enumerate(rep_bounds)]
    elif not reps:
        warnings.append(f"No complete {lift.label} rep was found: the clip may show only set-up, a hold "
                        "or part of a lift.")
    return reps, signal


def _visibility(series: KeypointSeries, rep: Rep) -> float:
    c = series.conf[rep.start:rep.end + 1][:, KEY_JOINTS]
    return float(np.nanmean(c)) if c.size else 0.0


def _build_report(trace, tracks, chosen, series, angles, view: ViewEstimate, lift: Label, reps, signal,
                  config: AnalysisConfig, warnings: list[str], analysis_s: float) -> Report:
    fps = series.fps
    height = body_height_px(series)
    all_metrics = [rep_metrics(r, series, angles, signal.concentric_first if signal else True, height,
                               config.user_height_m) for r in reps]
    judged = judge(series, angles, reps, lift, view, signal, config, all_metrics)  # verdicts, style, strip, gold
    rep_reports = []
    for r, rep_faults, metrics in zip(reps, judged.rep_faults, all_metrics, strict=True):
        vis = _visibility(series, r)
        if vis < LOW_VISIBILITY:
            warnings.append(f"Rep {r.index + 1}: the lifter is hard to see (keypoint confidence {vis:.2f}); "
                            "its form cannot be judged.")
        fi = series.frame_index
        rep_reports.append(RepReport(r.index, round(r.start / fps, 3), round(r.turn / fps, 3),
                                     round(r.end / fps, 3), metrics, tuple(f.to_dict() for f in rep_faults), vis,
                                     int(fi[r.start]), int(fi[r.turn]), int(fi[r.end])))
    baseline = None
    if lift.label == "deadlift":
        baseline = len(baseline_hip_rule(angles["hip"], fps, config))
    style = {"label": None, "confidence": 0.0, "source": "none"}
    if lift.label == "deadlift":
        style = {"label": "conventional", "confidence": 0.34, "source": "prior"}
    if judged.style is not None:
        style = judged.style.to_dict()
    timing = {"decode_s": round(trace.decode_s, 3), "pose_s": round(trace.pose_s, 3),
              "analysis_s": round(analysis_s, 3)}
    timing["total_s"] = round(sum(timing.values()), 3)
    candidates = [{"track_id": t.track_id, "score": round(t.score, 4), "present": round(float(t.present.mean()), 3)}
                  for t in tracks[:6]]
    return Report(
        video=trace.info.to_dict(), lift=lift.to_dict(), style=style,
        view={"label": view.label, "confidence": round(view.confidence, 3),
              "width_ratio": None if not np.isfinite(view.width_ratio) else round(view.width_ratio, 3)},
        reps=tuple(rep_reports), timing=timing, pose_backend=trace.backend, rep_detector=config.rep_detector,
        lifter={"track_id": chosen.track_id, "candidates": candidates, "body_height_px":
                None if not np.isfinite(height) else round(height, 1)},
        warnings=tuple(warnings), series=_series_dict(angles, signal),
        set_faults=tuple(f.to_dict() for f in judged.set_faults),
        extras={"baseline_rep_count": baseline, "frame_stride": config.frame_stride, **judgment_extras(judged)},
    )


def _series_dict(angles: AngleSeries, signal: WorkSignal | None) -> dict[str, list]:
    def clean(x: np.ndarray) -> list:
        return [None if not np.isfinite(v) else round(float(v), 1) for v in x]

    d: dict[str, list] = {"t": [round(float(t), 3) for t in angles.times]}
    for name in ("hip", "knee", "elbow", "trunk_lean", "shin", "neck"):
        d[name] = clean(angles[name])
    if signal is not None:
        d["work_signal"] = [None if not np.isfinite(v) else round(float(v), 3) for v in signal.values]
    return d


def analyze_video(source: VideoSource, backend: PoseBackend, config: AnalysisConfig | None = None,
                  progress: Progress | None = None, **kwargs) -> Analysis:
    """Probe, pose and analyse one clip. Raises FormLensError subclasses with user-facing messages."""
    config = config or AnalysisConfig()
    progress = progress or _noop
    progress(0.0, "Reading the video")
    info = probe(source, config)
    trace = run_pose(source, backend, config, progress, info)
    progress(0.99, "Counting reps and measuring")
    analysis = analyze_trace(trace, config, **kwargs)
    progress(1.0, "Done")
    return analysis
