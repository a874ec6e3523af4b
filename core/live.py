"""Live coaching without Streamlit: frames in one at a time, skeleton, rep count, phase and verdicts out.

Why a separate module: the live page, the classroom page and the tests all
drive the same analyzer. The overlay (skeleton, driving angle, phase) is made
causally from the newest frames; the reps are the upload's own, so that live
and upload give the same answers for the same frames:

    pose (injectable) -> PersonTracker + running lifter score -> lifter keypoints per sample
      overlay: causal cleaning -> angles on a short window -> phase from the driving angle
      reps:    every RECOUNT_S of video, the upload's cleaning (core.movement.cleaning, kept incrementally:
               SetSoFar) -> angles -> the upload's rep step (core.pipeline.count_reps) on the set so far;
               a completed rep not yet announced is announced, with the upload's per-rep numbers and
               verdicts (core.pipeline.per_rep_metrics, core.judgment.judge.rep_details)

``step(image, t)`` runs pose; ``step_people(people, t, size)`` takes pose
results from elsewhere (a cached pose pass in tests). ``to_trace()`` turns the
buffered pose results into a :class:`core.types.PoseTrace`; ``finish()`` runs
the upload pipeline on it (core.pipeline.analyze_trace) and the live reps
become the report's, so "Finish set" and an upload of the same frames agree.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi

from core.config import AnalysisConfig
from core.judgment.faults.judge_rules import as_fault
from core.judgment.judge import rep_details, rule_style
from core.judgment.lift import Label, classify_lift_by_rules
from core.judgment.standards import light_line, live_rep_standards
from core.movement.angles import compute_joint_angles
from core.movement.cleaning import clean_series
from core.movement.reps import bar_y_on
from core.perception.crop import LifterCrop, supports_window
from core.perception.pose import PoseBackend
from core.perception.tracking import PersonTracker, dedupe_people
from core.perception.view import estimate_view
from core.pipeline import Analysis, analyze_trace, count_reps, per_rep_metrics
from core.render.annotate import BAD, GOOD, NEUTRAL, draw_label, draw_skeleton, fit_text
from core.skeleton import KEY_JOINTS, LIFTS, N_KEYPOINTS
from core.types import AngleSeries, FramePeople, KeypointSeries, PoseTrace, Rep, VideoInfo

logger = logging.getLogger(__name__)

ANGLE_WINDOW_S = 2.0  # s of history the per-frame angles choose their better-seen side from
DROPPED_STEP = 1.5  # a step between camera timestamps this many times the median one skips frames
FPS_WARMUP_SAMPLES = 12  # samples whose timestamps fix the sample rate before counting starts
LIFTER_SWITCH_RATIO = 1.5  # another person must score this many times the lifter's to take over
LIFTER_SCORE_DECAY = 0.97  # per-sample forgetting of the running lifter score (~1 s memory at 30 Hz)
AUTO_LIFT_MIN_CONF = 0.7  # rule confidence (core.judgment.lift margin scale, 0.5-0.95) needed to switch the lift
LIFT_RULE_AFTER_S = 4.0  # s of keypoints before the lift rule is trusted (one rep is ~2-4 s)
DARK_LUMA = 50.0  # mean 8-bit luma below which the picture is too dark for the pose model (tested by eye)
BRIGHT_LUMA = 225.0  # mean 8-bit luma above which the picture is washed out
WHOLE_BODY_SHARE = 0.7  # share of setup frames with shoulders..ankles seen for "whole body in frame"
RECOUNT_S = 0.2  # s of video between two runs of the upload's rep step on the set so far (a rep lasts > 0.4 s)
ANNOUNCE_AFTER_S = 0.5  # s a completed rep's end must lie behind the newest sample before it is announced: the
# zero-phase filters (cleaning 6 Hz, rep signal 3 Hz, bar 4 Hz) still move the last few tenths of a second
CLEAN_TAIL_S = 4.0  # s of raw keypoints the upload's cleaning chain is re-run on at each recount (SetSoFar)
CLEAN_EDGE_S = 1.0  # s at the start of that stretch kept from earlier runs (the filters' start-up there)
PHASE_WINDOW_S = 0.2  # s over which the overlay's phase reads the driving angle's direction
PHASE_SPEED_DEG_S = 30.0  # deg/s the driving angle must change by for "up" or "down" (a rep's phases move at
# ~60-200 deg/s; standing or holding drifts < 10 deg/s)


@dataclass(frozen=True)
class LiveSettings:
    """Knobs of the live path only (the analysis thresholds stay in :class:`AnalysisConfig`)."""

    pose_every: int = 1  # run pose on every n-th frame, hold the keypoints in between (CPU budget)
    guidance_s: float = 2.0  # s of keypoints the camera-setup checks are computed from
    auto_lift: bool = False  # let the lift rule replace the chosen lift once LIFT_RULE_AFTER_S are in
    fps_hint: float | None = None  # known sample rate (a decoded clip); None = measure from timestamps
    keep_frames_s: float = 0.0  # s of analysed frames kept (JPEG, ~50 kB each at 640x480) for the recording
    count_in_background: bool = False  # run the rep step in a worker thread (the page: the frame callback never
    # waits for it); False runs it in the caller's thread, sample by sample (tests, replays: deterministic)


@dataclass(frozen=True)
class LiveRep:
    """One counted rep, as reported live. Times are stream seconds; ``reported_s`` is when it was counted."""

    index: int
    start_s: float
    turn_s: float
    end_s: float
    reported_s: float
    complete: bool
    faults: tuple[dict, ...] = ()
    verdict: str = ""
    metrics: dict | None = None  # the upload report's per-rep numbers (core.pipeline.per_rep_metrics)
    standards: dict = field(default_factory=dict)  # referee calls (core.judgment.standards), as in the report


@dataclass(frozen=True)
class SetupCheck:
    """One camera-setup check computed from the first seconds (``ok`` None = not enough data yet)."""

    name: str
    ok: bool | None
    message: str


@dataclass(frozen=True)
class LiveSnapshot:
    """What the overlay and the page show after one frame. keypoints: (17, 3) px + conf, NaN = unseen."""

    t: float
    keypoints: np.ndarray
    angle_name: str
    angle_deg: float | None
    rep_count: int
    phase: str
    fps: float
    latency_ms: float
    lift: str
    lift_guess: str | None
    reps: tuple[LiveRep, ...] = ()
    setup: tuple[SetupCheck, ...] = ()
    frames_seen: int = 0


class CausalCleaner:
    """Confidence gate -> hold over short gaps -> causal Butterworth per coordinate (state kept).

    The offline chain (core.movement.cleaning) filters forwards and backwards; live
    there is no future, so ``sosfilt`` with its state is used. It lags by a
    few samples, which is why reps are reported on their return to rest.
    """

    def __init__(self, fps: float, config: AnalysisConfig) -> None:
        nyq = fps / 2.0
        self.min_conf = config.keypoint_min_conf
        self.max_gap = max(1, int(round(config.max_gap_s * fps)))
        self.sos = None
        if config.lowpass_hz < nyq * 0.95:
            self.sos = butter(config.lowpass_order, config.lowpass_hz / nyq, output="sos")
        n_sections = 0 if self.sos is None else len(self.sos)
        self._zi = np.zeros((n_sections, 2 * N_KEYPOINTS, 2))
        self._started = np.zeros(2 * N_KEYPOINTS, bool)
        self._last = np.full((N_KEYPOINTS, 2), np.nan)
        self._gap = np.zeros(N_KEYPOINTS, int)

    def push(self, xyc: np.ndarray) -> np.ndarray:
        """Clean one (17, 3) pose; returns a new (17, 3) array (conf kept as measured)."""
        xy = np.where((np.nan_to_num(xyc[:, 2:3]) >= self.min_conf), xyc[:, :2], np.nan).astype(np.float64)
        seen = np.isfinite(xy).all(axis=1)
        self._gap = np.where(seen, 0, self._gap + 1)
        held = ~seen & (self._gap <= self.max_gap) & np.isfinite(self._last).all(axis=1)
        xy[held] = self._last[held]
        self._last = np.where(seen[:, None], xy, self._last)
        out = np.full((N_KEYPOINTS, 3), np.nan)
        out[:, 2] = np.nan_to_num(xyc[:, 2])
        out[:, :2] = self._filter(xy.reshape(2 * N_KEYPOINTS)).reshape(N_KEYPOINTS, 2)
        return out

    def _filter(self, v: np.ndarray) -> np.ndarray:
        """One step of the causal low-pass for all 34 coordinates at once (NaN restarts a channel)."""
        if self.sos is None:
            return v
        ok = np.isfinite(v)
        fresh = ok & ~self._started
        if fresh.any():  # start a channel at rest on its first value (no ramp from zero)
            self._zi[:, fresh, :] = sosfilt_zi(self.sos)[:, None, :] * v[fresh][None, :, None]
        y, zi = sosfilt(self.sos, np.nan_to_num(v)[:, None], axis=-1, zi=self._zi)
        self._zi = np.where(ok[None, :, None], zi, 0.0)
        self._started = ok
        return np.where(ok, y[:, 0], np.nan)


class SetSoFar:
    """The upload's cleaned series (core.movement.cleaning.clean_series) of the live set so far, kept incrementally.

    Each update re-cleans only the last ``CLEAN_TAIL_S`` of raw keypoints and keeps the samples before its
    first ``CLEAN_EDGE_S`` from earlier updates, so the cost stays bounded however long the set. A sample is
    last re-cleaned when it is ``CLEAN_TAIL_S - CLEAN_EDGE_S`` old, with at least ``CLEAN_EDGE_S`` of keypoints
    on either side: further than the chain reaches (Hampel window and gap fill 0.3 s, the 6 Hz zero-phase
    low-pass < 0.5 s; tests/unit/test_live.py compares it with cleaning the whole set at once).
    """

    def __init__(self, fps: float, config: AnalysisConfig) -> None:
        self.fps, self.config = fps, config
        self.xyc = np.zeros((0, N_KEYPOINTS, 3), np.float32)

    def update(self, raw: list[np.ndarray], size: tuple[int, int]) -> KeypointSeries:
        """The cleaned series of ``raw`` ((17, 3) lifter keypoints per sample, NaN = unseen)."""
        n = len(raw)
        a = max(0, n - max(1, int(round(CLEAN_TAIL_S * self.fps))))
        keep = 0 if a == 0 else min(a + int(round(CLEAN_EDGE_S * self.fps)), len(self.xyc))
        tail_xyc = np.asarray(raw[a:n], np.float32).reshape(-1, N_KEYPOINTS, 3)
        tail = clean_series(KeypointSeries(tail_xyc, self.fps, *size), self.config)
        xyc = np.empty((n, N_KEYPOINTS, 3), np.float32)
        xyc[:keep] = self.xyc[:keep]
        xyc[keep:] = tail.xyc[keep - a:]
        self.xyc = xyc
        return KeypointSeries(xyc, self.fps, *size)


@dataclass(frozen=True)
class Counted:
    """One run of the upload's rep step on the set so far."""

    series: KeypointSeries
    angles: AngleSeries
    reps: tuple[Rep, ...]
    signal: object  # core.movement.reps.WorkSignal


