"""Live page glue: one LiveSession per browser session, the frame callback, the panel and the ICE config.

Why here and not in the page: the callback runs on streamlit-webrtc's worker
thread, so it must be tiny, lock-guarded and free of ``st.*``; keeping it in
one class makes that easy to check and to test without a browser.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import av
import numpy as np
import streamlit as st

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.live import LiveAnalyzer, LiveSettings, LiveSnapshot, draw_live_overlay
from core.perception.pose import PoseBackend
from core.pipeline import Analysis, analyze_trace
from core.render.annotate import draw_label
from core.report import plural
from ui import live_bar, render
from ui.coaching import attach_coaching, render_coaching
from ui.resources import base_config, pose_backend
from ui.storage import save_panel
from ui.upload import annotated_video, upload_trace

logger = logging.getLogger(__name__)

# Checks of kept recordings after "Finish set" (LiveSession.check_recording) run here, off the page's script run
# (a rerun must not lose them) and two at a time at most for the whole server, which keeps serving other users.
CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-check")

LIVE_POSE_IMGSZ = 320  # px; pose input size for live: meets the goal (>= 25 fps, p95 <= 60 ms) with headroom for a
# slower laptop that also runs the browser and the camera (bench/results/live_latency.md)


def rtc_configuration(config: AnalysisConfig) -> dict[str, Any]:
    """``{"iceServers": [...]}`` from config: empty on localhost, a TURN server for deployments."""
    return {"iceServers": [dict(s) for s in config.ice_servers]}


class LiveSession:
    """Per-browser-session live state: the analyzer, a lock and a latest-result queue (size 1).

    After :meth:`stop` ("Finish set") the frame callback no longer analyses: frames pass through with
    a "set finished" banner, so the count the lifter sees is frozen at the count the report uses.
    """

    def __init__(self, config: AnalysisConfig, backend: PoseBackend, lift: str, auto_lift: bool = False,
                 pose_every: int = 1, keep_frames_s: float = 0.0) -> None:
        self.key = (lift, auto_lift, keep_frames_s)
        self.analyzer = LiveAnalyzer(config, lift, backend, LiveSettings(pose_every=pose_every, auto_lift=auto_lift,
                                                                         keep_frames_s=keep_frames_s,
                                                                         count_in_background=True))
        self.lock = threading.Lock()
        self.results: queue.Queue[LiveSnapshot] = queue.Queue(maxsize=1)
        self.frames_in = 0
        self.ended = False
        self.stopped = False
        self.final: LiveSnapshot | None = None  # the frozen state after stop()
        self._check: Future | None = None  # the check of the kept recording (check_recording), once per set
        self._check_lock = threading.Lock()
        self._t0: float | None = None
        self.bar = live_bar.start_worker(config)  # the bar worker (config.live_bar), None when off
        self.bar_speeds: list[float | None] = []  # m/s per counted rep from the worker (ui.live_bar)

    def on_frame(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The webrtc frame callback: analyse, publish the latest snapshot, return the annotated frame."""
        arrived = time.perf_counter()
        img = frame.to_ndarray(format="bgr24")
        if self.stopped:  # the set is over: no analysis, the frozen count on the picture
            final = self.final
            draw_label(img, ["Set finished" + (f": {plural(final.rep_count, 'rep')}" if final else ""),
                             "Press New set to start again"])
            return av.VideoFrame.from_ndarray(img, format="bgr24")
        self._t0 = arrived if self._t0 is None else self._t0
        t = float(frame.time) if frame.time is not None else arrived - self._t0  # s, stream time
        with self.lock:
            if self.stopped:  # stop() ran while this frame waited for the lock
                return frame
            self.frames_in += 1
            snap = self.analyzer.step(img, t)
        if self.bar is not None:  # the bar path and speed (ui.live_bar): hand-over, polyline, speed once per rep
            live_bar.after_step(self, img, snap, arrived)
        snap = dataclasses.replace(snap, latency_ms=(time.perf_counter() - arrived) * 1000)
        publish_latest(self.results, snap)
        draw_live_overlay(img, snap)
        return av.VideoFrame.from_ndarray(img, format="bgr24")

    def latest(self, timeout: float = 0.5) -> LiveSnapshot | None:
        """The newest snapshot, or None when no frame arrived within ``timeout`` seconds."""
        if self.stopped:
            return self.final
        try:
            return self.results.get(timeout=timeout)
        except queue.Empty:
            return None

    def on_ended(self) -> None:
        """The camera stopped (webrtc ``on_video_ended``): the set's reps become the upload pipeline's on the
        buffered frames (core.live.LiveAnalyzer.finish), a rep still at lockout included."""
        with self.lock:
            self.analyzer.finish()
            self.ended = True

    def stop(self) -> LiveSnapshot:
        """End the set: no more frames are analysed; returns the final (frozen) state.

        The flag is set before taking the lock: the frame callback re-takes the lock for every frame, and a
        waiting thread can starve behind it for seconds on a busy CPU (Python locks are not fair); once the
        flag is set, the callback no longer takes it.
        """
        self.stopped = True
        with self.lock:
            self.analyzer.finish()
            self.final = self.analyzer.snapshot()
        if self.bar is not None:  # a rep counted by finish() gets its bar speed too; then the worker ends
            self.bar.wait_idle(1.0)
            live_bar.measure_reps(self, self.final.rep_count)
            self.bar.close()
        return self.final

    def recording_mp4(self) -> bytes:
        """The kept frames as MP4 bytes (written to a private temp file that is removed)."""
        import os
        import tempfile
        from pathlib import Path

        fd, path = tempfile.mkstemp(suffix=".mp4", prefix="formlens_live_")
        os.close(fd)
        try:
            with self.lock:
                self.analyzer.write_recording(path)
            return Path(path).read_bytes()
        finally:
            Path(path).unlink(missing_ok=True)

    def finish_report(self):
        """Stop the set and return the full upload-style Analysis of the buffered keypoints (no new pose): the
        one :meth:`stop` built, whose reps the frozen count shows."""
        self.stop()
        with self.lock:
            return self.analyzer.finish_report()

    def check_recording(self, backend: PoseBackend, config: AnalysisConfig) -> Future:
        """Start the check of the kept recording (:meth:`recording_report`) in the background, once per set;
        returns its future: (analysis, MP4 bytes, seconds it took), or None without a recording."""
        with self._check_lock:
            if self._check is None:
                def timed():
                    started = time.perf_counter()
                    checked = self.recording_report(backend, config)
                    return None if checked is None else (*checked, time.perf_counter() - started)

                self._check = CHECKS.submit(timed)
            return self._check

    def recording_report(self, backend: PoseBackend, config: AnalysisConfig) -> tuple[Analysis, bytes] | None:
        """The kept recording analysed as an upload of it would be (``ui.upload.upload_trace`` with the
        upload's pose ``backend`` and ``config``: its pose size, the barbell), with the lift of the live set;
        returns (analysis, the recording's MP4 bytes), or None when no recording was kept. Live pose runs at
        LIVE_POSE_IMGSZ to keep up with the camera; this pass makes the report of a kept set the upload's answer
        for the same pictures (issue 25, item 3). Done after the live report is on screen."""
        self.stop()
        if not self.analyzer.recorded:
            return None
        data = self.recording_mp4()
        return analyze_trace(upload_trace(data, backend, config), config, lift_override=self.analyzer.lift), data


