"""Live coaching without Streamlit: frames in one at a time, skeleton, rep count, phase and verdicts out.

Why a separate module: the live page, the classroom page and the tests all
drive the same analyzer. Each stage is the upload pipeline's own stage made
causal (only past frames are used):

    pose (injectable) -> PersonTracker + running lifter score -> causal cleaning
    -> compute_joint_angles on a short window -> work_signal -> causal low-pass
    -> running range -> reps.HysteresisMachine + reps.split_excursion

``step(image, t)`` runs pose; ``step_people(people, t, size)`` takes pose
results from elsewhere (a cached pose pass in tests). ``to_trace()`` turns the
buffered pose results into a :class:`core.pipeline.PoseTrace`, so "Stop"
gives the same full report as an upload (``finish_report``).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi

from core.config import AnalysisConfig
from core.judgment.lift import Label, classify_lift_by_rules
from core.movement.angles import compute_joint_angles
from core.movement.reps import LIFTS, HysteresisMachine, keep_long_reps, split_excursion, work_signal
from core.perception.crop import LifterCrop, supports_window
from core.perception.pose import PoseBackend
from core.perception.tracking import PersonTracker, dedupe_people
from core.perception.view import estimate_view
from core.render.annotate import BAD, GOOD, NEUTRAL, draw_label, draw_skeleton, fit_text
from core.skeleton import KEY_JOINTS, N_KEYPOINTS
from core.types import FramePeople, KeypointSeries, PoseTrace, Rep, VideoInfo

logger = logging.getLogger(__name__)

ANGLE_WINDOW_S = 2.0  # s of history the per-frame angles choose their better-seen side from
FPS_WARMUP_SAMPLES = 12  # samples whose timestamps fix the sample rate before counting starts
LIFTER_SWITCH_RATIO = 1.5  # another person must score this many times the lifter's to take over
LIFTER_SCORE_DECAY = 0.97  # per-sample forgetting of the running lifter score (~1 s memory at 30 Hz)
AUTO_LIFT_MIN_CONF = 0.7  # rule confidence (core.judgment.lift margin scale, 0.5-0.95) needed to switch the lift
LIFT_RULE_AFTER_S = 4.0  # s of keypoints before the lift rule is trusted (one rep is ~2-4 s)
DARK_LUMA = 50.0  # mean 8-bit luma below which the picture is too dark for the pose model (tested by eye)
BRIGHT_LUMA = 225.0  # mean 8-bit luma above which the picture is washed out
WHOLE_BODY_SHARE = 0.7  # share of setup frames with shoulders..ankles seen for "whole body in frame"


@dataclass(frozen=True)
class LiveSettings:
    """Knobs of the live path only (the analysis thresholds stay in :class:`AnalysisConfig`)."""

    pose_every: int = 1  # run pose on every n-th frame, hold the keypoints in between (CPU budget)
    guidance_s: float = 2.0  # s of keypoints the camera-setup checks are computed from
    auto_lift: bool = False  # let the lift rule replace the chosen lift once LIFT_RULE_AFTER_S are in
    fps_hint: float | None = None  # known sample rate (a decoded clip); None = measure from timestamps
    keep_frames_s: float = 0.0  # s of analysed frames kept (JPEG, ~50 kB each at 640x480) for the recording


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


class LiveRepCounter:
    """Causal rep counting on one work signal with the offline state machine and excursion splitter.

    Gaps are held, the signal is low-passed causally at ``rep_smooth_hz``, and
    normalised by the running 3rd-97th percentile range (the offline
    normaliser uses the whole clip's). Nothing is counted until that range
    reaches the lift's ``min_range``. When the range later widens by more than
    ``RECOUNT_SHIFT`` of itself (typically during the first full rep after
    set-up wiggles), the stored history is recounted with the new range, so a
    wiggle counted too early is withdrawn; ``reps`` is always the current count.
    """

    RECOUNT_SHIFT = 0.05  # share of the range an end may move before the history is recounted
    SETTLE_S = 0.3  # s of held input at the end: ~2x the group delay of the two 3 Hz 2nd-order stages

    def __init__(self, lift: str, fps: float, config: AnalysisConfig, concentric_first: bool,
                 min_range: float) -> None:
        self.lift, self.fps, self.config = lift, fps, config
        self.concentric_first, self.min_range = concentric_first, min_range
        nyq = fps / 2
        self.sos = None
        if config.rep_smooth_hz < nyq * 0.95:  # the same filter twice: the magnitude response of sosfiltfilt
            sos = butter(2, config.rep_smooth_hz / nyq, output="sos")
            self.sos = np.vstack([sos, sos])
        self._zi: np.ndarray | None = None
        self._held = np.nan
        self.values: list[float] = []  # filtered work signal, one per sample
        self.reps: list[Rep] = []
        self._range: tuple[float, float] | None = None
        self._machine = HysteresisMachine(config.hysteresis_low, config.hysteresis_high)
        self._fed = 0  # samples given to the machine under the current range
        self.finished = False

    def push(self, value: float) -> None:
        """Add one raw work-signal sample (NaN = unseen, the last value is held); updates ``reps``."""
        if np.isfinite(value):
            self._held = value
        v = self._held
        if np.isfinite(v) and self.sos is not None:
            if self._zi is None:
                self._zi = sosfilt_zi(self.sos) * v
            y, self._zi = sosfilt(self.sos, [v], zi=self._zi)
            v = float(y[0])
        self.values.append(v)
        self._advance()

    def _current_range(self) -> tuple[float, float] | None:
        x = np.asarray(self.values)
        x = x[np.isfinite(x)]
        if x.size < 5:
            return None
        lo, hi = np.percentile(x, [3, 97])
        return (float(lo), float(hi)) if hi - lo >= self.min_range else None

    def _advance(self) -> None:
        rng = self._current_range()
        if rng is None:
            return
        if self._range is None or max(abs(rng[0] - self._range[0]), abs(rng[1] - self._range[1])) > \
                self.RECOUNT_SHIFT * (self._range[1] - self._range[0]):
            self._range, self._fed, self.reps = rng, 0, []
            self._machine = HysteresisMachine(self.config.hysteresis_low, self.config.hysteresis_high)
        lo, hi = self._range
        while self._fed < len(self.values):  # one sample normally; the whole history after a recount
            t, v = self._fed, self.values[self._fed]
            self._fed += 1
            if np.isfinite(v):
                excursion = self._machine.push(t, (v - lo) / (hi - lo))
                if excursion is not None:
                    self._close(excursion)

    def finish(self) -> None:
        """The stream stopped: let the causal filter settle, then close an open excursion.

        Settling feeds the last value for ``SETTLE_S`` (the filter's lag), as the
        offline zero-phase filter sees the end of the clip; reps are clamped to
        the real samples. An open excursion still counts for a deadlift (lockout
        was reached).
        """
        n = len(self.values)
        if n == 0 or self.finished:
            return
        self.finished = True
        for _ in range(int(round(self.SETTLE_S * self.fps))):
            self.push(self._held)
        last = n - 1
        excursion = self._machine.finish(len(self.values) - 1) if self._range else None
        if excursion is not None:
            self._close(excursion)
        del self.values[n:]
        self.reps = [Rep(r.index, min(r.start, last), min(r.turn, last), min(r.end, last), r.complete and r.end <= last)
                     for r in self.reps if r.start < last]

    def _close(self, excursion: tuple[int, int, bool]) -> None:
        lo, hi = self._range
        s = (np.nan_to_num(np.asarray(self.values), nan=lo) - lo) / (hi - lo)
        found = split_excursion(s, *excursion, self.fps, self.config, self.concentric_first)
        kept = keep_long_reps(found, self.fps, self.config)
        self.reps += [Rep(len(self.reps) + i, r.start, r.turn, r.end, r.complete) for i, r in enumerate(kept)]

    def phase(self) -> str:
        """"up", "down" or "rest" from the direction of the filtered signal inside an excursion."""
        if not self._machine.in_excursion or len(self.values) < 2:
            return "rest"
        rising = self.values[-1] >= self.values[-2]
        return ("up" if rising else "down") if self.concentric_first else ("down" if rising else "up")


def _last_sample(series: KeypointSeries, config: AnalysisConfig) -> tuple[dict[str, float], dict[str, float]]:
    """The last sample of every lift's work signal (so the lift can change without re-running pose),
    and of every angle (deg) for the overlay."""
    angles = compute_joint_angles(series)
    work = {lift: float(work_signal(lift, series, angles, config).values[-1]) for lift in LIFTS}
    return work, dict(zip(angles.names, angles.values[-1].tolist(), strict=True))


def _signal_meta(lift: str, config: AnalysisConfig) -> tuple[bool, float, str]:
    """concentric_first, min_range and the overlay's angle name for a lift (as in core.movement.reps.work_signal)."""
    return {"deadlift": (True, config.min_range_deadlift_deg, "hip"),
            "squat": (False, config.min_range_squat, "knee"),
            "bench": (False, config.min_range_bench_deg, "elbow")}[lift]


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
        self.clean: list[np.ndarray] = []
        self.work: dict[str, list[float]] = {k: [] for k in LIFTS}
        self.lumas: list[float] = []
        self.reps: list[LiveRep] = []
        self.lift_guess: Label | None = None
        self.pose_s = 0.0
        self._cleaner: CausalCleaner | None = None
        self._counter: LiveRepCounter | None = None
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
        """The set ended: count a deadlift still at lockout, return the reps reported by this call."""
        if self._counter is None:
            return []
        before = len(self.reps)
        self._counter.finish()
        self._sync_reps()
        self._rejudge_all()
        return self.reps[before:]

    def _rejudge_all(self) -> None:
        """At the end of the set each rep takes the verdicts the upload pipeline gives the same pose results
        (core.pipeline.analyze_trace on the buffered set, the rep overlapping it most), so the live page
        and an upload of the same video agree rep by rep."""
        from dataclasses import replace

        if not self.reps or not self.times:
            return
        try:
            report = self.finish_report().report
        except Exception:  # the live count must survive a failing analysis; keep the live verdicts
            logger.exception("end-of-set judging failed; keeping the live verdicts")
            return
        t0 = self.times[0]
        for i, live in enumerate(self.reps):
            def overlap(r, live=live):
                return min(r.end_s, live.end_s - t0) - max(r.start_s, live.start_s - t0)

            best = max(report.reps, key=overlap, default=None)
            if best is None or overlap(best) <= 0:
                continue
            faults = tuple(dict(f) for f in best.faults)
            self.reps[i] = replace(live, faults=faults, verdict=rep_verdict(i, faults, ("", float("nan"), 0.0)))

    def _keep_frame(self, image: np.ndarray) -> None:
        """Keep the frame about to become sample ``len(self.times)``, while the recording budget lasts."""
        budget = int(self.settings.keep_frames_s * (self.fps or 30.0))
        if len(self.recorded) == len(self.times) and len(self.recorded) < budget:
            ok, jpg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if ok:
                self.recorded.append(jpg.tobytes())

    def write_recording(self, out_path: str | Path) -> Path:
        """The kept frames as an MP4 (frame i = sample i, so the end-of-set Analysis can annotate it)."""
        if not self.recorded:
            raise ValueError("no frames were recorded (turn on keeping the recording before START)")
        out_path = Path(out_path)
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        with av.open(str(out_path), mode="w") as container:
            stream = container.add_stream(codec, rate=Fraction(self.fps or 30.0).limit_denominator(1000))
            first = cv2.imdecode(np.frombuffer(self.recorded[0], np.uint8), cv2.IMREAD_COLOR)
            stream.height, stream.width = (first.shape[0] // 2 * 2, first.shape[1] // 2 * 2)
            stream.pix_fmt = "yuv420p"
            if codec == "libx264":  # the report waits for this file: speed over size (~3x faster than default)
                stream.options = {"preset": "ultrafast"}
            for jpg in self.recorded:
                img = cv2.imdecode(np.frombuffer(jpg, np.uint8), cv2.IMREAD_COLOR)[:stream.height, :stream.width]
                for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")):
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
            dt = np.diff(self.times)
            self.fps = float(1.0 / np.median(dt[dt > 0])) if (dt > 0).any() else 30.0
        if self._cleaner is None:
            self._cleaner = CausalCleaner(self.fps, self.config)
            self._counter = self._new_counter(self.lift)
        while len(self.clean) < len(self.raw):  # catches up after the warm-up
            self._process_sample(len(self.clean))

    def _new_counter(self, lift: str) -> LiveRepCounter:
        concentric_first, min_range, _ = _signal_meta(lift, self.config)
        return LiveRepCounter(lift, float(self.fps), self.config, concentric_first, min_range)

    def _process_sample(self, i: int) -> None:
        self.clean.append(self._cleaner.push(self.raw[i]))
        window = max(3, int(ANGLE_WINDOW_S * self.fps))
        series = KeypointSeries(np.asarray(self.clean[-window:], np.float32), float(self.fps), *self.size)
        work, self._angles = _last_sample(series, self.config)
        for lift, v in work.items():
            self.work[lift].append(v)
        self._counter.push(self.work[self.lift][-1])
        self._sync_reps()
        self._maybe_guess_lift()
        if not self._setup and self.times[-1] - self.times[0] >= self.settings.guidance_s:
            self._setup = camera_setup_checks(self.clean_series(), self.lumas, self.size)

    def _maybe_guess_lift(self) -> None:
        """The rule of core.judgment.lift on everything buffered, every 2 s once LIFT_RULE_AFTER_S are in.

        With ``auto_lift`` a confident guess replaces the lift; the stored work
        signal of the new lift is recounted, so the count may be revised once.
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
        """Change the lift being counted: recount the stored work signal of the new lift from the start."""
        if lift not in LIFTS:
            raise ValueError(f"unknown lift {lift!r}; allowed: {list(LIFTS)}")
        self.lift = lift
        self.reps = []
        if self.fps is None:
            return
        self._counter = self._new_counter(lift)
        for v in self.work[lift]:
            self._counter.push(v)
        self._sync_reps()

    def clean_series(self, last_s: float | None = None) -> KeypointSeries:
        """The causally cleaned lifter keypoints so far (or the last ``last_s`` seconds)."""
        xyc = np.asarray(self.clean, np.float32).reshape(-1, N_KEYPOINTS, 3)
        if last_s is not None:
            xyc = xyc[-max(3, int(last_s * (self.fps or 30))):]
        return KeypointSeries(xyc, float(self.fps or 30.0), *self.size)

    # --- reporting --------------------------------------------------------------------------------
    def _sync_reps(self) -> None:
        """Follow the counter: keep reps already reported when it still has them, report new ones now."""
        counted = self._counter.reps
        keep = 0
        for old, new in zip(self.reps, counted, strict=False):
            if self.times[new.start] >= old.end_s or self.times[new.end] <= old.start_s:
                break  # no overlap: the recount changed this rep
            keep += 1
        if keep < len(self.reps):
            logger.info("live count revised from %d to %d reps after the range widened", len(self.reps), keep)
            self.reps = self.reps[:keep]
        for rep in counted[keep:]:
            self._report(rep)

    def _report(self, rep: Rep) -> LiveRep:
        faults = self._judge(rep)
        times = self.times
        live = LiveRep(len(self.reps), times[rep.start], times[rep.turn], times[rep.end], times[-1],
                       rep.complete, faults, rep_verdict(len(self.reps), faults, self._rep_angle_range(rep)))
        self.reps.append(live)
        logger.info("live rep %d: %s", live.index + 1, live.verdict)
        return live

    def _rep_angle_range(self, rep: Rep) -> tuple[str, float, float]:
        _, _, name = _signal_meta(self.lift, self.config)
        series = self.clean_series()
        angle = compute_joint_angles(KeypointSeries(series.xyc[rep.start:rep.end + 1], series.fps,
                                                    *self.size))[name]
        if not np.isfinite(angle).any():
            return name, float("nan"), float("nan")
        return name, float(np.nanmin(angle)), float(np.nanmax(angle))

    def _judge(self, rep: Rep, all_reps: bool = False) -> tuple[dict, ...]:
        """The rep's verdicts through the upload pipeline's judging path (core.judgment.judge.rep_details) on the
        cleaned series so far, with the style read from the reps so far, so that live and upload agree.

        The learned extras behind core.judgment.judge.judge take seconds to load and would stall the frame
        callback; they add no verdicts, and "Stop" runs the full pipeline anyway.
        """
        try:
            from core.judgment.faults.judge_rules import as_fault
            from core.judgment.judge import rep_details, rule_style
        except ImportError:
            return ()
        try:
            series = self.clean_series()
            angles = compute_joint_angles(series)
            view = estimate_view(series)
            counted = [Rep(i, r.start, r.turn, r.end, r.complete) for i, r in enumerate(self._counter.reps)]
            reps = [r for r in counted if all_reps or r.end <= rep.end] or [rep]
            style = rule_style(series, angles, reps, self.lift, view)
            concentric_first = _signal_meta(self.lift, self.config)[0]
            found = rep_details(series, angles, [rep], self.lift, view, concentric_first,
                                style.label if style is not None else None)[0]
            return tuple(as_fault(f).to_dict() for f in found)
        except Exception:  # a judging bug must not stop the live count
            logger.exception("live judging of a rep failed")
            return ()

    def _fps(self) -> float:
        w = self._walls
        return (len(w) - 1) / (w[-1] - w[0]) if len(w) > 1 and w[-1] > w[0] else 0.0

    def _snapshot(self, t: float, latency_ms: float) -> LiveSnapshot:
        name = _signal_meta(self.lift, self.config)[2]
        kp = self.clean[-1] if self.clean else (self.raw[-1] if self.raw else np.full((N_KEYPOINTS, 3), np.nan))
        a = self._angles.get(name, float("nan"))
        angle = float(a) if np.isfinite(a) else None
        phase = self._counter.phase() if self._counter else "rest"
        return LiveSnapshot(t, np.asarray(kp), name, angle, len(self.reps), phase, self._fps(), latency_ms,
                            self.lift, self.lift_guess.label if self.lift_guess else None, tuple(self.reps),
                            self._setup, len(self.times))

    # --- end of set ----------------------------------------------------------------------------------
    def to_trace(self):
        """The buffered pose results as a PoseTrace, so the offline stages can run on them."""
        if not self.times:
            raise ValueError("no frames were analysed yet")
        times = np.asarray(self.times) - self.times[0]
        fps = float(self.fps or 30.0)
        info = VideoInfo(fps=fps, frames=len(times), duration_s=float(times[-1] + 1 / fps),
                         width=int(self.size[0]), height=int(self.size[1]), codec="live")
        name = getattr(self.backend, "name", "precomputed")
        return PoseTrace(info, tuple(self.people), np.arange(len(times), dtype=np.int64), times, fps, name,
                         0.0, self.pose_s)

    def counted_bounds(self) -> list[tuple[int, int, int]] | None:
        """(start, turn, end) sample indices of the reps counted live; None before counting could start."""
        if self._counter is None:
            return None
        return [(r.start, r.turn, r.end) for r in self._counter.reps]

    def finish_report(self, bar=None):
        """The full upload-style Analysis of the buffered set (core.pipeline.analyze_trace); ``bar`` a
        core.perception.bar BarTrack of the kept recording (ui.live tracks it after the set), None for none.

        The reps are the ones counted live (the count the lifter saw on the overlay), so the report and
        the overlay always agree; the offline stages add lift, style, faults and metrics to them. Pose
        is not run again: the buffered per-frame results are analysed (~0.3 s for a 12 s set).
        """
        from dataclasses import replace

        from core.pipeline import analyze_trace

        trace = self.to_trace() if bar is None else replace(self.to_trace(), bar=bar)
        return analyze_trace(trace, self.config, lift_override=self.lift, rep_bounds=self.counted_bounds())

    def snapshot(self) -> LiveSnapshot:
        """The current state (after :meth:`finish`, the final count) without a new frame."""
        return self._snapshot(self.times[-1] if self.times else 0.0, 0.0)


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
    if np.isfinite(lo):
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
    return draw_label(image, lines)


def luma_of(image: np.ndarray) -> float:
    """Mean 8-bit brightness of a BGR frame (subsampled: an estimate is enough)."""
    return float(cv2.cvtColor(image[::8, ::8], cv2.COLOR_BGR2GRAY).mean())
