"""The one pipeline behind the CLI, the upload page and the batch runner.

    frames -> people per frame (pose) -> tracks -> lifter keypoints -> cleaned series
           -> angles -> lift type -> reps -> per-rep metrics -> Report

``run_pose`` is the expensive pass over the video. ``analyze_trace`` is the
cheap rest, so a user's corrections (another lifter, merged or split reps)
re-run only that part.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.config import AnalysisConfig
from core.errors import AnalysisTimeout, NoPersonDetected, UpsideDownVideo
from core.judgment.judge import judge, judgment_extras
from core.judgment.lift import (
    UNSURE,
    Label,
    body_orientation,
    classify_lift_by_rules,
    combine_probabilities,
    label_from_probabilities,
    lift_probabilities,
    shoulders_and_torso,
)
from core.judgment.lift_motion import motion_odds
from core.judgment.lifter import lifter_across_shots, rank_tracks
from core.judgment.standards import report_standards
from core.movement.angles import compute_joint_angles
from core.movement.bar_reps import bar_path
from core.movement.cleaning import clean_series
from core.movement.metrics import body_height_px, rep_metrics
from core.movement.reps import (
    WorkSignal,
    bar_y_on,
    baseline_hip_rule,
    bottom_bounds,
    detect_reps_in_shots,
    phase_labels,
)
from core.perception.bar.evidence import deadlift_or_squat
from core.perception.bar.types import BarTrack
from core.perception.crop import LifterCrop, supports_crop
from core.perception.pose import PoseBackend
from core.perception.prefetch import Prefetcher
from core.perception.sampling import MotionGate, fill_skipped
from core.perception.shots import SceneObserver, cuts_for
from core.perception.tracking import track_people
from core.perception.video import VideoSource, iter_frames, probe
from core.perception.view import ViewEstimate, estimate_view
from core.report import Report, RepReport
from core.skeleton import KEY_JOINTS, KP, LIFT_WORDS, LOW_VISIBILITY
from core.types import AngleSeries, FramePeople, KeypointSeries, PoseTrace, Rep, Track, VideoInfo

# PoseTrace (core.types) is also core.pipeline.PoseTrace: older pickled traces name that path.

logger = logging.getLogger(__name__)
# Why a clip has no rep, in the lifter's words (the report's warnings; ui.render.no_rep_reason finds them there).
NO_REP_WARNING = ("No rep was found for {who}: no complete {lift} rep happened in view (the clip may show only "
                  "the set-up, a hold or part of a rep).")
NO_LIFT_WARNING = ("No rep was counted: FormLens could not tell which lift this is. Choose the lift by hand to "
                   "count the reps.")
NO_REP_PREFIXES = ("No rep was found for ", "No rep was counted: ")
LOW_FRAME_RATE_WARNING = ("This video has only about {fps:.0f} frames a second, too few to follow the fastest part "
                          "of a rep: speeds and the lowest point may be a little off. Film at 30 frames a second "
                          "if your phone can.")


def low_frame_rate_hz(config: AnalysisConfig) -> float:
    """Samples/s below which the clip cannot carry the movement the analysis keeps: twice the cleaning low-pass
    (config.lowpass_hz, 6 Hz, human lifts < 3 Hz), the Nyquist rate of what the filter passes. A variable-rate
    clip is resampled to its mean rate (lifter_series): that matters to the lifter only when this rate is low."""
    return 2.0 * config.lowpass_hz

Progress = Callable[[float, str], None]


ANKLES = [KP["left_ankle"], KP["right_ankle"]]  # keypoint indices of the feet (COCO-17 has no heel or toe)
BATCH = 4  # frames per pose call; batching amortises ultralytics' per-call overhead
MIN_PRESENT_FRACTION = 0.2  # lifter must be seen in this share of frames
DARK_BRIGHTNESS = 35.0  # mean 8-bit pixel value below which a scene is too dark for pose


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
    bar: BarTrack | None = None  # the bar this lifter moves (chosen from trace.bar); None = not tracked


def _noop(_f: float, _s: str) -> None:
    return None


class FrameObserver(Protocol):
    """Sees analysed frames during the pose pass (e.g. the barbell tracker, core.perception.bar): every posed
    frame, or every sample where the observer has ``every_sample = True`` (core.perception.shots.SceneObserver,
    whose output is one value per sample)."""

    def observe(self, frame_index: int, time_s: float, image: np.ndarray, scale: float) -> None:
        """``image``: (H, W, 3) uint8 **BGR**, the very array pose gets (OpenCV's order, as core.perception.video
        decodes;
        no per-frame copy): observers must not write into it. ``scale``: source-frame px per image px."""
        ...


def run_pose(source: VideoSource, backend: PoseBackend, config: AnalysisConfig | None = None,
             progress: Progress | None = None, info: VideoInfo | None = None,
             observers: Sequence[FrameObserver] = ()) -> PoseTrace:
    """Decode the clip (streamed) and pose every n-th frame, n = ``config.stride_for(fps)`` (at most
    ~``config.max_sample_hz`` samples per second of video). While nobody moves, only every
    ``config.still_step_s`` is posed and the samples between are interpolated
    (core.perception.sampling.MotionGate; ``config.still_skip``). Observers with ``every_sample`` set see
    every sample as it is decoded; the others see each posed frame, in time order, before its pose."""
    config = config or AnalysisConfig()
    progress = progress or _noop
    info = info or probe(source, config)
    stride = config.stride_for(info.fps)
    rate = info.fps / stride
    expected = max(1, info.frames // stride)
    if (config.pose_crop or config.pose_crop_imgsz) and supports_crop(backend):  # per-run crop state
        # (core.perception.crop)
        backend = LifterCrop(backend, config.pose_crop_imgsz or None, rate, config.pose_crop_margin)
    run = _PosePass(info, backend, observers, time.monotonic() + config.decode_timeout_s)
    frames = iter_frames(source, info, stride=stride, deadline=run.deadline, max_side=max(config.pose_imgsz, 320))
    if config.decode_ahead > 0:  # decode in a thread, overlapping inference (core.perception.prefetch). The
        # observers stay on this thread: the bar detector in the decode thread fought pose for the 2 cores
        # (an 8.5-s real clip's pose pass took 9.5 s against 8.8 s, idle; session-4 closing note)
        frames = Prefetcher(frames, config.decode_ahead)
    samples = run.decoded(frames)  # every sample recorded and shown to the every-sample observers (the bar, cuts)
    gate = MotionGate.for_config(config, rate, BATCH)
    people: list[FramePeople | None] = []
    for n, (_frame, found) in enumerate(gate.run(samples, run.pose, run.observe)):
        people.append(found)
        if n % BATCH == BATCH - 1:
            progress(min(0.99, n / expected), f"Finding the lifter's pose: frame {n + 1} of ~{expected}")
    filled = fill_skipped(people, run.times) if gate.stats.skipped else people
    return PoseTrace(info, tuple(filled), np.asarray(run.index, np.int64), np.asarray(run.times, np.float64),
                     rate, getattr(backend, "name", type(backend).__name__),
                     frames.busy_s if isinstance(frames, Prefetcher) else run.decode_s, run.pose_s,
                     float(np.mean(run.light)) if run.light else -1.0, samples_posed=gate.stats.posed)


class _PosePass:
    """One pose pass's bookkeeping: samples decoded (index, time, brightness), observers fed, time spent."""

    def __init__(self, info: VideoInfo, backend: PoseBackend, observers: Sequence[FrameObserver],
                 deadline: float) -> None:
        self.info, self.backend, self.deadline = info, backend, deadline
        self.every = [o for o in observers if getattr(o, "every_sample", False)]
        self.posed_only = [o for o in observers if not getattr(o, "every_sample", False)]
        self.index: list[int] = []
        self.times: list[float] = []
        self.light: list[float] = []
        self.decode_s = self.pose_s = 0.0

    def scale(self, frame) -> float:
        """Source-frame px per decoded px."""
        return max(self.info.width, self.info.height) / max(frame.image.shape[:2])

    def decoded(self, frames):
        """The decoded samples, each recorded and shown to the every-sample observers."""
        it = iter(frames)
        while True:
            t = time.perf_counter()
            frame = next(it, None)
            self.decode_s += time.perf_counter() - t
            if frame is None:
                return
            if time.monotonic() > self.deadline:
                raise AnalysisTimeout("The analysis took longer than the time limit; try a shorter clip.")
            self._show(self.every, frame)
            if len(self.index) % 10 == 0:
                self.light.append(float(frame.image[::16, ::16].mean()))
            self.index.append(frame.index)
            self.times.append(frame.time_s)
            yield frame

    def observe(self, frame) -> None:
        """A posed frame for the other observers (the decoded BGR array itself, shared with pose)."""
        self._show(self.posed_only, frame)

    def _show(self, observers, frame) -> None:
        for obs in observers:  # observers time themselves (e.g. BarTrack.detect_s/track_s)
            obs.observe(frame.index, frame.time_s, frame.image, self.scale(frame))

    def pose(self, batch) -> list[FramePeople]:
        out: list[FramePeople] = []
        self.pose_s += _pose_batch(self.backend, [f.image for f in batch], [self.scale(f) for f in batch], out)
        return out


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