def last_rep_bar_line(report) -> str | None:
    """ "Last rep: mean bar velocity 0.52 m/s (velocity loss 12 % over the set)", None without one."""
    v = report.reps[-1].metrics.get("bar_mean_velocity_m_s") if report.reps else None
    if v is None:
        return None
    loss = report.extras.get("velocity_loss_pct")
    return (f"Last rep (rep {report.reps[-1].index + 1}): mean bar velocity **{v:.2f} m/s**"
            + (f", velocity loss {loss:.0f} % over the set" if loss is not None else "") + ".")


def publish_latest(results: queue.Queue, item: Any) -> None:
    """Put ``item`` on a size-1 queue, dropping the older item: the page shows now, never a backlog."""
    with contextlib.suppress(queue.Empty):
        results.get_nowait()
    with contextlib.suppress(queue.Full):  # another producer won the race; its item is as fresh as ours
        results.put_nowait(item)


def render_live_panel(snap: LiveSnapshot | None, finished: bool = False) -> None:
    """Rep count first (big), then the driving angle, the frame rate, setup checks and the per-rep verdicts. The
    phase (up/down) is drawn on the video only: this panel refreshes less often than the frames, and a second,
    older phase beside the live one contradicted it (second walk, item 3)."""
    if snap is None:
        st.info("Waiting for the camera… press **START** and allow camera access.")
        return
    if finished:
        st.success(f"Set finished: **{plural(snap.rep_count, 'rep')}**. The count is frozen; the report is below.")
    c1, c2, c3 = st.columns(3)
    c1.metric("Reps", snap.rep_count)
    c2.metric(f"{snap.angle_name.capitalize()} angle (°)", "—" if snap.angle_deg is None else f"{snap.angle_deg:.0f}")
    c3.metric("Frame rate", "—" if finished else f"{snap.fps:.0f} fps",
              help=f"video frames analysed per second; per-frame latency {snap.latency_ms:.0f} ms")
    st.caption(f"Rep counter: {snap.rep_count} · frames analysed: {snap.frames_seen} · lift: {snap.lift}"
               + (f" · looks like: {snap.lift_guess}" if snap.lift_guess and snap.lift_guess != snap.lift else ""))
    for check in snap.setup:
        (st.success if check.ok else st.info if check.ok is None else st.warning)(check.message)
    for rep in reversed(snap.reps[-5:]):
        bad = any(f.get("detected") for f in rep.faults)
        (st.error if bad else st.success)(rep.verdict)


