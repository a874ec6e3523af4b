"""Shared by the real-browser tests: start the app on a free loopback port, drive headless Debian Chromium
(optionally with a fake camera playing a real clip), wait for text, and measure WCAG contrast of what is drawn.

Chromium and chromedriver are the Debian packages (``scripts/setup.sh`` installs them for the tests).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ONNX_WEIGHTS, ROOT
from ui.theme import contrast_ratio

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal-size text (1.4.3)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CAMERA_VF = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,fps={fps}"


def camera_clip(src: Path, out: Path, fps: int = 15, hold_s: tuple[float, float] = (0.0, 0.0),
                and_back: bool = False) -> Path:
    """``src`` as the fake camera sends it (640x480 letterboxed, ``fps``), as an MP4 to upload: the pictures of
    ``to_y4m(out)``. ``and_back`` plays it forwards then backwards (a pull, then the bar lowered the same way);
    ``hold_s`` holds the first and last frames that many seconds (Chromium loops the camera's file: a held
    last frame is a lifter still between passes)."""
    chain = f"[0:v]{CAMERA_VF.format(fps=fps)}"
    if and_back:
        chain += ",split[f][b];[b]reverse[r];[f][r]concat=n=2:v=1"
    chain += (f",tpad=start_mode=clone:start_duration={hold_s[0]}"
              f":stop_mode=clone:stop_duration={hold_s[1]}[v]")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-filter_complex", chain, "-map", "[v]",
                    "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", "-an", str(out)], check=True, timeout=60)
    return out


def to_y4m(src: Path, out: Path, fps: int = 15) -> Path:
    """A clip as the fake camera's y4m: 640x480 (letterboxed, aspect kept), ``fps`` to spare the CPU."""
    vf = CAMERA_VF.format(fps=fps)
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


@contextlib.contextmanager
def running_app(data_dir: Path, log: Path | None = None, **env: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port with its own data folder; yields the base URL."""
    port = free_port()
    full_env = {**os.environ, "FORMLENS_POSE_WEIGHTS": str(ONNX_WEIGHTS), "YOLO_OFFLINE": "1",
                "FORMLENS_DATA_DIR": str(data_dir), **env}
    full_env.pop("FORMLENS_DATABASE_URL", None)  # the app's own SQLite file in data_dir
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                               str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], cwd=ROOT, env=full_env,
                              stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_http(port, server, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if log:
            out.close()


@contextlib.contextmanager
def chromium(profile: Path, camera_y4m: Path | None = None, size: tuple[int, int] = (1400, 1000)):
    """Headless Chromium with a fake camera (a real clip when ``camera_y4m`` is given); quits on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             "--disable-features=WebRtcHideLocalIpsWithMdns", f"--user-data-dir={profile}",
             f"--window-size={size[0]},{size[1]}"]
    if camera_y4m is not None:
        flags.append(f"--use-file-for-fake-video-capture={camera_y4m}")
    for flag in flags:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def body_text(driver) -> str:
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        return driver.find_element("tag name", "body").text
    except (StaleElementReferenceException, WebDriverException):
        return ""


