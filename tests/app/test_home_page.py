from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_home_lists_every_page_that_exists():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    titles = [s.value for s in at.subheader]
    for page, title in [("upload.py", "Analyse a video"), ("history.py", "Athlete history"),
                        ("compare.py", "Compare"), ("classroom.py", "Classroom")]:
        if (ROOT / "app_pages" / page).exists():
            assert any(title in t for t in titles), titles


def test_home_gives_a_lifter_a_coach_and_a_teacher_a_first_step():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert all(who in text for who in ("I lift", "I coach", "I teach"))
    starts = [p.proto.page for p in at.get("page_link") if p.proto.label.startswith("Start here")]
    assert len(starts) == 3 and all((ROOT / "app_pages" / f"{page}.py").exists() for page in starts), starts


def test_the_toolbar_is_in_viewer_mode_so_users_see_no_deploy_button():
    import tomllib

    with open(ROOT / ".streamlit" / "config.toml", "rb") as fh:
        assert tomllib.load(fh)["client"]["toolbarMode"] == "viewer"
