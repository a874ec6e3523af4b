"""The live page in a real browser: headless Debian Chromium, a fake camera playing a real clip, the rep counter.

AppTest cannot host webrtc_streamer, so this is the one test of the page itself. It starts
``streamlit run`` on a free loopback port, clicks START inside the component's iframe (auto-start
breaks ICE, see ../shared/docs/environment.md) and watches the rep counter text.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ONNX_WEIGHTS, ROOT, clip_path, manifest_row

CLIP = "formfit_deadlift"  # side-view deadlift set, 2 reps, 11.6 s; the page's default lift is deadlift
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DEADLINE_S = 150  # s for server start, model load, WebRTC set-up and one pass of the clip on a busy 2-core box


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def to_y4m(src: Path, out: Path) -> Path:
    """The clip as the fake camera's y4m: 640x480 (letterboxed, aspect kept), 15 fps to spare the CPU."""
    vf = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,fps=15"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf", vf, "-pix_fmt", "yuv420p", str(out)],
                   check=True, timeout=60)
    return out


def wait_http(port: int, proc: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, "streamlit exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


def chromium(y4m: Path, profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-video-capture={y4m}", "--disable-features=WebRtcHideLocalIpsWithMdns",
                 f"--user-data-dir={profile}", "--window-size=1280,1600"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def click_start(driver, timeout: float) -> None:
    """Find the streamlit-webrtc iframe and press its START button."""
    from selenium.webdriver.common.by import By

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for frame in driver.find_elements(By.TAG_NAME, "iframe"):
            driver.switch_to.frame(frame)
            buttons = [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip().upper() == "START"]
            if buttons:
                buttons[0].click()
                driver.switch_to.default_content()
                return
            driver.switch_to.default_content()
        time.sleep(0.5)
    raise TimeoutError("no START button in the webrtc iframe")


def finish_and_read_report(driver, timeout: float) -> None:
    """Press "Finish set: full report" and wait for the upload-style report of the buffered set."""
    from selenium.webdriver.common.by import By

    button = next(b for b in driver.find_elements(By.TAG_NAME, "button") if "Finish set" in b.text)
    button.click()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = driver.find_element(By.TAG_NAME, "body").text
        if "Report of the live set" in text:
            assert "Camera view" in text and "Lift" in text  # the upload page's summary cards
            return
        time.sleep(0.5)
    raise AssertionError("the end-of-set report did not appear")


@pytest.mark.browser
def test_live_page_counts_reps_from_a_fake_camera(tmp_path):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    expected = int(manifest_row(CLIP)["reps"])
    y4m = to_y4m(clip_path(CLIP), tmp_path / "camera.y4m")
    port = free_port()
    env = {**os.environ, "FORMLENS_POSE_WEIGHTS": str(ONNX_WEIGHTS), "YOLO_OFFLINE": "1",
           "FORMLENS_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                               str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    start = time.monotonic()
    try:
        wait_http(port, server, 30)
        driver = chromium(y4m, tmp_path / "profile")
        driver.get(f"http://127.0.0.1:{port}/live")
        click_start(driver, 60)
        seen: list[int] = []
        while time.monotonic() - start < DEADLINE_S:
            counts = re.findall(r"Rep counter: (\d+)", driver.find_element("tag name", "body").text)
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
        finish_and_read_report(driver, timeout=40)
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
