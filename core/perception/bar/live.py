"""The bar during a live set: a worker thread beside the frame callback follows the barbell with the upload's own
tracker (core.perception.bar.track.BarObserver: detector every 0.2 s, optical flow between).

The frame callback must never wait for it: :meth:`LiveBarWorker.offer` hands over the newest frame only when the
worker is idle (a size-1 inbox), else the frame is dropped for the bar (never for the count). The worker keeps the
path of the bar nearest the lifter's hands (squat: shoulders) for the last ``keep_s`` seconds, in image px with
the analyzer's sample index, from which the overlay draws the current rep's path and :meth:`rep_speed` gives a
rep's mean concentric speed in m/s with the plate as the ruler (core.perception.bar.measure, as the upload does).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from core.perception.bar.measure import rep_bar_metrics, smooth_path
from core.perception.bar.track import BarObserver, plate_diameter
from core.skeleton import KP

logger = logging.getLogger(__name__)

KEEP_S = 20.0  # s of bar path kept (a rep lasts 1-6 s; the velocity loss needs only each rep's speed, kept apart)
REACH_TORSOS = 1.2  # a followed bar is the lifter's when within this many torso lengths of the hands (squat:
# shoulders): core.perception.bar.track.ATTACH_BH = 0.35 body heights with a torso ~0.3 body heights
GAP_FILL_S = 0.3  # s; gaps in the worker's path (frames it dropped) up to this long are filled linearly before
# the speed is read (a rep's concentric phase lasts >= 0.4 s; the tracker itself holds a bar for HOLD_S = 0.5 s)
IDLE_EXIT_S = 30.0  # s without a frame after which the worker thread ends (a stream left open); offer restarts it
MARGIN_S = 1.0  # s of path before a rep included in its smoothing window
MIN_FOLLOWED_SHARE = 0.6  # share of the lifting phase's frames the worker must have followed the bar on (before
# gaps are filled) for a speed, as core.perception.bar.measure.MIN_SEEN_SHARE: fewer = no number rather than a
# guess. Not yet shown to be enough: at load 14 on 2 cores one always-fed run read 0.57 and 0.26 m/s for reps the
# upload measures at 0.405 and 0.41 m/s (bench/results/live_bar_worker.md); the cause was not isolated
ANCHORS = {"deadlift": ("left_wrist", "right_wrist"), "bench": ("left_wrist", "right_wrist"),
           "squat": ("left_shoulder", "right_shoulder")}  # where the bar is held, per lift


@dataclass(frozen=True)
class BarPoint:
    sample: int  # the analyzer's sample index of the frame
    t: float  # s, stream time
    x: float  # image px
    y: float
    plate_px: float  # plate diameter in image px, NaN when not measured on this frame


def anchor_of(keypoints: np.ndarray, lift: str) -> tuple[np.ndarray, float] | None:
    """Where the bar is held ((x, y) px) and how far a followed bar may be from it (px), from one cleaned (17, 3)
    pose; None when the joints are not seen."""
    a, b = (KP[n] for n in ANCHORS.get(lift, ANCHORS["deadlift"]))
    with warnings.catch_warnings():  # both joints unseen: NaN, handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        anchor = np.nanmean(keypoints[[a, b], :2], axis=0)
        shoulder = np.nanmean(keypoints[[KP["left_shoulder"], KP["right_shoulder"]], :2], axis=0)
        hip = np.nanmean(keypoints[[KP["left_hip"], KP["right_hip"]], :2], axis=0)
    torso = float(np.hypot(*(shoulder - hip)))
    if not (np.isfinite(anchor).all() and np.isfinite(torso)) or torso <= 0:
        return None
    return anchor, REACH_TORSOS * torso


class LiveBarWorker:
    """One per live stream. ``offer`` from the frame callback; ``path_since``/``rep_speed`` from anywhere."""

    def __init__(self, observer: BarObserver, keep_s: float = KEEP_S) -> None:
        self.observer = observer
        self.keep_s = keep_s
        self._inbox: queue.Queue = queue.Queue(maxsize=1)
        self._lock = threading.Lock()  # guards _points
        self._points: deque[BarPoint] = deque()
        self._busy = threading.Event()  # set while a frame is being worked on
        self._closed = threading.Event()
        self.offered = self.taken = self.dropped = 0
        self.work_s = 0.0  # s the worker spent on frames
        self._thread: threading.Thread | None = None
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="formlens-live-bar", daemon=True)
            self._thread.start()

    # --- callback side (never blocks) -----------------------------------------------------------------
    def offer(self, sample: int, t: float, image: np.ndarray, anchor: tuple[np.ndarray, float] | None) -> bool:
        """Hand a frame over if the worker is idle (the image is copied then); False = dropped."""
        self.offered += 1
        if self._closed.is_set() or self._busy.is_set() or self._inbox.full():
            self.dropped += 1
            return False
        try:
            self._inbox.put_nowait((sample, t, image.copy(), anchor))
        except queue.Full:
            self.dropped += 1
            return False
        self._ensure_thread()  # it ended after IDLE_EXIT_S without frames
        return True

    # --- worker thread ----------------------------------------------------------------------------------
    def _run(self) -> None:
        idle_since = time.monotonic()
        while not self._closed.is_set():
            try:
                item = self._inbox.get(timeout=0.2)
            except queue.Empty:
                if time.monotonic() - idle_since > IDLE_EXIT_S:
                    return
                continue
            idle_since = time.monotonic()
            self._busy.set()
            started = time.perf_counter()
            try:
                self._work(*item)
            except Exception:  # a tracking bug must not kill the worker (the count does not depend on it)
                logger.exception("live bar tracking failed on a frame")
            finally:
                self.taken += 1
                self.work_s += time.perf_counter() - started
                self._busy.clear()

    def _work(self, sample: int, t: float, image: np.ndarray, anchor: tuple[np.ndarray, float] | None) -> None:
        self.observer.observe(sample, t, image, 1.0)
        if anchor is None:
            return
        (ax, ay), reach = anchor
        near = [(float(np.hypot(x - ax, y - ay)), x, y, s) for x, y, s in self.observer.followed_now()]
        near = [n for n in near if n[0] <= reach]
        if not near:
            return
        _, x, y, size = min(near)
        with self._lock:
            self._points.append(BarPoint(sample, t, x, y, size))
            while self._points and t - self._points[0].t > self.keep_s:
                self._points.popleft()

    def close(self) -> None:
        self._closed.set()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Until the inbox is empty and no frame is in work (tests, benchmarks); False on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._inbox.empty() and not self._busy.is_set():
                return True
            time.sleep(0.005)
        return False

    # --- readers ----------------------------------------------------------------------------------------
    def points(self) -> list[BarPoint]:
        with self._lock:
            return list(self._points)

    def path_since(self, t0: float) -> np.ndarray:
        """(k, 2) px of the followed bar since stream time ``t0`` (the current rep's path on the overlay)."""
        return np.array([(p.x, p.y) for p in self.points() if p.t >= t0], np.float64).reshape(-1, 2)

    def plate_px(self) -> float | None:
        """The plate's diameter (px) over the kept path, as the upload measures it (track.plate_diameter: the rim's
        cluster of sizes), None when never measured."""
        return plate_diameter(np.array([p.plate_px for p in self.points()], np.float64))

    def rep_speed(self, start: int, turn: int, end: int, fps: float, concentric_first: bool,
                  plate_m: float) -> float | None:
        """Mean concentric speed (m/s) of the rep between sample indices ``start..end`` from the worker's path,
        the plate as the ruler (core.perception.bar.measure.rep_bar_metrics, the upload's measure); None when the
        plate was never measured or the bar was not followed through the lift. The path is smoothed over the
        kept samples around the rep (from up to MARGIN_S before it to the newest), not over the rep alone, so
        the zero-phase filter's ends fall outside the rep as in the upload's whole-clip smoothing."""
        plate = self.plate_px()
        points = self.points()
        if plate is None or end <= start or not points:
            return None
        lo = max(min(p.sample for p in points), start - int(MARGIN_S * fps))
        hi = max(end, max(p.sample for p in points))
        xy = np.full((hi - lo + 1, 2), np.nan)
        for p in points:
            if lo <= p.sample <= hi:
                xy[p.sample - lo] = (p.x, p.y)
        a, b = (start - lo, turn - lo) if concentric_first else (turn - lo, end - lo)
        if np.isfinite(xy[a:b + 1, 0]).mean() < MIN_FOLLOWED_SHARE:  # too few frames of the lift itself
            return None
        xy = smooth_path(fill_gaps(xy, max(1, int(round(GAP_FILL_S * fps)))), fps)
        m = rep_bar_metrics(xy, fps, start - lo, turn - lo, end - lo, concentric_first, plate_m / plate)
        return m["bar_mean_velocity_m_s"]


def fill_gaps(xy: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear interpolation over NaN runs of at most ``max_gap`` samples between two seen samples."""
    out = xy.copy()
    seen = np.flatnonzero(np.isfinite(xy[:, 0]))
    for a, b in zip(seen[:-1], seen[1:], strict=True):
        if 1 < b - a <= max_gap + 1:
            w = (np.arange(a + 1, b) - a) / (b - a)
            out[a + 1:b] = xy[a] + w[:, None] * (xy[b] - xy[a])
    return out


def draw_bar_path(image: np.ndarray, path: np.ndarray, color: tuple[int, int, int] = (0, 215, 255)) -> np.ndarray:
    """The current rep's bar path as a polyline with a dot at the bar (in place)."""
    if len(path) >= 2:
        cv2.polylines(image, [np.round(path).astype(np.int32).reshape(-1, 1, 2)], False, color, 2, cv2.LINE_AA)
    if len(path):
        cv2.circle(image, tuple(int(v) for v in np.round(path[-1])), 5, color, -1, cv2.LINE_AA)
    return image
