"""Video probing and streamed decoding with PyAV.

Frames come out upright (rotation metadata applied) as BGR uint8 arrays, one
at a time, so memory does not grow with clip length. Every failure a user can
cause becomes a :class:`~core.errors.FormLensError` with a plain message.
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from core.config import AnalysisConfig
from core.errors import AnalysisTimeout, NoFramesDecoded, UnreadableVideo, VideoTooLarge, VideoTooLong, VideoTooShort
from core.types import VideoInfo

logger = logging.getLogger(__name__)

VideoSource = str | os.PathLike | bytes | BinaryIO


@dataclass(frozen=True)
class DecodedFrame:
    """One upright picture: ``image`` is (H, W, 3) uint8 BGR; ``time_s`` from the container."""

    index: int
    time_s: float
    image: np.ndarray


def _open(source: VideoSource) -> av.container.InputContainer:
    """Open a path, bytes or binary file object, mapping every failure to UnreadableVideo."""
    if isinstance(source, bytes | bytearray):
        if len(source) == 0:
            raise UnreadableVideo("The file is empty (0 bytes): there is no video to analyse.")
        source = io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise UnreadableVideo(f"No such video file: {path.name}")
        if path.stat().st_size == 0:
            raise UnreadableVideo("The file is empty (0 bytes): there is no video to analyse.")
        source = str(path)
    else:
        source.seek(0, os.SEEK_END)
        empty = source.tell() == 0
        source.seek(0)
        if empty:
            raise UnreadableVideo("The file is empty (0 bytes): there is no video to analyse.")
    try:
        return av.open(source, mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as err:
        logger.info("av.open failed: %s", err)
        raise UnreadableVideo(
            "This file is not a video FormLens can read (it may be corrupt, truncated or another "
            "kind of file). Try an MP4, MOV or WebM straight from the camera."
        ) from err


def _source_size(source: VideoSource) -> int:
    if isinstance(source, bytes | bytearray):
        return len(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).stat().st_size if Path(source).is_file() else 0
    pos = source.tell()
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(pos)
    return size


def _clockwise(frame: av.VideoFrame) -> int:
    """Clockwise degrees that turn the stored picture upright (0/90/180/270).

    PyAV reports the display matrix as a counter-clockwise angle in [-180, 180].
    """
    ccw = getattr(frame, "rotation", 0) or 0
    return int(round(-float(ccw) / 90.0) * 90) % 360


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        what = " and ".join(kinds) if kinds else "no streams"
        raise UnreadableVideo(f"This file has no video track (it contains {what}). Upload a video of the lift.")
    return container.streams.video[0]


def probe(source: VideoSource, config: AnalysisConfig | None = None) -> VideoInfo:
    """Read fps, frame count, duration and upright size, and enforce the limits."""
    config = config or AnalysisConfig()
    size = _source_size(source)
    if size > config.max_upload_mb * 1e6:
        raise VideoTooLarge(
            f"The file is {size / 1e6:.0f} MB; the limit is {config.max_upload_mb:.0f} MB. "
            "Trim the clip to the set itself or export it at 1080p.")
    with _open(source) as container:
        stream = _video_stream(container)
        fmt = container.format.name or ""
        if fmt.endswith("_pipe") or fmt == "image2":
            raise UnreadableVideo(f"This file is a still image ({fmt.replace('_pipe', '').upper()}), not a video. "
                                  "Upload a video of the set.")
        rotation = _first_frame_rotation(container, stream)
        info = _info_from_stream(container, stream, size, rotation)
    check_limits(info, config)
    return info


def _first_frame_rotation(container, stream) -> int:
    """Decode the first picture: proves the file is decodable and gives its rotation."""
    try:
        for frame in _decode_tolerant(container, stream):
            return _clockwise(frame)
    except av.error.FFmpegError as err:
        raise NoFramesDecoded("No picture could be decoded from this file; it is probably "
                              "truncated or damaged.") from err
    raise NoFramesDecoded("The video contains no decodable frames.")


def _info_from_stream(container, stream, size: int, rotation: int) -> VideoInfo:
    ctx = stream.codec_context
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = 30.0
    duration = 0.0
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1e6
    frames = int(stream.frames or 0)
    estimate = int(round(duration * fps))
    if estimate and (not frames or abs(frames - estimate) > 0.05 * estimate):
        frames = estimate  # some muxers store a wrong count; the timeline is more reliable
    if not duration and frames:
        duration = frames / fps
    w, h = int(ctx.width or 0), int(ctx.height or 0)
    if rotation in (90, 270):
        w, h = h, w
    return VideoInfo(fps=fps, frames=frames, duration_s=duration, width=w, height=h,
                     rotation=rotation, codec=str(ctx.name or ""), size_bytes=size)


def check_limits(info: VideoInfo, config: AnalysisConfig) -> None:
    """Raise a clear error when a clip is outside what FormLens accepts."""
    if info.width <= 0 or info.height <= 0:
        raise UnreadableVideo("The video track has no picture size; the file is probably damaged.")
    long_side, short_side = max(info.width, info.height), min(info.width, info.height)
    if long_side > max(config.max_width, config.max_height) or short_side > min(config.max_width, config.max_height):
        raise VideoTooLarge(
            f"The frame size {info.width}x{info.height} is larger than FormLens accepts "
            f"(up to {config.max_width}x{config.max_height}). Export the clip at 4K or lower.")
    if info.frames < 3 or info.duration_s < config.min_duration_s:
        frames = f"{info.frames} frame" + ("s" if info.frames != 1 else "")
        what = frames if info.frames < 3 else f"{info.duration_s:.2f} s"
        raise VideoTooShort(
            f"The clip is too short ({what}); a rep needs at least {config.min_duration_s:.1f} s of video. "
            "Upload the whole set.")
    if info.duration_s > config.max_duration_s:
        raise VideoTooLong(
            f"The clip lasts {info.duration_s / 60:.1f} min; the limit is {config.max_duration_s / 60:.0f} min. "
            "Trim it to the set you want analysed.")


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    if rotation == 90:
        return np.ascontiguousarray(np.rot90(image, k=-1))
    if rotation == 180:
        return np.ascontiguousarray(image[::-1, ::-1])
    if rotation == 270:
        return np.ascontiguousarray(np.rot90(image, k=1))
    return image


def iter_frames(source: VideoSource, info: VideoInfo | None = None, *, stride: int = 1,
                deadline: float | None = None, max_side: int | None = None) -> Iterator[DecodedFrame]:
    """Yield upright BGR frames one by one (every ``stride``-th).

    ``deadline`` is a ``time.monotonic()`` value after which decoding stops
    with :class:`AnalysisTimeout`. ``max_side`` downsizes large frames while
    decoding (cheaper than resizing afterwards). Corrupt packets are skipped;
    a file that yields no picture at all raises :class:`NoFramesDecoded`.
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    with _open(source) as container:
        stream = _video_stream(container)
        stream.thread_type = "AUTO"
        n_out = 0
        index = -1
        try:
            for frame in _decode_tolerant(container, stream):
                index += 1
                if deadline is not None and time.monotonic() > deadline:
                    raise AnalysisTimeout(
                        "Decoding took longer than the time limit; try a shorter or lower-resolution clip.")
                if index % stride:
                    continue
                image = _to_bgr(frame, max_side)
                t = float(frame.time) if frame.time is not None else index / (info.fps if info else 30.0)
                n_out += 1
                yield DecodedFrame(index=index, time_s=t, image=_upright(image, _clockwise(frame)))
        except av.error.FFmpegError as err:
            logger.info("decode stopped early at frame %d: %s", index, err)
            if n_out == 0:
                raise NoFramesDecoded("No picture could be decoded from this file; it is probably "
                                      "truncated or damaged.") from err
    if n_out == 0:
        raise NoFramesDecoded("The video contains no decodable frames.")


def _decode_tolerant(container, stream) -> Iterator[av.VideoFrame]:
    """Decode, skipping packets FFmpeg rejects instead of aborting the whole clip."""
    bad = 0
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            bad += 1
            if bad > 50:
                raise
    # demux ends with a flush packet, so buffered frames are already out


def _to_bgr(frame: av.VideoFrame, max_side: int | None) -> np.ndarray:
    if max_side and max(frame.width, frame.height) > max_side:
        scale = max_side / max(frame.width, frame.height)
        w = max(2, int(round(frame.width * scale / 2)) * 2)
        h = max(2, int(round(frame.height * scale / 2)) * 2)
        return frame.to_ndarray(format="bgr24", width=w, height=h)
    return frame.to_ndarray(format="bgr24")
