"""A new user's walk through every page in a real browser (issue 14): headless Debian Chromium, real clips,
a fake camera playing a real clip.

One app, one browser session, pages switched through the sidebar (as a user does, so session state is kept):
upload a clip through the one-file upload box and get its report, save it to a new athlete, save a second set,
reopen a saved set's report from History, compare the two sets, run a class in projector mode (every button's,
the cue box's and all other text's contrast measured from Chromium's computed styles, WCAG >= 4.5:1, in
projector mode and in the normal theme), and on the Live page press START, then "Finish set": the report
appears with no exception on the page, fast, and the counter stops.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from tests.browser.helpers import (
    CHROMEDRIVER,
    CHROMIUM,
    body_text,
    buttons,
    camera_clip,
    chromium,
    click_button,
    click_webrtc,
    exception_text,
    low_contrast,
    missing_glyphs,
    running_app,
    text_contrasts,
    to_y4m,
    wait_for,
    wait_idle,
    wait_text,
)
from tests.conftest import clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

FIRST, SECOND = "jeffchen_good", "jeffchen_bad"  # real side-view deadlifts of 2.1 s and 1.0 s, one rep each
ATHLETE, STUDENT = "Walk Through", "Ada Lovelace"
ANALYSIS_S = 90  # s allowed for one upload's analysis on a busy 2-core machine
LIVE_REP_S = 90  # s for the camera's first pass to reach the server and its rep to be counted, on a busy machine
CAMERA_HOLD_S = 3.0  # s the camera holds the bar on the floor before and after the rep: 6 s to press Finish
REPORT_AFTER_FINISH_S = 3.0  # s from "Finish set" to the live report on the page (issue 14's target)
OPEN_REPORT = re.compile(r"(open|reopen|view|show).{0,20}report", re.I)


def go(driver, title: str) -> None:
    """Switch page through the sidebar navigation (keeps the session, as a user's click does)."""
    links = '[data-testid="stSidebarNavLink"]'
    link = wait_for(driver, lambda d: next((a for a in d.find_elements("css selector", links) if title in a.text),
                                           None), 30, f"the sidebar link {title!r}")
    link.click()
    wait_idle(driver)
    assert not exception_text(driver), exception_text(driver)


def upload(driver, clip: str | Path) -> None:
    """Drop a real clip (its name) or a file (its path) on the page's upload box."""
    inputs = wait_for(driver, lambda d: d.find_elements("css selector", "[data-testid='stMain'] input[type=file]"),
                      30, "a file uploader")
    inputs[0].send_keys(str(clip if isinstance(clip, Path) else clip_path(clip)))


def fill(driver, label: str, text: str) -> None:
    """Type into the text input whose label contains ``label`` and commit it (Enter)."""
    from selenium.webdriver.common.keys import Keys

    field = wait_for(driver, lambda d: next((i for i in d.find_elements("css selector", "input[type=text]")
                                             if label in (i.get_attribute("aria-label") or "") and i.is_displayed()),
                                            None), 30, f"a text input {label!r}")
    field.clear()
    field.send_keys(text, Keys.ENTER)
    wait_idle(driver)


def open_expander(driver, title: str) -> None:
    def is_open(d) -> bool:
        return any(title in s.text and s.find_element("xpath", "..").get_attribute("open") is not None
                   for s in d.find_elements("css selector", "[data-testid='stExpander'] summary"))

    for summary in driver.find_elements("css selector", "[data-testid='stExpander'] summary"):
        if title in summary.text and summary.find_element("xpath", "..").get_attribute("open") is None:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
            summary.click()
            wait_for(driver, is_open, 10, f"the {title!r} expander to open", poll=0.1)


def choose(driver, label: str) -> None:
    """Click a radio option or toggle by its visible label."""
    driver.find_element("xpath", f"//label[contains(., {label!r})]").click()
    wait_idle(driver)


def wait_report(driver) -> None:
    wait_for(driver, lambda d: "Camera view" in body_text(d) and not exception_text(d), ANALYSIS_S, "the report")
    wait_idle(driver, ANALYSIS_S)
    assert not exception_text(driver), exception_text(driver)


def save_set(driver, first: bool) -> None:
    """Save the report on the page to the athlete (created on the first save). The save panel may sit in an
    expander, which a rerun can close again: it is opened before every step."""
    if first:
        open_expander(driver, "Save")
        fill(driver, "new athlete", ATHLETE)
        open_expander(driver, "Save")
        click_button(driver, "Add athlete")
        wait_idle(driver)
    open_expander(driver, "Save")
    click_button(driver, "Save to history")
    wait_idle(driver)

    def saved(d) -> bool:
        open_expander(d, "Save")
        return bool(re.search(r"Saved as set #\d+", body_text(d)))

    wait_for(driver, saved, 60, "the 'Saved as set' message")


def metric_values(driver, label: str) -> list[str]:
    """The values of the cards labelled `label`, read in one script call: the live page's checking fragment reruns
    every second, and an element found in one WebDriver call may be gone by the next."""
    pairs = driver.execute_script(
        "return Array.from(document.querySelectorAll(\"[data-testid='stMetric']\")).map(m => ["
        "(m.querySelector(\"[data-testid='stMetricLabel']\") || {innerText: ''}).innerText,"
        "(m.querySelector(\"[data-testid='stMetricValue']\") || {innerText: ''}).innerText]);")
    return [value.strip() for name, value in pairs if name.strip() == label]


def expander_titles(driver) -> list[str]:
    """The titles of the expanders on the page, read in one script call (see metric_values)."""
    return driver.execute_script("return Array.from(document.querySelectorAll("
                                 "\"[data-testid='stExpander'] summary\")).map(s => s.innerText);")


def assert_contrast(driver, where: str, must_have: tuple[str, ...] = ()) -> None:
    """Every visible text on the page (buttons, download buttons, message boxes, sidebar, captions) >= 4.5:1."""
    wait_idle(driver)  # mid-run, Streamlit marks the not-yet-redrawn elements stale and the measure skips them
    texts = " | ".join(f["text"] for f in text_contrasts(driver, "button, [data-testid='stAlertContainer']"))
    for label in must_have:  # the check is not vacuous: the controls the issue named are there and measured
        assert label in texts, f"{where}: {label!r} not among the measured buttons/boxes: {texts[:600]}"
    low = low_contrast(driver, ".stApp")
    assert not low, f"{where}: text under 4.5:1 contrast:\n" + "\n".join(low[:20])


def live_status(driver) -> tuple[int, int] | None:
    """(rep counter, frames analysed) from the live panel's caption."""
    m = re.search(r"Rep counter: (\d+) · frames analysed: (\d+)", body_text(driver))
    return (int(m.group(1)), int(m.group(2))) if m else None


def add_files_buttons(driver) -> list:
    """The uploader's "+ Add files" buttons a user can see."""
    found = driver.find_elements("css selector", '[data-testid="stFileUploader"] button[aria-label="Add files"]')
    return [b for b in found if b.is_displayed()]


def uploaded_names(driver) -> str:
    return driver.find_element("css selector", "[data-testid='stMain'] [data-testid='stFileUploader']").text


VERDICT_CARDS = ("Lift", "Style", "Reps", "Camera view")


def shown_verdicts(driver) -> dict:
    """What the report on the page says of the set: its cards, the referee's lights and each rep's light (the
    start of the form panel's rep titles). Not the technique faults: the live recording holds the frames the live
    path analysed, fewer than the camera sent when the machine is busy (9 per second in a loaded suite run), and
    a fault near its threshold (bar drift) then went the other way; on the same frames the live report is the
    upload's, field for field (tests/integration/test_live_finish.py)."""
    text = body_text(driver)
    referee = re.search(r"Referee: [^.\n]+", text)
    return {"cards": {label: metric_values(driver, label)[:1] for label in VERDICT_CARDS},
            "referee": referee.group(0) if referee else None,
            "reps": [m.group(1) for title in expander_titles(driver)
                     if (m := re.search(r"(Rep \d+: [^·\n]+?)[ \t]*(·|$)", title, re.M))]}


def step_upload_and_save(driver, first: Path) -> dict:
    """A lifter uploads a set and gets the report, saves it to a new athlete; then a second set.

    The upload box takes one file (issue 25, item 10): its file dialog picks one, and the "+ Add files" button
    Streamlit draws beside an uploaded file, even in a one-file box, is hidden (CSS, which only a browser can
    confirm) while the set is analysed and after. Returns what the first set's report says (shown_verdicts)."""
    go(driver, "Analyse a video")
    box = wait_for(driver, lambda d: d.find_elements("css selector", "[data-testid='stMain'] input[type=file]"),
                   30, "the upload box")[0]
    assert box.get_attribute("multiple") is None
    upload(driver, first)
    wait_for(driver, lambda d: f"{FIRST}.mp4" in uploaded_names(d), 60, "the uploaded file in the box")
    assert not add_files_buttons(driver)
    wait_report(driver)
    assert f"{FIRST}.mp4" in uploaded_names(driver) and not add_files_buttons(driver)
    text = body_text(driver)  # the referee's calls in plain words (issue 24), on the page as the lifter sees it
    assert re.search(r"Referee: \d+ (white light|red)", text) and re.search(r"\b(white|red) light\b", text), text
    assert not missing_glyphs(driver), f"drawn as empty boxes: {missing_glyphs(driver)}"  # no emoji in calls
    assert not re.search(r"not sure|not_sure|\bp = ", text, re.I), text
    verdicts = shown_verdicts(driver)
    save_set(driver, first=True)
    upload(driver, SECOND)
    wait_report(driver)
    save_set(driver, first=False)
    return verdicts


def step_history(driver, problems: list[str]) -> None:
    """History lists the athlete, and a saved set reopens as its full report."""
    go(driver, "Athlete history")
    wait_text(driver, ATHLETE, 30)
    control = next((b for b in driver.find_elements("css selector", "button, a")
                    if b.is_displayed() and OPEN_REPORT.search(b.text or "")), None)
    if control is None:
        problems.append("History: no control to reopen a saved set's report (a button like 'Open report')")
        return
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", control)
    control.click()
    wait_idle(driver)
    try:
        wait_for(driver, lambda d: "Camera view" in body_text(d) and metric_values(d, "Reps"), 30,
                 "the reopened report")
    except AssertionError as err:
        problems.append(f"History: reopening a saved set gave no report: {str(err)[:300]}")
    if exception_text(driver):
        problems.append(f"History reopen raised: {exception_text(driver)[:300]}")


def step_compare(driver) -> None:
    go(driver, "Compare")
    wait_for(driver, lambda d: d.find_elements("css selector", ".js-plotly-plot"), 60, "the aligned curves")
    text = body_text(driver)
    assert "Set A" in text and "Set B" in text and "Mean gap" in text
    assert not exception_text(driver)


def step_classroom(driver) -> None:
    """A teacher in projector mode: a class, a student, their set and result, the class summary; contrast."""
    go(driver, "Classroom")
    choose(driver, "Projector mode")
    fill(driver, "Class name", "7B")
    click_button(driver, "Create class")
    wait_idle(driver)
    fill(driver, "Add a student", STUDENT)
    click_button(driver, "Add student")
    wait_for(driver, lambda d: re.search(r"\b1 student", body_text(d)), 30, "the roster with one student")
    assert_contrast(driver, "Classroom roster (projector)", must_have=("Add student",))
    choose(driver, "Record a set")
    upload(driver, SECOND)
    wait_for(driver, lambda d: "Result for" in body_text(d), ANALYSIS_S, "the student's result")
    wait_idle(driver)
    assert metric_values(driver, "Reps") == ["1"]  # the student sees their own count, verdicts and cue
    assert "Your cue" in body_text(driver) and "Rep 1" in body_text(driver)
    assert not missing_glyphs(driver), f"drawn as empty boxes: {missing_glyphs(driver)}"  # a verdict's icon
    assert_contrast(driver, "Classroom record (projector)")
    choose(driver, "Class summary")
    wait_text(driver, "Class summary", 30)
    # the class's cue box, or the box saying no fault was found (jeffchen_bad's lockout is a referee standard
    # that passed, so its old "hips not locked" fault is no longer read: core.judgment.reading.superseded)
    box = "Cue for the class" if "Cue for the class" in body_text(driver) else "No form faults were detected"
    must = ("Class summary (CSV)", "Printable class report (HTML)", box)
    assert_contrast(driver, "Classroom summary (projector)", must_have=must)
    choose(driver, "Projector mode")  # off: the normal theme must be readable too
    assert_contrast(driver, "Classroom summary (normal theme)", must_have=must)


def step_live(driver, upload_verdicts: dict) -> float:
    """START with the fake camera playing the clip uploaded first, Finish set once its one rep is counted (the
    bar is then still on the floor until the camera loops); the live report must say what the upload's report
    said of the same rep (issue 25, item 3). Returns the seconds from the click to the report."""
    go(driver, "Live coaching")
    finish = wait_for(driver, lambda d: buttons(d, "Finish set"), 30, "the Finish set button")[0]
    assert not finish.is_enabled()  # nothing to finish before START
    click_webrtc(driver, "START", 60)
    wait_for(driver, lambda d: (live_status(d) or (0, 0))[0] >= 1, LIVE_REP_S, "the camera's rep to be counted")
    counter = driver.find_element("xpath", "//*[contains(text(), 'Rep counter:')]")
    top, bottom, height = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight];", counter)
    assert top >= 0 and bottom <= height, f"the counter is below the fold at 1400x1000 ({bottom:.0f} > {height})"
    click_button(driver, "Finish set")  # the bar is back on the floor, still until the camera loops
    clicked = time.monotonic()
    wait_text(driver, "Report of the live set", 60)
    shown_after = time.monotonic() - clicked
    wait_idle(driver)
    assert not exception_text(driver), exception_text(driver)
    frozen = wait_for(driver, live_status, 30, "the live panel's counter after Finish set")  # mid-rerun: absent
    time.sleep(3)  # the fake camera keeps looping the clip: a stream still analysed would move the counter
    assert live_status(driver) == frozen, f"the counter kept going after Finish set: {frozen} -> {live_status(driver)}"
    assert len(set(metric_values(driver, "Reps"))) == 1  # the panel's count and the report's count agree
    # the kept recording is analysed as an upload after the report is shown (pose at the upload size, the bar)
    wait_text(driver, "Checked again from the recording", ANALYSIS_S)
    wait_idle(driver)
    live_verdicts = shown_verdicts(driver)
    assert live_verdicts["reps"], f"no rep verdict on the live report: {live_verdicts}, {frozen}"
    if "The check of the recording counts" in body_text(driver):
        # The fake camera looped into its next pull before Finish was pressed (on a loaded machine the live counter
        # has withdrawn the first pull and counted the second: app.log "live count revised"), so the recording
        # holds more pulls than the upload. The page says the report follows the recording; each pull is the
        # upload's one rep again, so every rep's light and the cards but the count must be the upload's.
        def light(rep: str) -> str:
            return rep.split(":", 1)[1]

        assert {light(r) for r in live_verdicts["reps"]} == {light(r) for r in upload_verdicts["reps"]}, \
            f"live: {live_verdicts}\nupload: {upload_verdicts}"
        same = {k: v for k, v in upload_verdicts["cards"].items() if k != "Reps"}
        assert {k: v for k, v in live_verdicts["cards"].items() if k != "Reps"} == same, live_verdicts
    else:
        assert live_verdicts == upload_verdicts, f"live: {live_verdicts}\nupload: {upload_verdicts}"
    assert not exception_text(driver)
    return shown_after