def judge_rep(lift: str, counted: Counted, i: int, config: AnalysisConfig) -> tuple[tuple[dict, ...], dict]:
    """(verdicts, numbers) of rep ``i`` of ``counted`` by the upload report's own functions: the metrics of
    core.pipeline.per_rep_metrics and the verdicts of core.judgment.judge.rep_details, judged against the
    style read from the reps so far (core.judgment.judge.rule_style), as core.judgment.judge.judge does."""
    series, angles, reps, signal = counted.series, counted.angles, list(counted.reps), counted.signal
    view = estimate_view(series)
    _, metrics = per_rep_metrics(series, angles, reps, signal, config)
    style = rule_style(series, angles, reps, lift, view)
    found = rep_details(series, angles, [reps[i]], lift, view, signal.concentric_first,
                        style.label if style is not None else None, [metrics[i]])[0]
    return tuple(as_fault(f).to_dict() for f in found), metrics[i]


def _angles_now(series: KeypointSeries) -> dict[str, float]:
    """Every angle (deg) of the last sample, for the overlay."""
    angles = compute_joint_angles(series)
    return dict(zip(angles.names, angles.values[-1].tolist(), strict=True))


DRIVING_ANGLE = {"deadlift": "hip", "squat": "knee", "bench": "elbow"}  # the overlay's angle per lift: it opens
# on the way up in all three (core.movement.reps.work_signal reads the same joints)


