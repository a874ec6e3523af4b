"""The upload flow: analyse with progress, corrections, key frames and the annotated video."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from core.config import AnalysisConfig
from core.errors import FormLensError
from core.movement.reps import merge_reps, split_rep
from core.pipeline import Analysis, analyze_trace, trace_video
from core.types import PoseTrace
from ui import session
from ui.resources import pose_backend

logger = logging.getLogger(__name__)

# The video types every upload box accepts (file-name extensions, lower case): the widgets and their hint
# both read this one list, so the hint never names fewer or more types than the box takes.
UPLOAD_TYPES: tuple[str, ...] = ("mp4", "mov", "m4v", "webm", "avi", "mkv")
# Streamlit (1.67) draws a "+" button (aria-label "Add files") beside an uploaded file even in a one-file box,
# where it only replaces the file: hidden, so a box for one set never offers to add files.
_ONE_FILE_CSS = ('<style>.st-key-{key} [data-testid="stFileUploader"] button[aria-label="Add files"]'
                 '{{display: none;}}</style>')


def upload_types_text() -> str:
    """ "MP4, MOV, M4V, WEBM, AVI or MKV": the accepted types in a sentence."""
    names = [t.upper() for t in UPLOAD_TYPES]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def upload_box(label: str, key: str, help: str | None = None):  # noqa: A002 - Streamlit's own argument name
    """The one-file video upload box of every page: one set per upload (no multi-file upload and no "+ add
    files" button), the types of :data:`UPLOAD_TYPES` only. Returns the UploadedFile or None."""
    with st.container(key=f"{key}_box"):
        st.html(_ONE_FILE_CSS.format(key=f"{key}_box"))
        return st.file_uploader(label, type=list(UPLOAD_TYPES), accept_multiple_files=False, key=key,
                                help=help or f"One video of one set: {upload_types_text()}.")


def download_stem(name: str) -> str:
    """A safe file-name stem from a browser-supplied name: no folders, no separators, no dots."""
    stem = re.split(r"[\\/]", name)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._")
    return stem[:60] or "set"


ETA_MIN_ELAPSED_S = 2.0  # s of measured progress before a remaining-time estimate is shown


def remaining_s(fraction: float, first_fraction: float, elapsed_s: float) -> float | None:
    """Seconds left at the rate measured since the first report (``first_fraction`` at 0 s), or None
    while too little has been measured to say."""
    done = fraction - first_fraction
    if elapsed_s < ETA_MIN_ELAPSED_S or done <= 0 or fraction >= 1.0:
        return None
    return elapsed_s * (1.0 - fraction) / done


class ProgressClock:
    """Progress text with a time estimate ("about 40 s left") from the measured rate."""

    def __init__(self) -> None:
        self.t0: float | None = None
        self.f0 = 0.0

    def text(self, fraction: float, stage: str) -> str:
        now = time.monotonic()
        if self.t0 is None:
            self.t0, self.f0 = now, fraction
        left = remaining_s(fraction, self.f0, now - self.t0)
        if left is None:
            return stage
        if left < 90:
            return f"{stage} · about {max(1, round(left))} s left"
        return f"{stage} · about {left / 60:.0f} min left"


# The perception results (pose, scene cuts, bar: core.pipeline.trace_video) of the last uploads in this server
# process, keyed by the video's bytes (sha256) and the whole analysis config: the same video uploaded again (a
# re-analysis, a second session, a student's retry) skips pose and is judged afresh. A few MB per set.
KEPT_TRACES = 8
_traces: OrderedDict[tuple[str, AnalysisConfig], PoseTrace] = OrderedDict()
_traces_lock = threading.Lock()


def kept_trace(key: tuple[str, AnalysisConfig], trace: PoseTrace | None = None) -> PoseTrace | None:
    """The kept trace under ``key`` (and keep ``trace`` there when given); least recently used out first."""
    with _traces_lock:
        if trace is not None:
            _traces[key] = trace
            while len(_traces) > KEPT_TRACES:
                _traces.popitem(last=False)
        found = _traces.get(key)
        if found is not None:
            _traces.move_to_end(key)
        return found


def upload_trace(data: bytes, backend, config: AnalysisConfig, progress=None) -> PoseTrace:
    """Perception of an uploaded video (core.pipeline.trace_video), or its kept trace when the same bytes were
    analysed with the same config; safe from any thread (no st.* call)."""
    key = (hashlib.sha256(data).hexdigest(), config)
    trace = kept_trace(key)
    if trace is None:
        trace = kept_trace(key, trace_video(io.BytesIO(data), backend, config, progress or (lambda *_: None)))
    return trace


def analyse_upload(data: bytes, name: str, config: AnalysisConfig) -> Analysis | None:
    """Run the pipeline on uploaded bytes with a progress bar; show a clear error instead of raising."""
    bar = st.progress(0.0, text="Reading the video")
    clock = ProgressClock()

    def progress(f: float, stage: str) -> None:
        bar.progress(min(max(f, 0.0), 1.0), text=clock.text(f, stage))

    try:
        trace = upload_trace(data, pose_backend(config), config, progress)
        progress(0.99, "Counting reps and measuring")
        return analyze_trace(trace, config)
    except FormLensError as err:
        st.error(str(err))
    except Exception:
        logger.exception("analysis of %r failed", name)
        st.error("Something went wrong while analysing this video. It has been logged; please try another clip.")
    finally:
        bar.empty()
    return None


def reanalyse(config: AnalysisConfig) -> Analysis | None:
    """Re-run the cheap stages after a correction (other lifter, merged/split reps, other lift)."""
    analysis: Analysis = session.get(session.UPLOAD_ANALYSIS)
    try:
        return analyze_trace(analysis.trace, config, lifter_id=session.get(session.LIFTER_ID),
                             rep_bounds=session.get(session.REP_BOUNDS),
                             lift_override=session.get(session.LIFT_OVERRIDE))
    except FormLensError as err:
        st.error(str(err))
        return None


def rep_bounds_after_merge(analysis: Analysis, i: int) -> list[tuple[int, int, int]]:
    return [(r.start, r.turn, r.end) for r in merge_reps(list(analysis.reps), i, analysis.signal)]


def rep_bounds_after_split(analysis: Analysis, i: int, at_s: float) -> list[tuple[int, int, int]]:
    r = analysis.reps[i]  # the detected rep; its shown band may start up to a second earlier (at the bottom)
    at = min(max(int(round(at_s * analysis.series.fps)), r.start + 1), r.end - 1)
    return [(r.start, r.turn, r.end) for r in split_rep(list(analysis.reps), i, at, analysis.signal)]


def annotated_video(data: bytes, analysis: Analysis, blur_faces: bool) -> bytes:
    """Render the annotated MP4 to a private temp file, return its bytes and delete it."""
    from core.render.replay import write_annotated_video

    fd, path = tempfile.mkstemp(suffix=".mp4", prefix="formlens_")
    os.close(fd)
    bar = st.progress(0.0, text="Drawing the skeleton on every frame")
    try:
        write_annotated_video(io.BytesIO(data), analysis, path, blur_faces=blur_faces,
                              progress=lambda f, s: bar.progress(f, text=s))
        return Path(path).read_bytes()
    finally:
        bar.empty()
        Path(path).unlink(missing_ok=True)
