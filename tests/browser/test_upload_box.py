"""The upload box for one set offers no "+ Add files" (issue 25, item 10), checked where it is drawn: headless
Chromium against a real `streamlit run app.py`. Streamlit 1.67 puts that button beside any uploaded file, even in a
one-file box; ui.upload.upload_box hides it with CSS, which only a browser can confirm."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import CHROMEDRIVER, CHROMIUM, chromium, running_app, wait_for, wait_idle
from tests.conftest import clip_path

pytestmark = [pytest.mark.browser, pytest.mark.needs_data]

CLIP = "jeffchen_bad"  # 1.0 s real deadlift: the upload lands at once and is analysed quickly
ANALYSIS_S = 90  # s for one short clip's analysis on a busy 2-core machine


def add_files_buttons(driver) -> list:
    """The uploader's "+ Add files" buttons a user can see."""
    found = driver.find_elements("css selector", '[data-testid="stFileUploader"] button[aria-label="Add files"]')
    return [b for b in found if b.is_displayed()]


def test_the_upload_box_for_one_set_offers_no_add_files_button(tmp_path):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    with running_app(tmp_path / "data", log=tmp_path / "app.log") as base, chromium(tmp_path / "profile") as driver:
        driver.get(f"{base}/upload")
        wait_idle(driver, ANALYSIS_S)
        box = wait_for(driver, lambda d: d.find_elements("css selector", "[data-testid='stMain'] input[type=file]"),
                       30, "the upload box")[0]
        assert box.get_attribute("multiple") is None  # the file dialog picks one file
        box.send_keys(str(clip_path(CLIP)))
        # the uploaded file is listed in the box (where Streamlit would draw the "+"), during and after analysis
        wait_for(driver, lambda d: f"{CLIP}.mp4" in d.find_element("css selector", "[data-testid='stFileUploader']")
                 .text, 60, "the uploaded file in the box")
        assert not add_files_buttons(driver)
        wait_for(driver, lambda d: "Camera view" in d.find_element("tag name", "body").text, ANALYSIS_S, "the report")
        wait_idle(driver, ANALYSIS_S)
        assert f"{CLIP}.mp4" in driver.find_element("css selector", "[data-testid='stFileUploader']").text
        assert not add_files_buttons(driver)
