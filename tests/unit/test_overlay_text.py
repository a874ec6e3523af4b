"""The live overlay's verdict: wrapped between words to fit the picture, never cut mid-word."""

import cv2
import numpy as np

from core.live import LiveRep, LiveSnapshot, draw_live_overlay
from core.render.annotate import LABEL_MARGIN_PX, fit_text, label_font

LONG = ("Rep 3: early hip rise — hips rose 12° before the shoulders in the first third of the pull, so the "
        "bar drifted forward and the back took the load instead of the legs")


def _width(line: str, shape) -> int:
    fs, th = label_font(shape)
    return cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0]


def test_a_long_verdict_wraps_between_words_and_fits_the_frame():
    for shape in [(480, 640, 3), (360, 480, 3), (1080, 1920, 3)]:
        lines = fit_text(LONG, shape, max_lines=3)
        assert 1 <= len(lines) <= 3
        assert all(_width(line, shape) <= shape[1] - LABEL_MARGIN_PX for line in lines)
        words = " ".join(lines).removesuffix("...").split()
        plain = LONG.replace("—", "-").replace("°", " deg").split()
        assert words == plain[:len(words)]  # whole words, in order: nothing cut mid-word
        assert lines[-1].endswith("...") == (len(words) < len(plain))


def test_a_short_verdict_is_drawn_as_it_is_spelt_in_ascii():
    assert fit_text("Rep 1: counted — hip 70° to 175°", (480, 640, 3)) == ["Rep 1: counted - hip 70 deg to 175 deg"]


def test_the_overlay_draws_a_long_verdict_inside_the_frame():
    img = np.zeros((480, 640, 3), np.uint8)
    rep = LiveRep(2, 1.0, 2.0, 3.0, 3.2, True, ({"name": "early_hip_rise", "detected": True, "score": 0.9},), LONG)
    snap = LiveSnapshot(3.2, np.full((17, 3), np.nan), "hip", 120.0, 3, "up", 20.0, 30.0, "deadlift", None, (rep,))
    draw_live_overlay(img, snap)
    drawn = np.flatnonzero(img.max(axis=(0, 2)))
    assert drawn.size and drawn.max() < img.shape[1] - 2  # the text boxes end inside the picture


def test_key_frame_text_grows_with_the_frame_height_and_fits_its_width():
    """The text burnt into a key frame: capitals >= 4 % of the frame's height (legible when a projector shows the
    frame a screen tall), shrunk only where the longest line would leave a narrow portrait frame."""
    from core.render.annotate import share_font
    from core.render.replay import KEY_FRAME_TEXT_SHARE

    lines = ["Rep 1 down - 2.23 s", "knee 58 hip 83 deg"]  # as core.render.replay writes them
    for shape in [(1080, 1920, 3), (720, 620, 3), (600, 600, 3), (360, 640, 3), (656, 368, 3)]:
        fs, th = share_font(shape, lines, KEY_FRAME_TEXT_SHARE)
        cap = cv2.getTextSize("R", cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][1]
        widest = max(cv2.getTextSize(x, cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0] for x in lines)
        room = shape[1] - LABEL_MARGIN_PX
        assert widest <= room, shape
        assert cap >= 0.04 * shape[0] or widest >= 0.9 * room, (shape, cap)
    old = cv2.getTextSize("R", cv2.FONT_HERSHEY_SIMPLEX, *label_font((1920, 1080, 3)))[0][1]
    assert old < 0.025 * 1920  # the size before, ~2 % of the long side: 2.4 % of a portrait phone clip's height
