from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_home_lists_every_page_that_exists():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    titles = [s.value for s in at.subheader]
    for page, title in [("upload.py", "Analyse a video"), ("history.py", "Athlete history"),
                        ("compare.py", "Compare"), ("classroom.py", "Classroom")]:
        if (ROOT / "pages" / page).exists():
            assert any(title in t for t in titles), titles
