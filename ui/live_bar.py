"""The bar on the live overlay (AnalysisConfig.live_bar): the worker beside the frame callback, fed only when the
callback has time to spare, the current rep's bar path drawn on the frame, each rep's mean concentric speed (m/s,
plate as the ruler) and the set's velocity loss so far.

Called from ui.live.LiveSession.on_frame through one hook (``after_step``); everything here is cheap for the
callback: a non-blocking hand-over, a polyline, and once per rep a speed read from the worker's path (~1 ms).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import cv2
import numpy as np

from core.config import AnalysisConfig
from core.live import LiveSnapshot
from core.movement.reps import CONCENTRIC_FIRST
from core.perception.bar.live import LiveBarWorker, anchor_of, draw_bar_path
from core.perception.bar.measure import velocity_loss_pct
from core.pipeline import bar_observer

if TYPE_CHECKING:
    from ui.live import LiveSession

logger = logging.getLogger(__name__)

SPARE_MS = 25.0  # ms; a frame goes to the bar worker only when the callback used less than this of its budget:
# the goal is p95 <= 60 ms and >= 25 fps (40 ms a frame, bench/speed/live_latency.py), so under 25 ms used leaves the
# worker's hand-over (a 0.9 MB copy, ~0.3 ms) and the rest of the callback well inside one frame
PATH_BEFORE_S = 2.0  # s of bar path drawn before the first rep (setting up)


def start_worker(config: AnalysisConfig) -> LiveBarWorker | None:
    """A worker with the upload's bar tracker, or None when live_bar is off or the detector is unavailable."""
    if not config.live_bar:
        return None

    observer = bar_observer(config)
    if observer is None:
        logger.warning("live bar off: no barbell detector")
        return None
    return LiveBarWorker(observer)


def after_step(live: LiveSession, img: np.ndarray, snap: LiveSnapshot, arrived: float) -> None:
    """Feed the worker (if the callback has time), measure reps counted since the last frame, draw the path."""
    worker: LiveBarWorker = live.bar
    analyzer = live.analyzer
    if (time.perf_counter() - arrived) * 1000 < SPARE_MS and analyzer.times:
        worker.offer(len(analyzer.times) - 1, snap.t, img, anchor_of(snap.keypoints, snap.lift))
    measure_reps(live, len(snap.reps))
    if snap.reps:
        last = snap.reps[-1]
        t0 = last.start_s if snap.phase == "rest" else last.end_s
    else:
        t0 = snap.t - PATH_BEFORE_S
    draw_bar_path(img, worker.path_since(t0))
    if line := speed_line(live.bar_speeds):
        draw_bottom_line(img, line)


def measure_reps(live: LiveSession, count: int) -> None:
    """The bar's mean concentric speed of the reps counted since the last call (``live.bar_speeds``, m/s)."""
    analyzer = live.analyzer
    bounds = analyzer.counted_bounds() or []
    if len(live.bar_speeds) > len(bounds):  # a recount withdrew a rep
        del live.bar_speeds[len(bounds):]
    for start, turn, end in bounds[len(live.bar_speeds):count]:
        live.bar_speeds.append(live.bar.rep_speed(start, turn, end, float(analyzer.fps or 30.0),
                                                  CONCENTRIC_FIRST[analyzer.lift],
                                                  analyzer.config.bar_plate_diameter_m))


def speed_line(speeds: list[float | None]) -> str | None:
    """ "Rep 3: 0.52 m/s | loss 12 %" for the last rep with a speed, None before one."""
    last = next((i for i in range(len(speeds) - 1, -1, -1) if speeds[i] is not None), None)
    if last is None:
        return None
    loss = velocity_loss_pct(speeds[:last + 1])
    return f"Rep {last + 1}: {speeds[last]:.2f} m/s" + (f" | loss {loss:.0f} %" if loss is not None else "")


def draw_bottom_line(img: np.ndarray, text: str) -> None:
    """One line of text on a black box at the bottom left (the top left carries the count)."""
    scale = max(0.5, img.shape[0] / 900)
    (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    y = img.shape[0] - 12
    cv2.rectangle(img, (6, y - h - 8), (14 + w, y + 6), (0, 0, 0), -1)
    cv2.putText(img, text, (10, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 215, 255), 2, cv2.LINE_AA)