@pytest.mark.browser
def test_walkthrough_every_page_in_a_real_browser(tmp_path):
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "chromium and chromium-driver are required"
    # the first upload and the fake camera play the same pictures: FIRST as the camera sends it (640x480, 15 fps),
    # the pull then the bar lowered (the clip backwards), the bar held on the floor before and after
    first = camera_clip(clip_path(FIRST), tmp_path / f"{FIRST}.mp4", hold_s=(CAMERA_HOLD_S, CAMERA_HOLD_S),
                        and_back=True)
    camera = to_y4m(first, tmp_path / "camera.y4m")
    problems: list[str] = []  # steps that fail without stopping the walk (reported together at the end)
    started = time.monotonic()
    with running_app(tmp_path / "data", log=tmp_path / "app.log") as url, \
            chromium(tmp_path / "profile", camera, size=(1400, 1000)) as driver:
        driver.get(url)
        wait_text(driver, "Where to start", 60)
        assert "Deploy" not in body_text(driver)  # toolbar in viewer mode
        upload_verdicts = step_upload_and_save(driver, first)
        step_history(driver, problems)
        step_compare(driver)
        step_classroom(driver)
        shown_after = step_live(driver, upload_verdicts)
    load = os.getloadavg()[0]
    print(f"\nwalkthrough {time.monotonic() - started:.0f} s; live report on the page {shown_after:.1f} s after "
          f"Finish set; load {load:.1f} on {os.cpu_count()} CPUs")
    # the target holds on an idle machine; on a shared one every step slows by the CPU oversubscription
    assert shown_after <= REPORT_AFTER_FINISH_S * max(1.0, load / (os.cpu_count() or 1))
    assert not problems, "\n".join(problems)
