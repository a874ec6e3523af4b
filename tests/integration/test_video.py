import io
import shutil
import subprocess

import cv2
import numpy as np
import pytest

from core.config import AnalysisConfig
from core.errors import NoFramesDecoded, UnreadableVideo, VideoTooLarge, VideoTooLong
from core.perception.video import iter_frames, probe
from tests.conftest import clip_path, manifest_row

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg (Debian package) builds the rotated fixtures")


@pytest.mark.parametrize("name", ["formfit_squat", "mattiolato_good_01", "rohanx01_squat", "kminsik_bench"])
def test_probe_matches_the_manifest(name):
    row = manifest_row(name)
    info = probe(clip_path(name))
    assert info.width == int(row["width"]) and info.height == int(row["height"])
    assert info.fps == pytest.approx(float(row["fps"]), rel=0.01)
    assert info.duration_s == pytest.approx(float(row["duration_s"]), abs=0.15)
    assert info.frames == pytest.approx(info.duration_s * info.fps, rel=0.05)
    assert info.rotation == 0


def test_bytes_and_path_decode_the_same_frames():
    path = clip_path("nadamarie_false_bench")
    a = [f.image for f in iter_frames(path)][:5]
    b = [f.image for f in iter_frames(io.BytesIO(path.read_bytes()))][:5]
    assert len(a) == 5 and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_stride_and_downscale():
    frames = list(iter_frames(clip_path("nadamarie_false_bench"), stride=3, max_side=320))
    info = probe(clip_path("nadamarie_false_bench"))
    assert len(frames) == pytest.approx(info.frames / 3, abs=1)
    assert max(frames[0].image.shape[:2]) == 320
    assert [f.index for f in frames[:3]] == [0, 3, 6]


def test_text_file_is_not_a_video(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 50)
    with pytest.raises(UnreadableVideo, match="not a video"):
        probe(p)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    with pytest.raises(UnreadableVideo, match="empty"):
        probe(p)
    with pytest.raises(UnreadableVideo, match="empty"):
        probe(b"")


def test_truncated_file_gives_a_clear_error_or_partial_frames(tmp_path):
    data = clip_path("formfit_squat").read_bytes()
    p = tmp_path / "cut.mp4"
    p.write_bytes(data[: len(data) // 50])
    with pytest.raises((UnreadableVideo, NoFramesDecoded)):
        probe(p)


def test_limits_have_clear_messages():
    with pytest.raises(VideoTooLong, match="limit is 0 min"):
        probe(clip_path("formfit_squat"), AnalysisConfig(max_duration_s=5))
    with pytest.raises(VideoTooLarge, match="frame size 1920x1080"):
        probe(clip_path("mattiolato_good_01"), AnalysisConfig(max_width=1280, max_height=1280))
    with pytest.raises(VideoTooLarge, match="MB"):
        probe(clip_path("mattiolato_good_01"), AnalysisConfig(max_upload_mb=0.1))


@needs_ffmpeg
@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_rotated_phone_video_comes_out_upright(tmp_path, rotate):
    """A portrait clip stored sideways with a rotation flag decodes exactly as ffmpeg displays it."""
    src = clip_path("rohanx01_squat")  # portrait 608x1080
    flagged = tmp_path / f"rot{rotate}.mp4"
    # store the picture turned, and flag it so players turn it back
    turn = {90: "transpose=1", 180: "hflip,vflip", 270: "transpose=2"}[rotate]
    turned = tmp_path / "turned.mp4"
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(src), "-t", "1", "-vf", turn, "-c:v", "libx264",
                    "-an", str(turned)], check=True)
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(turned), "-c", "copy",
                    "-metadata:s:v:0", f"rotate={rotate}", str(flagged)], check=True)
    ref = tmp_path / "ref.png"
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(flagged), "-frames:v", "1", str(ref)], check=True)
    info = probe(flagged)
    first = next(iter(iter_frames(flagged, info)))
    expected = cv2.imread(str(ref))
    assert (info.width, info.height) == (608, 1080)  # upright portrait again
    assert first.image.shape == expected.shape
    assert np.abs(first.image.astype(int) - expected).mean() < 1.0
    original = next(iter(iter_frames(src))).image
    assert np.abs(first.image.astype(int) - original).mean() < 8.0  # same picture, only re-encoded
