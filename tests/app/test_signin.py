"""Sign-in, roles and the athlete export through AppTest, on a real SQLite database holding reports and
key frames of real clips, with the app set to be served to a network (FORMLENS_SERVE_NETWORK=1)."""

from __future__ import annotations

import io
import json
import os
import stat
import time
import zipfile
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from core.pipeline import analyze_trace
from core.records.athlete_export import athlete_export_zip
from core.records.auth import PASSWORD_FILE_NAME, PasswordFile
from core.records.storage import FormStore
from tests.conftest import ROOT, clip_path

pytestmark = [pytest.mark.needs_data, pytest.mark.needs_model]

TIMEOUT = 180
PASSWORD = "Squat-rack-42!"
SECRET_NAMES = ("Zoe Secretname", "Yan Hiddenname", "Ada Privatename")
DATA_PAGES = ("app_pages/history.py", "app_pages/compare.py", "app_pages/classroom.py")
ALL_PAGES = (*DATA_PAGES, "app_pages/upload.py", "app_pages/live.py")
BASE_DELAY_S = 0.2  # s; the test's base wait after a wrong password (the app's default is 1 s)


@pytest.fixture(scope="module")
def seeds(real_trace, config):
    from core.records.snapshots import stored_key_frames

    out = {}
    for name in ("jeffchen_good", "jeffchen_bad"):
        analysis = analyze_trace(real_trace(name), config)
        out[name] = (analysis.report, stored_key_frames(clip_path(name), analysis))
    return out


@pytest.fixture
def served(tmp_path, monkeypatch):
    """The app as served to a room: network setting on, its own data folder and database."""
    from ui import auth as ui_auth

    data = tmp_path / "data"
    monkeypatch.setenv("FORMLENS_DATA_DIR", str(data))
    monkeypatch.setenv("FORMLENS_DATABASE_URL", f"sqlite:///{data / 'formlens.db'}")
    monkeypatch.setenv("FORMLENS_SERVE_NETWORK", "1")
    monkeypatch.setenv("FORMLENS_SIGNIN_BASE_DELAY_S", str(BASE_DELAY_S))
    monkeypatch.delenv("FORMLENS_OPEN_PAGES", raising=False)
    ui_auth._throttle.clear()  # wrong attempts of an earlier test do not count here
    store = FormStore.open(os.environ["FORMLENS_DATABASE_URL"])
    yield store
    store.close()
    ui_auth._throttle.clear()


@pytest.fixture
def stored(served, seeds):
    """A class of three students, two with a stored set (with key frames and one kept video)."""
    cls = served.add_classroom("PE 9b")
    ids = [served.add_athlete(n, cls) for n in SECRET_NAMES]
    for i, name in enumerate(("jeffchen_good", "jeffchen_bad")):
        report, frames = seeds[name]
        served.save_session(ids[i], report, f"{name}.mp4", datetime(2026, 3, i + 1, tzinfo=UTC), key_frames=frames,
                            video=clip_path(name).read_bytes() if i == 0 else None)
    return cls, ids


def open_page(page: str, at: AppTest | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT) if at is None else at
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every piece of text the page shows (main area and sidebar), options of choice widgets included."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error",
                 "metric", "button", "text_input", "checkbox", "toggle"):
        for el in at.get(kind):
            parts += [str(getattr(el, a, "") or "") for a in ("value", "label", "body")]
    for kind in ("selectbox", "radio", "multiselect"):
        for el in at.get(kind):
            parts += [str(o) for o in el.options] + [str(el.label)]
    return "\n".join(parts)


def shows_stored_data(at: AppTest) -> bool:
    text = texts(at)
    return (any(n.split()[1] in text for n in SECRET_NAMES) or "PE 9b" in text
            or any(at.get(k) for k in ("dataframe", "plotly_chart", "image", "download_button")))


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="auth_password").input(password)
    at.button(key="auth_signin_submit").click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", ALL_PAGES)
def test_every_page_asks_for_signin_before_showing_stored_data(stored, page):
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    at = open_page(page)
    assert [t.value for t in at.title] == ["Sign in to FormLens"]
    assert at.text_input(key="auth_password").proto.type == at.text_input(key="auth_password").proto.PASSWORD
    assert not shows_stored_data(at), texts(at)
    assert not at.get("file_uploader")  # nothing can be added or changed either


