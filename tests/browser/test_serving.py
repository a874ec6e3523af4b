"""The README's run command, for real: where it listens, and the password sign-in in a real browser.

``bash scripts/run_app.sh`` (with a free port appended) must listen on 127.0.0.1 only, and on every
interface with FORMLENS_SERVE_NETWORK=1. Served to the network (here by Streamlit's own
``--server.address 0.0.0.0`` flag, so sign-in must follow the real bind address, not only the setting),
the History page asks for the password in headless Debian Chromium before any stored data: a wrong
one is refused, the right one shows the athlete. Each server gets its own throw-away data folder; a
network one is up for a few seconds and holds one made-up athlete behind a password.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from core.records.auth import PasswordFile
from core.records.storage import FormStore
from tests.conftest import ONNX_WEIGHTS, ROOT

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
START_S = 60  # s for setup.sh's checks and Streamlit's start on a busy 2-core machine
PASSWORD = "Deadlift-Day-2026"
ATHLETE = "Zoe Secretname"
ACCESS_VARS = ("FORMLENS_DATABASE_URL", "FORMLENS_CONFIG", "FORMLENS_SERVE_NETWORK", "FORMLENS_REQUIRE_SIGNIN",
               "FORMLENS_OPEN_PAGES")  # the test decides these


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket in LISTEN state on ``port``, from /proc/net/tcp and tcp6."""
    found = set()
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        if not os.path.exists(table):
            continue
        with open(table) as fh:
            next(fh)
            for line in fh:
                local, state = line.split()[1], line.split()[3]
                addr_hex, port_hex = local.split(":")
                if state != "0A" or int(port_hex, 16) != port:
                    continue
                raw = bytes.fromhex(addr_hex)
                if v6:  # four little-endian 32-bit words
                    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
                else:
                    found.add(socket.inet_ntoa(raw[::-1]))
    return found


def outward_address() -> str | None:
    """This machine's non-loopback IPv4 address (the one a route to the outside would use), if any."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1; a UDP connect sends nothing
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


def start_app(port: int, data_dir: Path, *args: str, **env: str) -> subprocess.Popen:
    inherited = {k: v for k, v in os.environ.items() if k not in ACCESS_VARS}
    full_env = {**inherited, "FORMLENS_DATA_DIR": str(data_dir), "FORMLENS_POSE_WEIGHTS": str(ONNX_WEIGHTS),
                "YOLO_OFFLINE": "1", **env}
    return subprocess.Popen(["bash", "scripts/run_app.sh", "--server.port", str(port), *args], cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_listening(port: int, proc: subprocess.Popen) -> set[str]:
    end = time.monotonic() + START_S
    while time.monotonic() < end:
        assert proc.poll() is None, "the app exited early"
        addrs = listening_addresses(port)
        if addrs:
            return addrs
        time.sleep(0.2)
    raise TimeoutError("the app did not start listening")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, 15)  # the script exec's streamlit; its session holds nothing else
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)


def test_readme_run_command_listens_on_loopback_only(tmp_path):
    port = free_port()
    proc = start_app(port, tmp_path / "data")
    try:
        addrs = wait_listening(port, proc)
        assert addrs == {"127.0.0.1"}, addrs
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) == 0  # the machine itself reaches it
        other = outward_address()
        if other is not None:  # another machine would come in on this address: nothing answers there
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((other, port)) != 0
    finally:
        stop(proc)
    proc = start_app(port, tmp_path / "data", FORMLENS_SERVE_NETWORK="1")  # the README's way to serve a room
    try:
        assert wait_listening(port, proc) & {"0.0.0.0", "::"}
    finally:
        stop(proc)


def chromium(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1280,1200"):
        opts.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def wait_text(driver, wanted: str, timeout: float = 40) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = driver.find_element("tag name", "body").text
        if wanted in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{wanted!r} did not appear; the page shows: {text[:500]!r}")


def submit_password(driver, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    end = time.monotonic() + 20
    while not (fields := driver.find_elements(By.CSS_SELECTOR, "input[type='password']")):
        assert time.monotonic() < end, driver.find_element(By.TAG_NAME, "body").text[:500]
        time.sleep(0.2)
    field = fields[0]
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(password)
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text.strip() == "Sign in").click()


@pytest.mark.browser
def test_served_to_network_the_history_page_needs_the_password_in_a_real_browser(tmp_path):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    data = tmp_path / "data"
    store = FormStore.open(f"sqlite:///{data / 'formlens.db'}")
    store.add_athlete(ATHLETE)
    store.close()
    PasswordFile(data).create(PASSWORD)  # as `python -m core.records.auth set-password` does on a server
    port = free_port()
    # bound to every interface by a flag, without the FORMLENS setting: FormLens notices by itself
    proc = start_app(port, data, "--server.address", "0.0.0.0", FORMLENS_SIGNIN_BASE_DELAY_S="0.3")
    driver = None
    try:
        addrs = wait_listening(port, proc)
        assert addrs & {"0.0.0.0", "::"}, addrs  # every interface: the room can reach it
        driver = chromium(tmp_path / "profile")
        driver.get(f"http://127.0.0.1:{port}/history")
        text = wait_text(driver, "Sign in to FormLens")
        assert "Secretname" not in text and "Athlete history" not in text.split("Sign in to FormLens", 1)[1]
        submit_password(driver, "not the password")
        text = wait_text(driver, "Wrong password")
        assert "Secretname" not in text
        time.sleep(0.5)  # the first wrong password costs a 0.3 s wait
        submit_password(driver, PASSWORD)
        wait_text(driver, ATHLETE)  # signed in: the coach sees the athlete...
        assert "Sign in to FormLens" not in driver.find_element("tag name", "body").text
        driver.get(f"http://127.0.0.1:{port}/history")  # ...and a new page load is a new, signed-out session
        text = wait_text(driver, "Sign in to FormLens")
        assert "Secretname" not in text
    finally:
        if driver is not None:
            driver.quit()
        stop(proc)