# Session-state keys of the live page: owned by this module, namespaced "live." so that no widget key (the
# page's widgets are "live_*") can ever equal one (Streamlit forbids assigning a widget's key).
LIVE_SESSION = "live.session"  # LiveSession of this browser session, never shared between users
LIVE_ANALYSIS = "live.analysis"  # core.pipeline.Analysis of the last finished live set (or uploaded recording)
LIVE_RECORDING = "live.recording_mp4"  # video bytes the report's frames come from (kept frames, or the upload)
LIVE_BUILD_S = "live.report_build_s"  # s from "Finish set" to the report being ready
LIVE_ERROR = "live.error"  # why the last "Finish set" gave no report
LIVE_CHECK_S = "live.check_s"  # s the check of the kept recording took (LiveSession.recording_report)
LIVE_CHECKED = "live.checked"  # this set's recording was checked (or could not be)
LIVE_COUNT_SEEN = "live.count_seen"  # reps the live counter showed when the set was finished
LIVE_CHECK_NOTE = "live.check_note"  # why the recording could not be checked, when it could not


def session_for(config: AnalysisConfig, backend: PoseBackend, lift: str, auto_lift: bool,
                keep_frames_s: float = 0.0) -> LiveSession:
    """This browser session's LiveSession; a new one when the lift or recording choice changed (before a set
    is finished: a finished set keeps its frozen session until "New set")."""
    live = st.session_state.get(LIVE_SESSION)
    if live is None or (live.key != (lift, auto_lift, keep_frames_s) and not live.stopped):
        live = LiveSession(config, backend, lift, auto_lift, keep_frames_s=keep_frames_s)
        st.session_state[LIVE_SESSION] = live
    return live


def new_set() -> None:
    """Forget the current live session and report (the next START begins a fresh set)."""
    for key in (LIVE_SESSION, LIVE_ANALYSIS, LIVE_RECORDING, LIVE_BUILD_S, LIVE_ERROR, LIVE_CHECKED, LIVE_CHECK_S,
                LIVE_COUNT_SEEN, LIVE_CHECK_NOTE):
        st.session_state[key] = None


def finished_analysis():
    return st.session_state.get(LIVE_ANALYSIS)