def test_owner_may_leave_upload_and_live_open_but_not_the_data_pages(stored, monkeypatch):
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    monkeypatch.setenv("FORMLENS_OPEN_PAGES", "upload,live")
    at = open_page("app_pages/upload.py")
    assert [t.value for t in at.title] == ["Analyse a set"] and at.file_uploader(key="upload")
    assert not shows_stored_data(at)
    data = clip_path("jeffchen_bad").read_bytes()  # a visitor analyses a clip...
    at.file_uploader(key="upload").set_value(("jeffchen_bad.mp4", data, "video/mp4")).run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Reps"] == "1"
    assert any("Sign in (in the sidebar) to save" in i.value for i in at.info)  # ...but cannot save it
    assert not any(n.split()[1] in texts(at) for n in SECRET_NAMES)
    assert not [w for w in (*at.get("selectbox"), *at.get("text_input")) if w.key.startswith("upload_save")]
    assert "Sign in to FormLens" in texts(open_page("app_pages/history.py"))
    monkeypatch.setenv("FORMLENS_OPEN_PAGES", "upload,history")  # a data page cannot be left open
    refused = open_page("app_pages/history.py")
    assert "open_pages may only name" in refused.error[0].value and not shows_stored_data(refused)


def test_wrong_passwords_are_refused_and_each_next_try_waits_twice_as_long(stored):
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    at = open_page("app_pages/history.py")
    waits = []
    for i in range(3):
        sign_in(at, f"wrong guess {i}")
        assert len(at.error) == 1 and at.error[0].value.startswith("Wrong password"), at.error
        waits.append(float(at.error[0].value.split("Wait ")[1].split(" s")[0]))
        sign_in(at, PASSWORD)  # at once: refused unchecked, even the right password
        assert "Too many wrong passwords" in at.error[0].value and "(Not checked.)" in at.error[0].value
        assert not shows_stored_data(at)
        time.sleep(waits[-1] + 0.05)  # then the next attempt is checked again
    assert waits == pytest.approx([BASE_DELAY_S, 2 * BASE_DELAY_S, 4 * BASE_DELAY_S], abs=0.01)  # it grows
    sign_in(at, PASSWORD)
    assert not at.error and [s.value for s in at.subheader][0].startswith("Sets of")
    assert SECRET_NAMES[0] in texts(at)  # signed in: the coach sees the athletes
    at.button(key="auth_sign_out").click().run()  # signing out hides them again
    assert "Sign in to FormLens" in texts(at) and not shows_stored_data(at)


def test_first_start_sets_a_password_kept_only_as_a_hash_in_a_0600_file(stored, monkeypatch):
    data_dir = os.environ["FORMLENS_DATA_DIR"]
    path = os.path.join(data_dir, PASSWORD_FILE_NAME)
    import ui.auth

    with monkeypatch.context() as m:
        m.setattr(ui.auth, "_client", lambda: "192.168.1.50")  # a browser elsewhere on the network
        remote = open_page("app_pages/history.py")
    assert "No password has been set yet" in texts(remote) and not remote.get("text_input")

    at = open_page("app_pages/history.py")  # on the machine itself
    for first, repeat, error in (("short", "short", "at least 8"), (PASSWORD, PASSWORD + "x", "differ")):
        at.text_input(key="auth_new_password").input(first)
        at.text_input(key="auth_new_password_repeat").input(repeat)
        at.button(key="auth_first_submit").click().run()
        assert error in at.error[0].value and not os.path.exists(path)
    at.text_input(key="auth_new_password").input(PASSWORD)
    at.text_input(key="auth_new_password_repeat").input(PASSWORD)
    at.button(key="auth_first_submit").click().run()
    assert not at.exception and SECRET_NAMES[0] in texts(at)  # set and signed in

    with open(path, "rb") as fh:
        raw = fh.read()
    assert PASSWORD.encode() not in raw and PASSWORD[::-1].encode() not in raw
    doc = json.loads(raw)
    assert doc["hash"].startswith("$argon2id$") and len(doc["hash"].split("$")[-2]) >= 16  # salted (>=16 b64 chars)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert PasswordFile(data_dir).verify(PASSWORD) and not PasswordFile(data_dir).verify(PASSWORD + " ")
    fresh = open_page("app_pages/history.py")  # another browser session still has to sign in
    assert "Sign in to FormLens" in texts(fresh) and not shows_stored_data(fresh)