BODY_PARTS = (("head", (0, 1, 2, 3, 4)), ("hands", (9, 10)), ("hips", (11, 12)), ("knees", (13, 14)),
              ("feet", (15, 16)))
OUT_OF_FRAME_SHARE = 0.3  # a body part seen (confidence >= 0.3) in less than this share of samples is "missing"


def out_of_frame_warnings(raw: KeypointSeries) -> list[str]:
    """Name the body parts the pose model rarely saw (cropped off or hidden), when the rest was seen."""
    seen = {name: float(np.mean(np.nanmax(raw.conf[:, list(idx)], axis=1) >= 0.3)) if raw.n_frames else 0.0
            for name, idx in BODY_PARTS}
    missing = [n for n, v in seen.items() if v < OUT_OF_FRAME_SHARE]
    if not missing or len(missing) == len(BODY_PARTS):
        return []
    what = " and the ".join([", the ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
    verb = "are" if len(missing) > 1 or missing[0] in ("hands", "hips", "knees", "feet") else "is"
    return [f"The {what} {verb} out of frame or hidden most of the time; reps were counted from what can be seen."]


PLAUSIBLE_SCORE = 0.5  # a second person scoring at least this share of the lifter's score could be the lifter


def people_warnings(offered: Sequence[Track], chosen: Track, picked: bool = False) -> list[str]:
    """Say who was analysed when others were seen, numbering people 1..n in the order they are offered (as the
    page's people picker and boxed frame do); name the other plausible lifter when there is one."""
    if len(offered) < 2:
        return []
    number = {t.track_id: i + 1 for i, t in enumerate(offered)}
    me = number[chosen.track_id]
    if picked:
        return [f"{len(offered)} people were seen; analysed person {me} (your choice). "
                "Pick another person if that is wrong."]
    others = [t for t in offered if t is not chosen]
    best = max(others, key=lambda t: t.score)
    if chosen.score > 0 and best.score >= PLAUSIBLE_SCORE * chosen.score:
        return [f"{len(offered)} people were seen; analysed person {me} (largest and moving); person "
                f"{number[best.track_id]} could also be the lifter: pick them below if so."]
    return [f"{len(offered)} people were seen; analysed person {me} (largest and moving). "
            "Pick another person if that is wrong."]


UPSIDE_DOWN_SHARE = 0.6  # share of the most stretched-out samples that must show a standing body head-down
INVERTED_COS = 0.8  # head straight below the feet: head->feet direction within ~37 deg of straight up
STRETCHED_PERCENTILE = 75  # samples with head-to-feet distance above this percentile: the body at full length


def check_upright(track: Track) -> None:
    """Refuse a clip whose lifter is a standing body upside down (stored upside down, no rotation flag).

    Judged where the body is at full length (lockout, standing): there the head must be straight below the
    feet and the torso seen at length, in most of those samples. A lifter lying on a bench filmed from the
    head end has the head below the feet but a torso seen end-on; a clip turned a quarter shows the
    stretched body across the picture; neither is refused.
    """
    kp = track.keypoints
    with warnings.catch_warnings():  # frames with no confident head/foot give NaN, as intended
        warnings.simplefilter("ignore", RuntimeWarning)
        head = np.nanmean(np.where(kp[:, 0:5, 2:3] > 0.3, kp[:, 0:5, :2], np.nan), axis=1)
        feet = np.nanmean(np.where(kp[:, ANKLES, 2:3] > 0.3, kp[:, ANKLES, :2], np.nan), axis=1)
    d = head - feet
    extent = np.hypot(d[:, 0], d[:, 1])
    ok = np.isfinite(extent) & (extent > 1e-6)
    if ok.sum() < 5:
        return
    stretched = ok & (extent >= np.percentile(extent[ok], STRETCHED_PERCENTILE))
    xyc = kp.astype(np.float32).copy()
    xyc[xyc[..., 2] < 0.3, :2] = np.nan
    long = body_orientation(KeypointSeries(xyc, 30.0, 1, 1))["long"]
    inverted = (d[:, 1] / np.where(ok, extent, np.nan) > INVERTED_COS) & (long > 0.5)
    if np.mean(inverted[stretched]) > UPSIDE_DOWN_SHARE:
        raise UpsideDownVideo("The lifter appears upside down (head below the feet): the video seems to be "
                              "stored upside down. Rotate it by 180° and upload it again.")




def choose_lift(series: KeypointSeries, angles: AngleSeries, override: str | None,
                bar_y: np.ndarray | None = None, motion: bool = True) -> Label:
    """The lift label: a user's override, else body-orientation/hand-position probabilities (core.judgment.lift)
    combined with the learned classifier (tempered: it is trained on simulated lifts) and, where the lifter's
    bar is tracked (``bar_y``: its image y per sample of ``series``), where the bar sits: on the back or in
    the hands (core.perception.bar.evidence.deadlift_or_squat), and (``motion``) whether the shoulders move
    with the hands (core.judgment.lift_motion: not on a bench). Weak evidence gives ``unsure`` with two
    candidates; ``source`` says what produced the label."""
    if override:
        return Label(override, 1.0, "user")
    from core.judgment.classify import lift_model_probabilities  # imports torch lazily, only when analysing

    rule = lift_probabilities(series)
    model = lift_model_probabilities(series)
    p = combine_probabilities(rule, model)
    if p is None:
        return classify_lift_by_rules(series, angles)
    source = "rule+model:lift" if model is not None else "rule"
    odds = None if bar_y is None else deadlift_or_squat(bar_y, *shoulders_and_torso(series))
    moved = motion_odds(series) if motion else None  # do the shoulders move with the hands (not a bench)?
    for cue, name in ((odds, "bar"), (moved, "motion")):
        if cue is not None:
            p = {k: v * cue.get(k, 1.0) for k, v in p.items()}
            total = sum(p.values())
            p = {k: v / total for k, v in p.items()}
            source += f"+{name}"
    return disagreement_asks(label_from_probabilities(p, source), p, (odds, moved))


DISAGREE_ODDS = 3.0  # a physical cue (the bar's place, the shoulders' motion) favouring another lift by at least
# this factor over the named one makes the label "unsure": the page asks instead of naming a lift against it
DISAGREE_MIN_P = 0.05  # ... when that lift keeps at least this probability after every cue is weighed (a cue
# outweighed 1000 to 1 by the rest is noise, not a disagreement)


def disagreement_asks(label: Label, p: dict[str, float], cues: Sequence[dict[str, float] | None]) -> Label:
    """``label``, or ``unsure`` between it and the lift a physical cue favours when that cue disagrees with it
    by DISAGREE_ODDS or more (issue 23: when body and bar disagree, say so and ask)."""
    if label.label in (None, UNSURE):
        return label
    for cue in cues:
        if not cue or label.label not in cue:
            continue
        rival = max(cue, key=cue.get)
        if rival != label.label and cue[rival] >= DISAGREE_ODDS * cue[label.label] and p[rival] >= DISAGREE_MIN_P:
            first, second = sorted(((label.label, p[label.label]), (rival, p[rival])), key=lambda kv: -kv[1])
            return Label(UNSURE, min(label.confidence, first[1]), label.source, (first, second))
    return label


def analyze_trace(trace: PoseTrace, config: AnalysisConfig | None = None, *, lifter_id: int | None = None,
                  rep_bounds: Sequence[tuple[int, int, int]] | None = None,
                  lift_override: str | None = None) -> Analysis:
    """Everything after pose. ``rep_bounds`` (start, turn, end sample indices) replaces detection."""
    config = config or AnalysisConfig()
    t0 = time.perf_counter()
    info = trace.info
    tracks = rank_tracks(track_people(list(trace.people), trace.fps), info.width, info.height, trace.fps)
    if not tracks or tracks[0].score <= 0:
        if 0 <= trace.brightness < DARK_BRIGHTNESS:
            raise NoPersonDetected(f"The video is too dark to see the lifter (average brightness "
                                   f"{trace.brightness:.0f} of 255). Film in better light.")
        raise NoPersonDetected("No person was found in this video. Film the whole lifter, side-on, in good light.")
    chosen = tracks[0] if lifter_id is None else next((t for t in tracks if t.track_id == lifter_id), None)
    if chosen is None:
        raise ValueError(f"no person #{lifter_id}; have {[t.track_id for t in tracks]}")
    warnings: list[str] = []
    cuts = cuts_for(trace)
    if cuts:
        warnings.append(f"The video has {len(cuts)} scene cut{'s' * (len(cuts) > 1)} (at "
                        f"{', '.join(f'{trace.times[c] - trace.times[0]:.1f} s' for c in cuts[:5])}); reps are "
                        "counted within each shot, never across a cut.")
        if lifter_id is None:
            chosen = lifter_across_shots(tracks, cuts, info.width, info.height, trace.fps, chosen)
    elif lifter_id is None and getattr(trace, "bar", None) is not None:  # a near-tie: the one holding the bar
        from core.perception.bar.track import bar_holder

        chosen = bar_holder(tracks, trace.bar) or chosen
    present = float(chosen.present.mean())
    if present < MIN_PRESENT_FRACTION:
        raise NoPersonDetected(f"The lifter is visible in only {present:.0%} of the video; FormLens "
                               "needs the whole set in frame.")
    offered = [t for t in tracks if t is chosen or t.present.mean() >= MIN_PRESENT_FRACTION]  # people 1..n
    warnings += people_warnings(offered, chosen, picked=lifter_id is not None)
    check_upright(chosen)
    gone_s = _longest_absence(chosen) / trace.fps
    if gone_s >= 1.0:
        warnings.append(f"The lifter was out of sight for {gone_s:.1f} s; reps in that time cannot be counted.")
    if 0 < trace.fps < low_frame_rate_hz(config):  # only then does the frame rate matter to the lifter
        warnings.append(LOW_FRAME_RATE_WARNING.format(fps=trace.fps))
    raw = lifter_series(trace, chosen)
    series = clean_series(raw, config)
    angles = compute_joint_angles(series)
    view = estimate_view(series)
    bar, bar_y = _lifter_bar(trace, chosen, series)
    lift = choose_lift(series, angles, lift_override, bar_y, config.lift_motion)
    counted = Label(lift.counted_as, lift.confidence, lift.source)  # what reps and faults are judged as
    if lift.label == UNSURE:
        (a, pa), (b, pb) = lift.candidates
        warnings.append(f"FormLens is not sure whether this is a {LIFT_WORDS[a]} or a {LIFT_WORDS[b]} "
                        f"({pa:.0%} / {pb:.0%}); reps were counted as a {LIFT_WORDS[a]}. "
                        "Please choose the lift to be sure.")
    warnings += out_of_frame_warnings(raw)
    number = {t.track_id: i + 1 for i, t in enumerate(offered)}.get(chosen.track_id)  # as people_warnings does
    who = f"person {number}" if len(offered) > 1 and number else "the lifter"
    reps, signal = _reps_for(counted, series, angles, config, rep_bounds, warnings, cuts, bar, bar_y, who)
    report = _build_report(trace, offered, chosen, series, angles, view, lift, reps, signal, config,
                           warnings, time.perf_counter() - t0, counted, bar)
    phases = (phase_labels(reps, series.n_frames, signal.concentric_first) if signal
              else np.full(series.n_frames, "", object))
    return Analysis(report, trace, tuple(tracks), chosen.track_id, raw, series, angles, tuple(reps), signal, phases,
                    bar)


def _lifter_bar(trace: PoseTrace, chosen: Track, series: KeypointSeries):
    """(the bar this lifter moves, its image y per sample of ``series``), or (None, None) without a bar track.
    The trace's own bar (every candidate) stays as is, so a correction re-runs on the very same pose pass."""
    bar = getattr(trace, "bar", None)  # PoseTrace.bar (barbell tracker) where the pose pass had one
    if bar is None:
        return None, None
    from core.perception.bar.track import choose_bar

    bar = choose_bar(bar, chosen.keypoints, body_height_px(series), chosen.track_id)
    return bar, (bar_y_on(series, bar, float(trace.times[0])) if len(trace.times) else None)


def count_reps(lift: str, series: KeypointSeries, angles: AngleSeries, config: AnalysisConfig,
               cuts: Sequence[int] = (), bar: BarTrack | None = None,
               bar_y: np.ndarray | None = None) -> tuple[list[Rep], WorkSignal]:
    """The rep step of an upload, and of the live page on the set so far (core.live): the bar's excursions
    where the lifter's ``bar`` is seen (``bar_y``: its image y per sample of ``series``), the body elsewhere
    (core.movement.reps.detect_reps_in_shots)."""
    gate_y = bar_y if config.rep_gate_bar else None  # the rep gate on the bar (core.config; off: the body alone)
    height = body_height_px(series)
    path = bar_path(bar_y, bar.plate_px, height) if config.bar_reps and bar is not None else None
    return detect_reps_in_shots(lift, series, angles, config, list(cuts), gate_y, path, height)


def per_rep_metrics(series: KeypointSeries, angles: AngleSeries, reps: Sequence[Rep], signal: WorkSignal | None,
                    config: AnalysisConfig, bar_reps: Sequence[dict] | None = None) -> tuple[list[Rep], list[dict]]:
    """(the reps as the report shows them, each rep's metrics): the report's per-rep numbers, measured on the
    reps moved back to their bottom (core.movement.reps.bottom_bounds); ``bar_reps`` adds the bar's."""
    shown = bottom_bounds(list(reps), signal, series.fps, config)  # bands and metrics start at the bottom
    height = body_height_px(series)
    extra = bar_reps if bar_reps is not None else [{} for _ in shown]
    return shown, [rep_metrics(r, series, angles, signal.concentric_first if signal else True, height,
                               config.user_height_m) | bar_m for r, bar_m in zip(shown, extra, strict=True)]


def _reps_for(lift: Label, series, angles, config, rep_bounds, warnings, cuts: Sequence[int] = (),
              bar: BarTrack | None = None, bar_y: np.ndarray | None = None,
              who: str = "the lifter") -> tuple[list[Rep], WorkSignal | None]:
    if lift.label not in ("deadlift", "squat", "bench"):
        warnings.append(NO_LIFT_WARNING)
        return [], None
    reps, signal = count_reps(lift.label, series, angles, config, cuts, bar, bar_y)
    if rep_bounds is not None:
        reps = [Rep(i, int(s), int(t), int(e)) for i, (s, t, e) in enumerate(rep_bounds)]
    elif not reps:
        warnings.append(NO_REP_WARNING.format(who=who, lift=LIFT_WORDS.get(lift.label, lift.label)))
    return reps, signal


def _visibility(series: KeypointSeries, rep: Rep) -> float:
    c = series.conf[rep.start:rep.end + 1][:, KEY_JOINTS]
    return float(np.nanmean(c)) if c.size else 0.0


def _build_report(trace, tracks, chosen, series, angles, view: ViewEstimate, lift: Label, reps, signal,
                  config: AnalysisConfig, warnings: list[str], analysis_s: float,
                  counted: Label | None = None, bar: BarTrack | None = None) -> Report:
    report_lift, lift = lift, counted or lift  # the report shows the label; faults use the counted lift
    fps = series.fps
    height = body_height_px(series)
    bar_extras, bar_reps = _bar_measures(bar, series, reps, signal, view, lift, config, height)
    shown, all_metrics = per_rep_metrics(series, angles, reps, signal, config, bar_reps)
    judged = judge(series, angles, reps, lift, view, signal, config, all_metrics)  # verdicts, style, strip, gold
    calls = report_standards(lift.label, series, angles, shown, view.label, bar, all_metrics, config,
                             signal.concentric_first if signal else None)  # referee calls + measurements
    rep_reports = []
    for r, rep_faults, metrics, call in zip(shown, judged.rep_faults, all_metrics, calls, strict=True):
        vis = _visibility(series, r)
        if vis < LOW_VISIBILITY:
            warnings.append(f"Rep {r.index + 1}: the lifter is hard to see (keypoint confidence {vis:.2f}); "
                            "its form cannot be judged.")
        fi = series.frame_index
        rep_reports.append(RepReport(r.index, round(r.start / fps, 3), round(r.turn / fps, 3),
                                     round(r.end / fps, 3), metrics, tuple(rep_faults), vis,
                                     int(fi[r.start]), int(fi[r.turn]), int(fi[r.end]),
                                     call.standards_dict(), call.measurements_dict(), r.source))
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
    if bar is not None:  # the barbell tracker's own time (run_pose keeps it out of decode_s)
        timing["bar_s"] = round(bar.detect_s + bar.track_s, 3)
    timing["total_s"] = round(sum(timing.values()), 3)
    candidates = [{"track_id": t.track_id, "score": round(t.score, 4), "present": round(float(t.present.mean()), 3)}
                  for t in tracks]  # the people offered as the lifter, in the order they are numbered 1..n
    return Report(
        video=trace.info.to_dict(), lift=report_lift.to_dict(), style=style,
        view={"label": view.label, "confidence": round(view.confidence, 3),
              "width_ratio": None if not np.isfinite(view.width_ratio) else round(view.width_ratio, 3)},
        reps=tuple(rep_reports), timing=timing, pose_backend=trace.backend, rep_detector=config.rep_detector,
        lifter={"track_id": chosen.track_id, "candidates": candidates, "body_height_px":
                None if not np.isfinite(height) else round(height, 1)},
        warnings=tuple(warnings), series=_series_dict(angles, signal),
        set_faults=judged.set_faults,
        extras={"baseline_rep_count": baseline, "frame_stride": _stride_of(trace),
                "sample_hz": round(float(trace.fps), 3), **judgment_extras(judged),
                **bar_extras},
    )


def _stride_of(trace: PoseTrace) -> int:
    """Frames stepped between the trace's samples (1 = every frame)."""
    return max(1, int(round(trace.info.fps / trace.fps))) if trace.fps > 0 else 1


def _bar_measures(bar: BarTrack | None, series, reps, signal, view: ViewEstimate, lift: Label,
                  config: AnalysisConfig, height: float) -> tuple[dict, list[dict]]:
    """Report extras (``bar``, ``velocity_loss_pct``) and per-rep bar metrics; empty without a bar track."""
    if bar is None:
        return {}, [{} for _ in reps]
    from core.perception.bar.measure import measure_set

    block, per_rep, loss = measure_set(bar, series.n_frames, series.fps, reps,
                                       signal.concentric_first if signal else True, view.label,
                                       config.bar_plate_diameter_m, height, config.user_height_m,
                                       series.xyc, lift.label)
    return {"bar": block, "velocity_loss_pct": loss}, per_rep


def _series_dict(angles: AngleSeries, signal: WorkSignal | None) -> dict[str, list]:
    def clean(x: np.ndarray) -> list:
        return [None if not np.isfinite(v) else round(float(v), 1) for v in x]

    d: dict[str, list] = {"t": [round(float(t), 3) for t in angles.times]}
    for name in ("hip", "knee", "elbow", "shoulder", "trunk_lean", "shin", "neck"):
        d[name] = clean(angles[name])
    if signal is not None:
        d["work_signal"] = [None if not np.isfinite(v) else round(float(v), 3) for v in signal.values]
    return d


def analyze_video(source: VideoSource, backend: PoseBackend, config: AnalysisConfig | None = None,
                  progress: Progress | None = None, **kwargs) -> Analysis:
    """Probe, pose and analyse one clip. Raises FormLensError subclasses with user-facing messages."""
    config = config or AnalysisConfig()
    progress = progress or _noop
    trace = trace_video(source, backend, config, progress)
    progress(0.99, "Counting reps and measuring")
    analysis = analyze_trace(trace, config, **kwargs)
    progress(1.0, "Done")
    return analysis


def trace_video(source: VideoSource, backend: PoseBackend, config: AnalysisConfig, progress: Progress) -> PoseTrace:
    """Probe the clip and run every perception pass on it: pose, scene cuts and (when on) the barbell."""
    progress(0.0, "Reading the video")
    info = probe(source, config)
    bar_obs = bar_observer(config)
    scene = SceneObserver()
    trace = run_pose(source, backend, config, progress, info, observers=(scene, bar_obs) if bar_obs else (scene,))
    trace = dataclasses.replace(trace, scene_change=scene.finish())
    if bar_obs is not None:
        trace = dataclasses.replace(trace, bar=bar_obs.finish(bar_obs.detector.name))
    return trace


def bar_observer(config: AnalysisConfig):
    """The barbell tracker for one analysis, or None when off or its weights are missing (logged)."""
    if not config.bar_tracking:
        return None
    from core.errors import ModelUnavailable
    from core.perception.bar.detect import DEFAULT_WEIGHTS as DEFAULT_BAR_WEIGHTS
    from core.perception.bar.detect import BarDetector
    from core.perception.bar.track import BarObserver

    try:
        detector = BarDetector(config.bar_weights or DEFAULT_BAR_WEIGHTS, threads=config.bar_threads)
    except ModelUnavailable as err:
        logger.warning("barbell tracking off: %s", err)
        return None
    return BarObserver(detector, detect_every_s=config.bar_detect_every_s)