def still_found(announced: list[tuple[float, float]], found: list[tuple[float, float]]) -> int:
    """How many of the reps announced so far, (start_s, end_s) in order, the latest recount still finds: each
    overlaps the recount's rep at its place. A rep still found but not settled again (its end moved while the
    lifter lowers the bar, or it reads unfinished for a moment) stays announced; only a rep the rep step no
    longer finds is withdrawn, so a rep is never announced, withdrawn and announced again."""
    keep = 0
    for (a0, a1), (f0, f1) in zip(announced, found, strict=False):
        if f0 >= a1 or f1 <= a0:
            break  # no overlap: the rep step changed this rep
        keep += 1
    return keep


class LiveAnalyzer:
    """The incremental analysis of one camera stream (one per browser session, never shared).

    Not thread-safe by itself: the caller (``ui.live.LiveSession``) holds a lock.
    """

    def __init__(self, config: AnalysisConfig, lift: str = "deadlift", backend: PoseBackend | None = None,
                 settings: LiveSettings | None = None) -> None:
        if lift not in LIFTS:
            raise ValueError(f"unknown lift {lift!r}; allowed: {list(LIFTS)}")
        self.config, self.lift, self.backend = config, lift, backend
        self.settings = settings or LiveSettings()
        self.fps: float | None = self.settings.fps_hint
        self.size = (0, 0)  # (width, height) px of the frames
        self.tracker = PersonTracker(max_age=30)
        self._scores: dict[int, float] = {}
        self._lifter: int | None = None
        self.people: list[FramePeople] = []  # pose results, for the end-of-set report
        self.times: list[float] = []  # s, stream time of each sample
        self.raw: list[np.ndarray] = []  # (17, 3) lifter pose per sample, NaN when nobody
        self.clean: list[np.ndarray] = []  # causally cleaned (the overlay's skeleton and angle)
        self.lumas: list[float] = []
        self.reps: list[LiveRep] = []
        self.lift_guess: Label | None = None
        self.pose_s = 0.0
        self._cleaner: CausalCleaner | None = None
        self._set: SetSoFar | None = None  # the upload's cleaning of the set so far
        self.counted: Counted | None = None  # the last run of the upload's rep step
        self._counted_n = 0  # samples that run saw
        self.bar = None  # the lifter's bar (core.perception.bar.types.BarTrack, times in s since the first sample, as
        # to_trace's): a live bar tracker may set it; the rep step and finish() then count with the bar, as an upload
        self.analysis: Analysis | None = None  # the upload pipeline on the finished set (finish())
        self.finished = False
        self._phase_angles: deque[tuple[float, float]] = deque()  # (s, deg) of the driving angle, PHASE_WINDOW_S
        self._count_lock = threading.Lock()  # one rep step at a time (the worker's and finish()'s)
        self._worker = _CountWorker(self) if self.settings.count_in_background else None
        self._frames = 0
        self._walls: deque[float] = deque(maxlen=60)
        self._last: LiveSnapshot | None = None
        self._setup: tuple[SetupCheck, ...] = ()
        self._angles: dict[str, float] = {}  # deg, the latest sample's angles
        self._max_samples = int(config.max_duration_s * 60)  # bounded buffers: 10 min at up to 60 fps
        self.recorded: list[bytes] = []  # JPEG of analysed frame i = sample i (while within keep_frames_s)
        self._pose = backend  # the crop around the lifter as in an upload (config.pose_crop, core.perception.crop): one
        # crop state per stream, a full look every REFRESH_S and whenever the lifter is lost
        if backend is not None and config.pose_crop and supports_window(backend):
            self._pose = LifterCrop(backend, None, (self.settings.fps_hint or 30.0) / self.settings.pose_every,
                                    config.pose_crop_margin)

    # --- input -------------------------------------------------------------------------------
    def step(self, image: np.ndarray, t: float) -> LiveSnapshot:
        """One BGR frame at stream time ``t`` (s). Pose runs on every ``pose_every``-th frame."""
        if self.backend is None:
            raise ValueError("LiveAnalyzer.step needs a pose backend; use step_people for precomputed poses")
        wall = time.perf_counter()
        self._frames += 1
        if self._last is not None and (self._frames - 1) % self.settings.pose_every:
            self._walls.append(time.perf_counter())
            snap = self._last
            return LiveSnapshot(**{**snap.__dict__, "t": t, "fps": self._fps(),
                                   "latency_ms": (time.perf_counter() - wall) * 1000})
        luma = luma_of(image)
        self._keep_frame(image)
        people = self._pose.predict([image])[0]
        self.pose_s += time.perf_counter() - wall
        return self.step_people(people, t, (image.shape[1], image.shape[0]), luma=luma, started=wall)

    def step_people(self, people: FramePeople, t: float, size: tuple[int, int], luma: float | None = None,
                    started: float | None = None) -> LiveSnapshot:
        """One sample of pose results at stream time ``t`` (s) for frames of ``size`` (width, height) px."""
        started = time.perf_counter() if started is None else started
        self.size = size
        if len(self.times) < self._max_samples:
            people = dedupe_people(people)
            self.people.append(people)
            self.times.append(float(t))
            self.raw.append(self._lifter_pose(people))
            if luma is not None:
                self.lumas.append(luma)
            self._process_new()
        self._walls.append(time.perf_counter())
        self._last = self._snapshot(t, (time.perf_counter() - started) * 1000)
        return self._last

    def finish(self) -> list[LiveRep]:
        """The set ended: the upload pipeline runs on the buffered set (core.pipeline.analyze_trace, no new pose)
        and the live reps become its reps, verdicts and numbers; returns the reps not announced before."""
        if self.finished or self.fps is None or not self.times:
            return []
        self.finished = True
        if self._worker is not None:
            self._worker.stop()
        before = len(self.reps)
        self._recount(final=True)
        try:
            trace = self.to_trace() if self.bar is None else replace(self.to_trace(), bar=self.bar)
            self.analysis = analyze_trace(trace, self.config, lift_override=self.lift)
        except Exception:  # the live count must survive a failing analysis (no person, ...): keep the live reps
            logger.exception("end-of-set analysis failed; keeping the live reps")
            return self.reps[before:]
        self._adopt(self.analysis)
        return self.reps[before:]

    def _adopt(self, analysis: Analysis) -> None:
        """The report's reps as the live reps (the ones announced keep the time they were announced)."""
        t0, now = self.times[0], self.times[-1]
        reps = []
        for r in analysis.report.reps:
            start, end = r.start_s + t0, r.end_s + t0
            said = next((x for x in self.reps if min(end, x.end_s) > max(start, x.start_s)), None)
            faults = tuple(dict(f) for f in r.faults)
            reps.append(LiveRep(r.index, start, r.turn_s + t0, end, said.reported_s if said else now,
                                r.metrics.get("complete", True), faults,
                                rep_verdict(r.index, faults, driving_range(self.lift, r.metrics)), dict(r.metrics),
                                {k: dict(v) for k, v in (r.standards or {}).items()}))
        if len(reps) != len(self.reps):
            logger.info("end of set: %d reps announced live, %d in the report", len(self.reps), len(reps))
        self.reps = reps

    def _keep_frame(self, image: np.ndarray) -> None:
        """Keep the frame about to become sample ``len(self.times)``, while the recording budget lasts."""
        budget = int(self.settings.keep_frames_s * (self.fps or 30.0))
        if len(self.recorded) == len(self.times) and len(self.recorded) < budget:
            ok, jpg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if ok:
                self.recorded.append(jpg.tobytes())

    def write_recording(self, out_path: str | Path) -> Path:
        """The kept frames as an MP4 (frame i = sample i, so the end-of-set Analysis can annotate it), each at its
        own time (ms): frames the camera dropped on a busy machine leave their gap, so the recording lasts as long
        as the set and the check of it measures the bar's speed in real seconds."""
        if not self.recorded:
            raise ValueError("no frames were recorded (turn on keeping the recording before START)")
        out_path = Path(out_path)
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        ms = np.round((np.asarray(self.times[:len(self.recorded)]) - self.times[0]) * 1000).astype(np.int64)
        step = np.arange(len(ms))
        ms = np.maximum.accumulate(ms - step) + step  # strictly increasing (>= 1 ms apart), as the muxer needs
        with av.open(str(out_path), mode="w") as container:
            stream = container.add_stream(codec, rate=Fraction(self.fps or 30.0).limit_denominator(1000))
            stream.codec_context.time_base = Fraction(1, 1000)
            first = cv2.imdecode(np.frombuffer(self.recorded[0], np.uint8), cv2.IMREAD_COLOR)
            stream.height, stream.width = (first.shape[0] // 2 * 2, first.shape[1] // 2 * 2)
            stream.pix_fmt = "yuv420p"
            if codec == "libx264":  # the report waits for this file: speed over size (~3x faster than default)
                stream.options = {"preset": "ultrafast"}
            for jpg, pts in zip(self.recorded, ms, strict=True):
                img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)[:stream.height, :stream.width]
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
                frame.pts, frame.time_base = int(pts), Fraction(1, 1000)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return out_path

    # --- lifter choice ---------------------------------------------------------------------------
    def _lifter_pose(self, people: FramePeople) -> np.ndarray:
        """Follow people by IoU and keep the big, confident, central one (sticky, bounded state)."""
        ids = self.tracker.update(people)
        w, h = max(self.size[0], 1), max(self.size[1], 1)
        for tid in list(self._scores):
            self._scores[tid] *= LIFTER_SCORE_DECAY
            if self._scores[tid] < 1e-3 and tid != self._lifter:
                del self._scores[tid]  # forget people who left
        for i, tid in enumerate(ids):
            box = people.boxes[i]
            size = float(box[3] - box[1]) / h
            centre = 1.0 - min(1.0, abs((box[0] + box[2]) / 2 / w - 0.5) * 2)
            conf = float(np.nanmean(people.keypoints[i, :, 2]))
            self._scores[tid] = self._scores.get(tid, 0.0) + size * conf * (0.75 + 0.25 * centre)
        if self._scores:
            best = max(self._scores, key=self._scores.__getitem__)
            current = self._scores.get(self._lifter, 0.0) if self._lifter is not None else 0.0
            if self._lifter is None or self._scores[best] > LIFTER_SWITCH_RATIO * current:
                self._lifter = best
        if self._lifter in ids:
            return people.keypoints[ids.index(self._lifter)].astype(np.float64)
        return np.full((N_KEYPOINTS, 3), np.nan)

    # --- stages ----------------------------------------------------------------------------------
    def _process_new(self) -> None:
        if self.fps is None:
            if len(self.times) < FPS_WARMUP_SAMPLES:
                return
            self.fps = sample_rate(self.times)
        if self._cleaner is None:
            self._cleaner = CausalCleaner(self.fps, self.config)
            self._set = SetSoFar(self.fps, self.config)
        while len(self.clean) < len(self.raw):  # catches up after the warm-up
            self._process_sample(len(self.clean))
        if len(self.raw) - self._counted_n >= max(1, int(round(RECOUNT_S * self.fps))):
            if self._worker is None:
                self._recount()
            else:
                self._counted_n = len(self.raw)  # asked for: the worker takes the newest samples when it is free
                self._worker.wake()

    def _process_sample(self, i: int) -> None:
        """The overlay's part of one sample: causal cleaning, the angles of a short window, the phase."""
        self.clean.append(self._cleaner.push(self.raw[i]))
        window = max(3, int(ANGLE_WINDOW_S * self.fps))
        self._angles = _angles_now(KeypointSeries(np.asarray(self.clean[-window:], np.float32), float(self.fps),
                                                  *self.size))
        a = self._angles.get(DRIVING_ANGLE[self.lift], float("nan"))
        if np.isfinite(a):
            self._phase_angles.append((self.times[i], float(a)))
        while self._phase_angles and self._phase_angles[0][0] < self.times[i] - PHASE_WINDOW_S:
            self._phase_angles.popleft()
        self._maybe_guess_lift()
        if not self._setup and self.times[-1] - self.times[0] >= self.settings.guidance_s:
            self._setup = camera_setup_checks(self.clean_series(), self.lumas, self.size)

    def _phase(self) -> str:
        """"up", "down" or "rest" from the overlay's driving angle over the last PHASE_WINDOW_S: it opens on the way
        up and closes on the way down in all three lifts."""
        pa = self._phase_angles
        if len(pa) < 2 or pa[-1][0] <= pa[0][0]:
            return "rest"
        speed = (pa[-1][1] - pa[0][1]) / (pa[-1][0] - pa[0][0])
        return "up" if speed >= PHASE_SPEED_DEG_S else "down" if speed <= -PHASE_SPEED_DEG_S else "rest"

    # --- reps: the upload's rep step on the set so far ---------------------------------------------------
    def _recount(self, final: bool = False) -> None:
        """Run the upload's rep step on the set so far and announce each completed rep not announced yet.

        A rep is announced once it is complete and its end lies ``ANNOUNCE_AFTER_S`` behind the newest sample
        (``final``: the set ended, every rep the upload keeps counts). Reps announced earlier that the rep step no
        longer finds (its clip-wide ranges moved) are withdrawn, and logged."""
        with self._count_lock:
            lift, bar = self.lift, self.bar
            n = len(self.raw)  # the frame callback may append meanwhile (worker): this run sees n samples
            self._counted_n = max(self._counted_n, n)
            times = self.times[:n]
            series = self._set.update(self.raw[:n], self.size)
            angles = compute_joint_angles(series)
            bar_y = None if bar is None else bar_y_on(series, bar, 0.0)  # both on the trace's time base
            reps, signal = count_reps(lift, series, angles, self.config, (), bar, bar_y)
            counted = Counted(series, angles, tuple(reps), signal)
            settle = int(round(ANNOUNCE_AFTER_S * self.fps))
            announced = list(self.reps)
            keep = still_found([(r.start_s, r.end_s) for r in announced],
                               [(times[r.start], times[r.end]) for r in reps])
            if keep < len(announced):
                logger.info("live count revised from %d to %d reps", len(announced), keep)
            reps_now = announced[:keep]
            done = [r for r in reps[keep:] if final or (r.complete and r.end <= n - 1 - settle)]
            view = estimate_view(series).label if done else None
            for r in done:
                faults, metrics = judge_rep(lift, counted, r.index, self.config)
                i = len(reps_now)
                reps_now.append(LiveRep(i, times[r.start], times[r.turn], times[r.end], times[-1], r.complete,
                                        faults, rep_verdict(i, faults, driving_range(lift, metrics)), metrics,
                                        live_rep_standards(lift, series, r, view, self.config)))
                logger.info("live rep %d: %s", i + 1, reps_now[-1].verdict)
            if lift == self.lift:  # else set_lift ran meanwhile: this count is of the old lift
                self.counted, self.reps = counted, reps_now

    def _maybe_guess_lift(self) -> None:
        """The rule of core.judgment.lift on everything buffered, every 2 s once LIFT_RULE_AFTER_S are in.

        With ``auto_lift`` a confident guess replaces the lift and the set so far is counted again as that lift.
        """
        n = len(self.clean)
        every = max(1, int(2 * self.fps))
        if self.times[-1] - self.times[0] < LIFT_RULE_AFTER_S or n % every:
            return
        series = self.clean_series()
        self.lift_guess = classify_lift_by_rules(series, compute_joint_angles(series))
        guess = self.lift_guess
        if self.settings.auto_lift and guess.label in LIFTS and guess.label != self.lift \
                and guess.confidence >= AUTO_LIFT_MIN_CONF:
            self.set_lift(guess.label)

    def set_lift(self, lift: str) -> None:
        """Change the lift being counted: the set so far is counted again as ``lift``."""
        if lift not in LIFTS:
            raise ValueError(f"unknown lift {lift!r}; allowed: {list(LIFTS)}")
        self.lift = lift
        self.reps = []
        self._phase_angles.clear()
        self._counted_n = 0  # count again at the next sample

    def clean_series(self, last_s: float | None = None) -> KeypointSeries:
        """The causally cleaned lifter keypoints so far (or the last ``last_s`` seconds)."""
        xyc = np.asarray(self.clean, np.float32).reshape(-1, N_KEYPOINTS, 3)
        if last_s is not None:
            xyc = xyc[-max(3, int(last_s * (self.fps or 30))):]
        return KeypointSeries(xyc, float(self.fps or 30.0), *self.size)

    def _fps(self) -> float:
        w = self._walls
        return (len(w) - 1) / (w[-1] - w[0]) if len(w) > 1 and w[-1] > w[0] else 0.0

    def _snapshot(self, t: float, latency_ms: float) -> LiveSnapshot:
        name = DRIVING_ANGLE[self.lift]
        kp = self.clean[-1] if self.clean else (self.raw[-1] if self.raw else np.full((N_KEYPOINTS, 3), np.nan))
        a = self._angles.get(name, float("nan"))
        angle = float(a) if np.isfinite(a) else None
        phase = self._phase()
        return LiveSnapshot(t, np.asarray(kp), name, angle, len(self.reps), phase, self._fps(), latency_ms,
                            self.lift, self.lift_guess.label if self.lift_guess else None, tuple(self.reps),
                            self._setup, len(self.times))

    # --- end of set ----------------------------------------------------------------------------------
    def to_trace(self):
        """The buffered pose results as a PoseTrace, so the offline stages can run on them."""
        if not self.times:
            raise ValueError("no frames were analysed yet")
        times = np.asarray(self.times) - self.times[0]
        # samples kept per second over the whole set: where the camera's frames were dropped (a busy machine) this
        # is below the camera's rate (sample_rate), and the analysis's time grid (core.pipeline.lifter_series,
        # len(times) samples at this rate) must span the whole set: at the camera's rate it ended early by the
        # dropped share and the end-of-set report lost the last reps (tests/unit/test_live.py)
        fps = (len(times) - 1) / float(times[-1]) if len(times) > 1 and times[-1] > 0 else float(self.fps or 30.0)
        info = VideoInfo(fps=fps, frames=len(times), duration_s=float(times[-1] + 1 / fps),
                         width=int(self.size[0]), height=int(self.size[1]), codec="live")
        name = getattr(self.backend, "name", "precomputed")
        return PoseTrace(info, tuple(self.people), np.arange(len(times), dtype=np.int64), times, fps, name,
                         0.0, self.pose_s)

    def finish_report(self, bar=None) -> Analysis:
        """The upload-style Analysis of the finished set (core.pipeline.analyze_trace on the buffered pose
        results, no new pose: ~0.3 s for a 12 s set); ``bar`` a core.perception.bar BarTrack of the kept
        recording (ui.live tracks it after the set), None for none.

        Without ``bar`` it is the very analysis whose reps the live page shows after :meth:`finish`. With a bar
        the reps are counted again with it, as the upload counts a clip whose bar is tracked (its start is where
        the bar leaves its low point, which the pose alone places later in a pull: a late start cuts the slow
        first part off the concentric and reads its speed ~15 % high); when that count differs from the one the
        lifter saw at the end of the set, the latter's bounds are kept and the bar only adds its speed and path.
        """
        self.finish()
        if bar is None:
            return self.analysis if self.analysis is not None else analyze_trace(
                self.to_trace(), self.config, lift_override=self.lift)
        trace = replace(self.to_trace(), bar=bar)
        with_bar = analyze_trace(trace, self.config, lift_override=self.lift)
        if self.analysis is None or len(with_bar.reps) == len(self.analysis.reps):
            if self.analysis is not None:
                self.analysis = with_bar
                self._adopt(with_bar)
            return with_bar
        bounds = [(r.start, r.turn, r.end) for r in self.analysis.reps]
        return analyze_trace(trace, self.config, lift_override=self.lift, rep_bounds=bounds)

    def counted_bounds(self) -> list[tuple[int, int, int]] | None:
        """(start, turn, end) sample indices (of :meth:`clean_series`) of the reps announced so far; None before
        the first count."""
        if not self.reps or not self.times:
            return None if not self.times else []
        times = np.asarray(self.times, np.float64)

        def sample(t: float) -> int:
            return int(min(np.searchsorted(times, t - 1e-6), len(times) - 1))

        return [(sample(r.start_s), sample(r.turn_s), sample(r.end_s)) for r in self.reps]

    def snapshot(self) -> LiveSnapshot:
        """The current state (after :meth:`finish`, the final count) without a new frame."""
        return self._snapshot(self.times[-1] if self.times else 0.0, 0.0)