def test_student_device_sees_only_its_own_set(stored):
    cls, ids = stored
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    at = sign_in(open_page("app_pages/classroom.py"), PASSWORD)
    assert at.radio(key="cls_step")  # the teacher sees the class
    at.button(key="auth_to_students").click().run()
    assert [t.value for t in at.title] == ["Record your set"]
    assert not shows_stored_data(at) and not at.get("radio")  # no roster, no summary, no other sets
    assert nav_titles(at) == ["Classroom"]  # the sidebar lists only the page a student may use (issue 25, 12)
    for page in ("app_pages/home.py", "app_pages/history.py", "app_pages/compare.py", "app_pages/upload.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at = open_page("app_pages/classroom.py", at)
    at.text_input(key="stu_name").input("Ben Newstudent")
    data = clip_path("jeffchen_bad").read_bytes()
    at.file_uploader(key="stu_file").set_value(("jeffchen_bad.mp4", data, "video/mp4")).run()
    assert not at.exception, at.exception
    assert "Saved to your record" in at.success[0].value
    assert {m.label: m.value for m in at.metric}["Reps"] == "1"  # this set's result...
    assert not any(n.split()[1] in texts(at) for n in SECRET_NAMES)  # ...and nobody else's
    new = [a for a in served_athletes(cls) if a.name == "Ben Newstudent"]
    assert len(new) == 1 and new[0].n_sessions == 1  # stored in the teacher's class
    at.button(key="stu_next").click().run()  # the next student does not see it
    assert not at.get("metric") and at.text_input(key="stu_name").value == ""
    at.button(key="auth_leave_student").click().run()  # leaving student mode needs the teacher again
    assert "Sign in to FormLens" in texts(at) and not shows_stored_data(at)


def nav_titles(at: AppTest) -> list[str]:
    """The page titles of the sidebar navigation app.py registered in the last run (st.navigation's pages)."""
    return [str(info.get("page_name")) for info in at._registered_pages.values()]


def test_signin_where_the_user_is_and_a_student_device_lists_only_its_page(stored):
    """Issue 25, item 12: Home (open to everyone) offers the sign-in form itself, not a pointer to another page;
    after "hand this device to students" the navigation holds the student's page only, and leaving student mode
    brings every page back once the teacher signs in again."""
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()  # Home, the landing page
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["FormLens"]
    assert "Athlete history to see" not in texts(at) and not shows_stored_data(at)
    assert nav_titles(at) == ["Home", "Analyse a video", "Live coaching", "Athlete history", "Compare", "Classroom"]
    sign_in(at, PASSWORD)  # the form in Home's own sidebar
    assert [t.value for t in at.title] == ["FormLens"] and "Signed in as coach" in texts(at)  # still on Home
    at.switch_page("app_pages/classroom.py").run()
    assert SECRET_NAMES[0] not in texts(at) and at.radio(key="cls_step")  # the class, anonymised, no new sign-in
    at.button(key="auth_to_students").click().run()
    assert [t.value for t in at.title] == ["Record your set"] and nav_titles(at) == ["Classroom"]
    at.button(key="auth_leave_student").click().run()
    assert "Sign in to FormLens" in texts(at) and len(nav_titles(at)) == 6


def served_athletes(cls):
    return FormStore.open(os.environ["FORMLENS_DATABASE_URL"]).athletes(cls)


def test_openid_connect_when_secrets_has_auth(stored, tmp_path, monkeypatch):
    toml = tmp_path / "formlens.toml"
    toml.write_text('[formlens]\nsignin_allowed_emails = ["coach@school.example"]\n')
    monkeypatch.setenv("FORMLENS_CONFIG", str(toml))
    auth = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
            "client_id": "formlens", "client_secret": "s", "server_metadata_url": "https://idp.example/.well-known"}

    def page(user: dict) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.secrets["auth"] = auth
        at.user = user
        return open_page("app_pages/history.py", at)

    out = page({"is_logged_in": False})
    assert out.button(key="auth_oidc_default").label == "Sign in with your organisation's account"
    assert not out.get("text_input") and not shows_stored_data(out)  # no password form in this mode
    stranger = page({"is_logged_in": True, "email": "someone@else.example"})
    assert "may not use this FormLens" in stranger.error[0].value and not shows_stored_data(stranger)
    coach = page({"is_logged_in": True, "email": "Coach@school.example"})
    assert SECRET_NAMES[0] in texts(coach) and "coach@school.example" in texts(coach).lower()


def test_athlete_export_holds_all_their_data_and_nobody_elses(stored, seeds):
    cls, ids = stored
    PasswordFile(os.environ["FORMLENS_DATA_DIR"]).create(PASSWORD)
    page = sign_in(open_page("app_pages/history.py"), PASSWORD)
    page.selectbox(key="hist_athlete").set_value(ids[0]).run()
    assert "All of Zoe Secretname's data" in page.get("download_button")[-1].label
    z = zipfile.ZipFile(io.BytesIO(athlete_export_zip(FormStore.open(os.environ["FORMLENS_DATABASE_URL"]), ids[0])))
    doc = json.loads(z.read("athlete.json"))
    assert doc["athlete"]["name"] == SECRET_NAMES[0] and doc["athlete"]["classroom"] == "PE 9b"
    [s] = doc["sets"]
    report, frames = seeds["jeffchen_good"]
    assert s["report"] == json.loads(report.to_json())  # the whole report, as stored
    assert z.read(s["video_file"]) == clip_path("jeffchen_good").read_bytes()  # the kept video, byte for byte
    assert sorted(z.read(k["file"]) for k in s["key_frames"]) == sorted(k.jpeg for k in frames)
    sets_csv = z.read("sets.csv").decode().splitlines()
    reps_csv = z.read("reps.csv").decode().splitlines()
    assert len(sets_csv) == 2 and len(reps_csv) == 1 + report.rep_count
    everything = b"".join(z.read(n) for n in z.namelist() if n.endswith((".json", ".csv")))
    assert b"Hiddenname" not in everything and b"jeffchen_bad" not in everything  # nobody else's data
