"""The live page in a real browser: headless Debian Chromium, a fake camera playing a real clip, the rep counter.

AppTest cannot host webrtc_streamer, so this is the one test of the page's counting itself (the walkthrough in
test_walkthrough.py covers Finish set). It starts ``streamlit run`` on a free loopback port, clicks START inside
the component's iframe (auto-start breaks ICE, see ../shared/docs/environment.md) and watches the rep counter.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest

from tests.browser.helpers import (
    CHROMEDRIVER,
    CHROMIUM,
    body_text,
    chromium,
    click_button,
    click_webrtc,
    exception_text,
    running_app,
    to_y4m,
    wait_text,
)
from tests.conftest import clip_path, manifest_row

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

CLIP = "formfit_deadlift"  # side-view deadlift set, 2 reps, 11.6 s; the page's default lift is deadlift
DEADLINE_S = 150  # s for server start, model load, WebRTC set-up and one pass of the clip on a busy 2-core box


@pytest.mark.browser
def test_live_page_counts_reps_from_a_fake_camera(tmp_path):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    expected = int(manifest_row(CLIP)["reps"])
    y4m = to_y4m(clip_path(CLIP), tmp_path / "camera.y4m")
    start = time.monotonic()
    with running_app(tmp_path / "data") as url, chromium(tmp_path / "profile", y4m, size=(1280, 1600)) as driver:
        driver.get(f"{url}/live")
        click_webrtc(driver, "START", 60)
        seen: list[int] = []
        while time.monotonic() - start < DEADLINE_S:
            counts = re.findall(r"Rep counter: (\d+)", body_text(driver))
            if counts and (not seen or int(counts[0]) != seen[-1]):
                seen.append(int(counts[0]))
            if seen and seen[-1] >= expected:
                break
            time.sleep(0.3)
        assert seen, "the live panel never showed a rep counter"
        assert expected in seen, f"rep counter went {seen}, expected to reach {expected}"
        # no overshoot: the first count at or above the expected one is the expected one (a set-up wiggle
        # counted early may be withdrawn when the first full pull widens the range, so 0, 1, 0, 1, 2 is fine)
        assert next(c for c in seen if c >= expected) == expected
        click_button(driver, "Finish set")
        wait_text(driver, "Report of the live set", 40)
        wait_text(driver, "Camera view", 40)  # the summary cards come right after the header
        text = body_text(driver)
        assert "Camera view" in text and "Lift" in text  # the upload page's summary cards
        assert not exception_text(driver), exception_text(driver)