def wait_for(driver, predicate, timeout: float, what: str, poll: float = 0.3):
    """Poll ``predicate(driver)`` until it returns something truthy; fail naming ``what`` and the page text."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got = predicate(driver)
        except Exception:  # the page re-renders under us: try again
            got = None
        if got:
            return got
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; page says:\n{body_text(driver)[-1500:]}")


def wait_text(driver, text: str, timeout: float) -> None:
    wait_for(driver, lambda d: text in body_text(d), timeout, repr(text))


_BUSY = ('.stApp:not([data-test-script-state="notRunning"]), [data-testid="stStatusWidget"], [data-stale="true"], '
         '[data-testid="stAppSkeleton"]')


def wait_idle(driver, timeout: float = 60) -> None:
    """Wait until the Streamlit script run is over: the app says "notRunning", no stale (faded) element, three
    polls in a row 0.3 s apart (stale elements fade back in with a short transition)."""
    time.sleep(0.5)  # let a just-triggered rerun begin
    calm = [0]

    def idle(d) -> bool:
        calm[0] = 0 if d.find_elements("css selector", _BUSY) else calm[0] + 1
        return calm[0] >= 3

    wait_for(driver, idle, timeout, "the app to finish running")


def buttons(driver, text: str, exact: bool = False) -> list:
    """Visible buttons (main document) whose text contains (or equals) ``text``."""
    found = driver.find_elements("tag name", "button")
    return [b for b in found if b.is_displayed() and (b.text.strip() == text if exact else text in b.text)]


def click_button(driver, text: str, timeout: float = 30, exact: bool = False) -> None:
    button = wait_for(driver, lambda d: next((b for b in buttons(d, text, exact) if b.is_enabled()), None),
                      timeout, f"an enabled button {text!r}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def exception_text(driver) -> str | None:
    """The text of a Streamlit exception box or a Python traceback on the page, if any."""
    boxes = driver.find_elements("css selector", '[data-testid="stException"]')
    if boxes:
        return boxes[0].text
    text = body_text(driver)
    for marker in ("Traceback (most recent call last)", "StreamlitAPIException", "Error:"):
        if marker in text and "Traceback" in text:
            return text[text.index(marker):][:800]
    return None


def click_webrtc(driver, label: str, timeout: float) -> None:
    """Find the streamlit-webrtc iframe and press its START or STOP button."""
    from selenium.webdriver.common.by import By

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for frame in driver.find_elements(By.TAG_NAME, "iframe"):
            driver.switch_to.frame(frame)
            try:
                found = [b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip().upper() == label]
                if found and found[0].is_enabled():
                    found[0].click()
                    return
            finally:
                driver.switch_to.default_content()
        time.sleep(0.5)
    raise TimeoutError(f"no {label} button in the webrtc iframe")


# Every visible text node under the roots: its colour (with opacity) over the effective background, found by
# compositing the translucent backgrounds of its ancestors up to the first opaque one (white canvas below).
_CONTRAST_JS = r"""
const roots = arguments[0];
function rgba(c) {
  const m = c && c.match(/rgba?\(([^)]+)\)/);
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let out = [255, 255, 255, 1];
  for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i], out);
  return out;
}
function opacity(el) {
  let o = 1;
  for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity || "1");
  return o;
}
const seen = new Set(), out = [];
for (const root of roots) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim()) continue;
    seen.add(el);
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width < 1 || r.height < 1 || cs.visibility === "hidden" || el.closest("[aria-hidden='true']")) continue;
    if (el.closest("svg, canvas, iframe, [data-testid='stDataFrame'], .js-plotly-plot, [data-stale='true']")) continue;
    // a slider's value floats above its thumb, outside the box it is nested in: its backdrop is not an ancestor
    if (el.closest("[data-testid^='stSliderThumb'], [data-testid='stSliderTickBar']")) continue;
    const bg = background(el), fg = rgba(cs.color), o = opacity(el);
    if (o < 0.1) continue;  // drawn invisible (e.g. a slider's value until hovered)
    fg[3] *= o;
    out.push({text: node.textContent.trim().slice(0, 60), fg: over(fg, bg), bg: bg,
              where: (el.closest("[data-testid]") || el).getAttribute("data-testid") || el.tagName});
  }
}
return out;
"""


def text_contrasts(driver, css: str) -> list[dict]:
    """[{text, fg, bg, where, ratio}] for every visible text under the elements matching ``css``."""
    roots = driver.find_elements("css selector", css)
    if not roots:
        return []
    found = driver.execute_script(_CONTRAST_JS, roots)
    for f in found:
        f["ratio"] = contrast_ratio(tuple(f["fg"][:3]), tuple(f["bg"][:3]))
    return found


def low_contrast(driver, css: str, minimum: float = MIN_CONTRAST) -> list[str]:
    """Human-readable lines for every text under ``css`` whose contrast is below ``minimum``."""
    return [f"{f['ratio']:.2f}:1 {f['text']!r} in {f['where']} (text rgb{tuple(round(v) for v in f['fg'][:3])} "
            f"on rgb{tuple(round(v) for v in f['bg'][:3])})"
            for f in text_contrasts(driver, css) if f["ratio"] < minimum]


# Characters drawn as the missing-glyph box: each text's characters drawn on a canvas in the element's own font,
# compared with a private-use code point no font has.
_TOFU_JS = r"""
const out = new Set();
function img(s, font) { const c = document.createElement('canvas'); c.width = 80; c.height = 60;
  const x = c.getContext('2d'); x.font = font; x.fillText(s, 4, 44);
  return Array.from(x.getImageData(0, 0, 80, 60).data).join(','); }
const walker = document.createTreeWalker(document.querySelector('.stApp'), NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement;
  if (!el || !el.getClientRects().length) continue;
  const cs = getComputedStyle(el);
  if (/material/i.test(cs.fontFamily)) continue;  // an icon font's ligature ("home"), drawn as its icon
  const font = `${cs.fontSize} ${cs.fontFamily}`, tofu = img('\u{10FFFD}', font);
  for (const ch of Array.from(walker.currentNode.textContent)) {
    if (ch.codePointAt(0) > 127 && !/\s/.test(ch) && img(ch, font) === tofu) out.add(ch);
  }
}
return Array.from(out);
"""


def missing_glyphs(driver) -> list[str]:
    """The characters on the page that no installed font has (drawn as empty boxes), e.g. emoji without an
    emoji font; icon-font ligatures (Streamlit's Material Symbols) are skipped."""
    return driver.execute_script(_TOFU_JS)
