"""One navigation on every entry URL (issue 25, item 2), in headless Chromium against a real `streamlit run app.py`.

With a folder named pages/ beside app.py, a fresh server's first script run used Streamlit's automatic multipage
navigation and the sidebar listed raw file names ("app, classroom, compare, ..."). Each URL is opened directly on
a FRESH server (its first page load is the one that went wrong), then the page is run again (Streamlit's "r"
shortcut) and another page is opened from the sidebar: the navigation lists exactly app.py's page titles, in
app.py's order, every time.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser.helpers import CHROMEDRIVER, CHROMIUM, chromium, exception_text, running_app, wait_for, wait_idle
from ui.theme import PAGES

pytestmark = pytest.mark.browser

NAV_LINKS = '[data-testid="stSidebarNavLink"]'
LOAD_S = 90  # s for a fresh server's first page (the upload page imports the pose stack) on 2 busy cores
# Counts the script runs the browser sees start (the app's run state turning "running"), so a rerun is known
# to have happened rather than assumed.
_COUNT_RUNS_JS = """
window.__formlensRuns = 0;
new MutationObserver(changes => {
  for (const c of changes) if (c.target.getAttribute('data-test-script-state') === 'running') window.__formlensRuns++;
}).observe(document.querySelector('.stApp'), {attributes: true, attributeFilter: ['data-test-script-state']});
"""


TITLES = [title for _, title, _ in PAGES]
FILE_NAMES = {"app", *(path.rsplit("/", 1)[-1].removesuffix(".py") for path, _, _ in PAGES)}
URLS = ["", *(path.rsplit("/", 1)[-1].removesuffix(".py") for path, _, _ in PAGES[1:])]  # "/" is Home


def nav_labels(driver) -> list[str]:
    """The sidebar navigation's labels as drawn (each link is the icon, a line break, the title)."""
    return [a.text.strip().splitlines()[-1].strip() for a in driver.find_elements("css selector", NAV_LINKS)
            if a.text.strip()]


def assert_navigation(driver, when: str) -> None:
    labels = wait_for(driver, lambda d: nav_labels(d) or None, 30, f"the sidebar navigation {when}")
    assert labels == TITLES, f"{when}: the sidebar lists {labels}, not app.py's titles {TITLES}"
    assert not FILE_NAMES & set(labels), f"{when}: raw file names in {labels}"  # as Streamlit writes them: lower case
    assert not exception_text(driver), exception_text(driver)


def test_a_fresh_server_shows_one_navigation_on_every_entry_url(tmp_path, first="history"):
    """A fresh server entered first at a page's own URL (the server's first script run is the one that went wrong:
    /history listed "app, classroom, ..."), then every other URL entered directly on it, then a rerun and a page
    opened from the sidebar."""
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    assert TITLES[0] == "Home" and len(TITLES) == 6  # guard: the list read from app.py is the app's
    with running_app(tmp_path / "data", log=tmp_path / "app.log") as base, chromium(tmp_path / "profile") as driver:
        for url in [first, *(u for u in URLS if u != first)]:
            driver.get(f"{base}/{url}")
            wait_idle(driver, LOAD_S)
            assert_navigation(driver, f"on entering /{url}" + (" on a fresh server" if url == first else ""))
        driver.execute_script(_COUNT_RUNS_JS + "if (document.activeElement) document.activeElement.blur();")
        driver.find_element("tag name", "body").send_keys("r")  # Streamlit's rerun shortcut
        wait_for(driver, lambda d: d.execute_script("return window.__formlensRuns") >= 1, 30, "the rerun to start")
        wait_idle(driver, LOAD_S)
        assert_navigation(driver, f"after a rerun of /{url}")
        other = TITLES[0]  # and a page opened from the sidebar
        next(a for a in driver.find_elements("css selector", NAV_LINKS) if a.text.strip().endswith(other)).click()
        wait_idle(driver, LOAD_S)
        assert_navigation(driver, f"after opening {other!r} from /{url}")