def finish_set(live: LiveSession) -> None:
    """"Finish set" (a button callback, so it runs before the page reruns): freeze the count, stop the
    camera, and turn the buffered keypoints into the full report (the upload page's stages, no new pose)."""
    started = time.perf_counter()
    st.session_state[LIVE_ERROR] = None
    st.session_state[LIVE_CHECKED] = False
    st.session_state[LIVE_CHECK_S] = None
    st.session_state[LIVE_CHECK_NOTE] = None
    try:
        analysis = live.finish_report()
        st.session_state[LIVE_RECORDING] = None  # made from the kept frames after the report is on screen
        st.session_state[LIVE_ANALYSIS] = analysis
        st.session_state[LIVE_COUNT_SEEN] = analysis.report.rep_count
        st.session_state[LIVE_BUILD_S] = time.perf_counter() - started
        logger.info("live report of %d reps built in %.2f s", analysis.report.rep_count,
                    st.session_state[LIVE_BUILD_S])
    except (FormLensError, ValueError) as err:
        st.session_state[LIVE_ERROR] = f"No report for this set: {err}"
    except Exception:
        logger.exception("live report failed")
        st.session_state[LIVE_ERROR] = "Something went wrong while building the report; it has been logged."


def poll_panel(ctx, live: LiveSession, placeholder, on_snapshot=None) -> None:
    """Render the newest snapshot while the stream plays; say plainly when WebRTC is not connecting.

    The page reruns whenever the component's state changes, so "connecting" is
    shown once and replaced as soon as frames flow. A finished set shows its frozen count.
    ``on_snapshot(snap)``, when given, sees every snapshot shown (the voice, ui.live_voice).
    """
    if live.stopped:
        with placeholder.container():
            render_live_panel(live.final, finished=True)
        if on_snapshot is not None:
            on_snapshot(live.final)
        return
    if ctx.state.signalling and not ctx.state.playing:
        placeholder.warning("Connecting the camera… If this message stays for more than ~10 s, this network "
                            "blocks the live connection (no TURN server): use **Record, then analyse** below.")
        return
    if not ctx.state.playing:
        with placeholder.container():
            render_live_panel(None)
        return
    while ctx.state.playing and not live.stopped:
        snap = live.latest(timeout=0.5)
        if snap is not None and not live.stopped:
            with placeholder.container():
                render_live_panel(snap)
            if on_snapshot is not None:
                on_snapshot(snap)


@st.cache_resource(show_spinner="Warming up the pose model for live video (first time only)...")
def warm_backend(_backend: PoseBackend, name: str) -> bool:
    """Run one blank 640x480 frame through the model before the camera starts.

    Why: the first predict builds the ONNX session (seconds on a busy CPU);
    inside the webrtc worker that would exceed its 10 s per-frame limit and stop the stream.
    """

    _backend.predict([np.zeros((480, 640, 3), np.uint8)])
    return True


def show_analysis(analysis, data: bytes | None) -> None:
    """Make ``analysis`` (an uploaded recording) the report this page shows; ``data`` is its video."""
    st.session_state[LIVE_ANALYSIS] = analysis
    st.session_state[LIVE_RECORDING] = data
    st.session_state[LIVE_BUILD_S] = None


def _recording(live: LiveSession | None) -> bytes | None:
    """The video the report's frames come from: the uploaded recording, or the kept live frames as MP4
    (encoded once, after the report's summary is already on screen)."""
    data = st.session_state.get(LIVE_RECORDING)
    if data is None and live is not None and live.stopped and live.analyzer.recorded:
        with st.spinner("Preparing the recording for key frames…"):
            data = live.recording_mp4()
        st.session_state[LIVE_RECORDING] = data
    return data