class _CountWorker:
    """Runs the analyzer's rep step in a daemon thread, woken by the frame callback (which never waits for it):
    the rep step on a 10-s set costs more than the callback's whole budget on 2 busy cores. The thread holds the
    analyzer weakly and ends once the analyzer is gone (a page's abandoned set) or the set is finished."""

    IDLE_S = 2.0  # s between two looks at whether the analyzer still exists while nothing wakes the thread

    def __init__(self, analyzer: LiveAnalyzer) -> None:
        self._analyzer = weakref.ref(analyzer)
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="formlens-live-reps", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """No more runs; waits for the one in progress (at most ``timeout_s``)."""
        self._stopped = True
        self._wake.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stopped:
            woken = self._wake.wait(self.IDLE_S)
            self._wake.clear()
            analyzer = self._analyzer()
            if analyzer is None or self._stopped:
                return
            if woken:
                try:
                    analyzer._recount()
                except Exception:  # a bug in one run must not end counting for the rest of the set
                    logger.exception("live rep step failed")
            del analyzer


def driving_range(lift: str, metrics: dict | None) -> tuple[str, float, float]:
    """(angle name, lowest, at lockout) in deg of the lift's driving angle from the report's per-rep metrics
    (``min_<name>_deg``, ``lockout_<name>_deg``; NaN when not measured)."""
    name = DRIVING_ANGLE.get(lift, "hip")
    m = metrics or {}

    def deg(key: str) -> float:
        v = m.get(key)
        return float(v) if v is not None else float("nan")

    return name, deg(f"min_{name}_deg"), deg(f"lockout_{name}_deg")


