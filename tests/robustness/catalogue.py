"""The catalogue of bad or awkward inputs: what each is, how it is made from the real clips, and what
FormLens must answer. Every entry runs through the CLI, the upload page or both (test_catalogue.py says which).

``expect`` is either ("error", regex of the message) or ("ok", reps, regex a warning must match or None).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import clip_path

FFMPEG = shutil.which("ffmpeg") or "ffmpeg"
BASE = "jeffchen_good"  # 600x600, 30 fps, 2.1 s, one deadlift pull: small and fast to analyse


@dataclass(frozen=True)
class BadInput:
    key: str
    how: str  # how the file is made
    make: Callable[[Path], Path]  # builds the file inside the given folder, returns its path
    expect: tuple  # ("error", regex) or ("ok", reps, warning regex or None)
    upload_name: str | None = None  # name the browser sends, when it differs from the file's
    config: dict | None = None  # AnalysisConfig overrides this case needs (e.g. a small size limit)


def ff(out: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", *args, str(out)], check=True, timeout=120)
    return out


def base() -> str:
    return str(clip_path(BASE))


def _write(out: Path, data: bytes) -> Path:
    out.write_bytes(data)
    return out


def _garbled(d: Path) -> Path:
    """Keep the MP4 boxes, replace every byte of picture data with noise."""
    data = bytearray(Path(base()).read_bytes())
    i = data.find(b"mdat")
    size = int.from_bytes(data[i - 4:i], "big")
    data[i + 4:i - 4 + size] = np.random.default_rng(0).integers(0, 256, size - 8, dtype=np.uint8).tobytes()
    return _write(d / "garbled.mp4", bytes(data))


def _image(d: Path) -> Path:
    frame = cv2.imread(str(ff(d / "frame.png", "-i", base(), "-frames:v", "1")))
    ok, png = cv2.imencode(".png", frame)
    return _write(d / "photo.mp4", png.tobytes())


def _flagged(d: Path, name: str, turn: str, rotate: int, ext: str = "mp4") -> Path:
    """Store the picture turned and flag it, as phones do; players (and FormLens) turn it back."""
    turned = ff(d / f"turned_{name}.{ext}", "-i", base(), "-vf", turn, "-c:v", "libx264", "-an")
    return ff(d / f"{name}.{ext}", "-i", str(turned), "-c", "copy", "-metadata:s:v:0", f"rotate={rotate}")


def _copy_as(d: Path, name: str) -> Path:
    out = d / name
    shutil.copy(base(), out)
    return out


def config_file(case: BadInput, folder: Path) -> Path | None:
    """The TOML config (``FORMLENS_CONFIG``) a case needs, written into ``folder``; None when it needs none."""
    if not case.config:
        return None
    path = folder / "formlens.toml"
    path.write_text("[formlens]\n" + "".join(f"{k} = {v!r}\n" for k, v in case.config.items()))
    return path


OK_ONE = ("ok", 1, None)

CATALOGUE: list[BadInput] = [
    BadInput("empty", "0-byte file named .mp4", lambda d: _write(d / "empty.mp4", b""), ("error", "empty")),
    BadInput("text", "a text file renamed .mp4", lambda d: _write(d / "notes.mp4", b"my squat notes\n" * 200),
             ("error", "not a video")),
    BadInput("truncated", "the first 20 % of a real MP4", lambda d: _write(
        d / "cut.mp4", Path(base()).read_bytes()[: Path(base()).stat().st_size // 5]),
        ("error", "not a video|damaged")),
    BadInput("audio-only", "a 2 s sine tone in an MP4 (AAC)", lambda d: ff(
        d / "tone.mp4", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac"),
        ("error", "no video track")),
    BadInput("image", "a PNG photo renamed .mp4", _image, ("error", "still image \\(PNG\\), not a video")),
    BadInput("no-frames", "a real MP4 whose picture data is replaced by noise", _garbled,
             ("error", "No picture could be decoded")),
    BadInput("one-frame", "the first frame of a real clip, H.264", lambda d: ff(
        d / "one.mp4", "-i", base(), "-frames:v", "1", "-an"), ("error", "too short \\(1 frame\\)")),
    BadInput("two-seconds", "the first 2.0 s of a real one-rep clip", lambda d: ff(
        d / "two.mp4", "-i", base(), "-t", "2.0", "-c:v", "libx264", "-an"), OK_ONE),
    BadInput("8k", "a 1 s, 7680x4320 clip", lambda d: ff(
        d / "8k.mp4", "-f", "lavfi", "-i", "color=gray:s=7680x4320:r=5", "-t", "1", "-c:v", "libx264",
        "-preset", "ultrafast"), ("error", "frame size 7680x4320 is larger")),
    BadInput("too-long", "a 12-minute 64x64 clip (1 fps)", lambda d: ff(
        d / "long.mp4", "-f", "lavfi", "-i", "color=black:s=64x64:r=1", "-t", "720", "-c:v", "libx264"),
        ("error", "lasts 12.0 min; the limit is 10 min")),
    BadInput("variable-fps", "a real clip with irregularly dropped frames, VFR timestamps", lambda d: ff(
        d / "vfr.mp4", "-i", base(), "-vf", "select='lt(mod(n\\,5)\\,3)+gt(n\\,40)'", "-fps_mode", "vfr", "-an"),
        ("ok", 1, None)),  # resampled to its mean rate (~25/s): nothing the lifter needs to hear (issue 25, 11)
    BadInput("rotated-90", "stored turned, rotate=90 flag", lambda d: _flagged(d, "r90", "transpose=1", 90), OK_ONE),
    BadInput("rotated-180", "stored upside down, rotate=180 flag", lambda d: _flagged(d, "r180", "hflip,vflip", 180),
             OK_ONE),
    BadInput("rotated-270", "stored turned, rotate=270 flag", lambda d: _flagged(d, "r270", "transpose=2", 270),
             OK_ONE),
    BadInput("upside-down", "turned 180 with no rotation flag", lambda d: ff(
        d / "upside.mp4", "-i", base(), "-vf", "hflip,vflip", "-an"), ("error", "upside down|No person")),
    BadInput("dark", "brightness cut to 4 %", lambda d: ff(
        d / "dark.mp4", "-i", base(), "-vf", "lutyuv=y=val*0.04:u=128:v=128", "-an"), ("error", "too dark")),
    BadInput("no-person", "a 3 s test pattern", lambda d: ff(
        d / "pattern.mp4", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=30", "-t", "3"), ("error", "No person")),
    BadInput("three-people", "three real clips side by side", lambda d: ff(
        d / "three.mp4", "-i", base(), "-i", str(clip_path("jeffchen_heellift")), "-i", str(clip_path("jeffchen_bad")),
        # the whole base clip: a cut at 2.0 s ended it < 0.4 s after lockout, which the rep rule
        # (AnalysisConfig.min_unfinished_top_s, fitted leave-one-source-out) does not count as a finished pull
        "-filter_complex", "[0:v][1:v][2:v]hstack=inputs=3", "-an"), ("ok", 1, "3 people were seen")),
    BadInput("partly-out", "the bottom 40 % cut off (feet and knees out of frame)", lambda d: ff(
        d / "partly.mp4", "-i", base(), "-vf", "crop=600:360:0:0", "-an"), ("any", None, None)),
    BadInput("leaves-mid-set", "a real clip then 2 s of empty gym", lambda d: ff(
        d / "leaves.mp4", "-i", base(), "-f", "lavfi", "-i", "color=gray:s=600x600:r=30:d=2",
        "-filter_complex", "[0:v][1:v]concat=n=2:v=1", "-an"), ("ok", 1, None)),
    BadInput("occluded", "a grey plate drawn over the legs", lambda d: ff(
        d / "occluded.mp4", "-i", base(), "-vf", "drawbox=x=150:y=330:w=300:h=270:color=gray:t=fill", "-an"),
        ("any", None, None)),
    BadInput("webm", "VP9 + Opus WebM, as a browser MediaRecorder writes", lambda d: ff(
        d / "recording.webm", "-i", base(), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-shortest",
        "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"), OK_ONE),
    BadInput("phone-mov", "QuickTime .mov, H.264, rotate=90 flag", lambda d: _flagged(
        d, "IMG_0042", "transpose=1", 90, ext="mov"), OK_ONE),
    BadInput("non-ascii-name", "a real clip named with accents and CJK", lambda d: _copy_as(
        d, "Kreuzheben_Übung_デッドリフト.mp4"), OK_ONE),
    BadInput("path-separators", "uploaded under a name with ../ and backslashes", lambda d: _copy_as(d, "sep.mp4"),
             OK_ONE, upload_name="../../etc/pass\\wd/clip.mp4"),
    BadInput("over-size", "a 1080p real clip against a 1 MB upload limit", lambda d: Path(
        clip_path("mattiolato_good_01")), ("error", "the limit is 1 MB"), config={"max_upload_mb": 1.0}),
]