def provenance(analysis, live: LiveSession | None) -> bool:
    """Where the report on screen comes from (the live keypoints, or the check of the recording) and the last
    rep's bar speed; returns whether the recording is still to be checked."""
    check = bool(live is not None and live.stopped and live.analyzer.recorded
                 and not st.session_state.get(LIVE_CHECKED))
    if (check_s := st.session_state.get(LIVE_CHECK_S)) is not None:
        st.caption(f"Checked again from the recording in {check_s:.1f} s, as an upload of it is analysed "
                   "(full-size pose and the barbell): this report and an upload of the same video agree.")
        seen = st.session_state.get(LIVE_COUNT_SEEN)
        if seen is not None and seen != analysis.report.rep_count:
            st.info(f"The check of the recording counts {plural(analysis.report.rep_count, 'rep')}; the live "
                    f"counter showed {seen}. The report follows the recording.")
    elif (built := st.session_state.get(LIVE_BUILD_S)) is not None:
        st.caption(f"Built in {built:.1f} s from the keypoints measured live (pose is not run again)."
                   + (" Checking it again from the recording…" if check else ""))
    if note := st.session_state.get(LIVE_CHECK_NOTE):
        st.caption(note)
    if line := last_rep_bar_line(analysis.report):
        st.markdown(line)
    elif not (live is not None and live.analyzer.recorded):
        st.caption("Bar path and speed need the recording: the set is checked again from the kept frames after "
                   "it ends (the full check does not fit the live frame budget). Turn on **Keep the recording** "
                   "before START.")
    return check


@st.fragment(run_every=1.0)
def check_recording(live: LiveSession) -> None:
    """Analyse the kept recording as an upload (LiveSession.check_recording, in the background) and, once done,
    make it the page's report; until then say that it is being checked (this fragment looks every second)."""
    upload_config = base_config()
    future = live.check_recording(pose_backend(upload_config), upload_config)
    if not future.done():
        st.caption(":material/hourglass_top: Checking the set again from the recording (full-size pose and the "
                   "barbell)…")
        return
    st.session_state[LIVE_CHECKED] = True
    try:
        checked = future.result()
    except FormLensError as err:
        st.session_state[LIVE_CHECK_NOTE] = f"The recording could not be checked again ({err}); this report is from " \
                                            "the live keypoints."
        checked = None
    except Exception:
        logger.exception("the check of the live recording failed")
        st.session_state[LIVE_CHECK_NOTE] = ("The recording could not be checked again; this report is from the "
                                             "live keypoints.")
        checked = None
    if checked is not None:
        st.session_state[LIVE_ANALYSIS], st.session_state[LIVE_RECORDING], st.session_state[LIVE_CHECK_S] = checked
    st.rerun(scope="app")


def render_set_report(analysis, config: AnalysisConfig, coach_choice, live: LiveSession | None = None) -> None:
    """The full report of a live set, from the upload page's own renderers: summary, timeline, reps and
    faults, coaching, key frames and the annotated MP4 (when the recording was kept), downloads, save."""
    if err := st.session_state.get(LIVE_ERROR):
        st.error(err)
    if analysis is None:
        return
    st.header("Report of the live set")
    check = provenance(analysis, live)
    render.report_body(analysis.report)
    report = attach_coaching(analysis.report, config, coach_choice)
    st.subheader("Coaching")
    render_coaching(report, key="live_coaching")
    data = _recording(live)
    st.subheader("Replay: 10 key frames per rep")
    if data:
        render.key_frame_gallery(data, analysis, False)
    else:
        st.caption("Key frames and the annotated video need the recording: turn on **Keep the recording** "
                   "in the sidebar before START.")
    st.subheader("Downloads")
    render.downloads(report, "live_set")
    if data:
        recording_downloads(analysis, data)
    st.subheader("Save to an athlete's history")
    save_panel(analysis, data or b"", "live_set.mp4", key="live_save")
    if check and live is not None:  # after the whole report is on screen; then the recording's report replaces it
        check_recording(live)


def recording_downloads(analysis, data: bytes) -> None:
    """Download the kept recording, and draw the skeleton on it with the upload page's annotated video."""
    c1, c2 = st.columns(2)
    c1.download_button("⬇ Recording (MP4)", data, file_name="live_set.mp4", mime="video/mp4", key="live_dl_rec")
    if c2.button("Prepare annotated video (MP4)", key="live_make_mp4"):
        c2.download_button("⬇ Annotated video (MP4)", annotated_video(data, analysis, False),
                           file_name="live_set_annotated.mp4", mime="video/mp4", key="live_dl_annotated")