def rep_verdict(index: int, faults: tuple[dict, ...], angle_range: tuple[str, float, float]) -> str:
    """One line per rep in plain words: the faults found (verdict "fault"), else what was fine or unsure."""
    from core.judgment.verdicts import verdict_of

    found = [f for f in faults if verdict_of(f) == "fault"]
    if found:
        f = max(found, key=lambda f: f.get("p") or f.get("score", 0))
        return f"Rep {index + 1}: {f.get('title') or f['name'].replace('_', ' ')} — {f.get('evidence', '')}".strip(" —")
    if any(verdict_of(f) == "fine" for f in faults):
        unsure = [f.get("title") or f["name"].replace("_", " ") for f in faults if verdict_of(f) == "not_sure"]
        return f"Rep {index + 1}: good" + (f" (not sure about: {', '.join(unsure).lower()})" if unsure else "")
    if any(verdict_of(f) == "not_sure" for f in faults):
        return f"Rep {index + 1}: not sure — FormLens could not tell from this view"
    name, lo, hi = angle_range
    if np.isfinite(lo) and np.isfinite(hi):
        return f"Rep {index + 1}: counted — {name} {lo:.0f}° to {hi:.0f}°"
    return f"Rep {index + 1}: counted"


def camera_setup_checks(series: KeypointSeries, lumas: list[float], size: tuple[int, int]) -> tuple[SetupCheck, ...]:
    """Whole body in frame, side view and light, from the first seconds of keypoints (and frame brightness)."""
    conf = np.nan_to_num(series.conf[:, KEY_JOINTS])
    xy = series.xy[:, KEY_JOINTS]
    w, h = size
    with np.errstate(invalid="ignore"):
        inside = (xy[..., 0] >= 0) & (xy[..., 0] <= w) & (xy[..., 1] >= 0) & (xy[..., 1] <= h)
    whole = float(((conf >= 0.3) & inside).all(axis=1).mean()) if len(conf) else 0.0
    seen = float((conf.max(axis=1) > 0).mean()) if len(conf) else 0.0
    checks = [SetupCheck("person", seen >= 0.5, "Lifter found." if seen >= 0.5 else
                         "Nobody found yet: step into the picture."),
              SetupCheck("whole_body", whole >= WHOLE_BODY_SHARE,
                         "Whole body in frame." if whole >= WHOLE_BODY_SHARE else
                         f"Shoulders to ankles were in frame in only {whole:.0%} of the first seconds: "
                         "move the camera back or tilt it so feet and head fit.")]
    view = estimate_view(series)
    view_ok = None if view.label == "unknown" else view.label == "side"
    checks.append(SetupCheck("side_view", view_ok, {
        "side": "Side view: best for hips, back and depth.",
        "unknown": "Camera angle not known yet.",
    }.get(view.label, f"The camera sees you from the {view.label}; a side view (camera at hip height, "
                      "90° to the bar) is recommended for back angle and depth.")))
    if lumas:
        luma = float(np.mean(lumas))
        ok = DARK_LUMA <= luma <= BRIGHT_LUMA
        msg = "Lighting OK." if ok else ("Too dark: turn on a light or face the camera away from windows."
                                          if luma < DARK_LUMA else "Too bright: avoid filming into a window.")
        checks.append(SetupCheck("lighting", ok, f"{msg} (mean brightness {luma:.0f}/255)"))
    return tuple(checks)


def sample_rate(times) -> float:
    """Samples per second of camera timestamps (s): one over the mean step between samples, steps longer than
    DROPPED_STEP x the median (frames the browser dropped) left out. The mean, not the median: stamps in whole
    ms step 33, 33, 34 ms at 30 fps, whose median (33 ms, 30.3 fps) would make every speed 1 % high."""
    dt = np.diff(np.asarray(times, np.float64))
    dt = dt[dt > 0]
    if not dt.size:
        return 30.0
    return float(1.0 / dt[dt <= DROPPED_STEP * np.median(dt)].mean())


def draw_live_overlay(image: np.ndarray, snap: LiveSnapshot) -> np.ndarray:
    """Skeleton, driving angle, rep count, phase, fps and latency on the frame (in place)."""
    color = {"up": GOOD, "down": NEUTRAL}.get(snap.phase, (200, 200, 200))
    last = snap.reps[-1] if snap.reps else None
    if last and any(f.get("verdict", "fault" if f.get("detected") else "") == "fault" for f in last.faults):
        color = BAD
    draw_skeleton(image, snap.keypoints, color=color, min_conf=0.3)
    angle = f"{snap.angle_deg:.0f} deg" if snap.angle_deg is not None else "--"
    lines = [f"Reps: {snap.rep_count}   Phase: {snap.phase}", f"{snap.lift} | {snap.angle_name} angle: {angle}",
             f"{snap.fps:.0f} fps | {snap.latency_ms:.0f} ms"]
    if last:
        lines += fit_text(last.verdict, image.shape, max_lines=3)
        lines += [x for x in (light_line(last.standards),) if x]  # the referee's light of the last rep
    return draw_label(image, lines)


def luma_of(image: np.ndarray) -> float:
    """Mean 8-bit brightness of a BGR frame (subsampled: an estimate is enough)."""
    return float(cv2.cvtColor(image[::8, ::8], cv2.COLOR_BGR2GRAY).mean())
