"""The live page's session state and its widgets never share a key (Streamlit refuses to assign a widget's
key: that was the StreamlitValueAssignmentNotAllowedError on 'live_recording' after "Finish set")."""

import re

from tests.conftest import ROOT
from ui import live as ui_live
from ui import live_sets, live_voice

SOURCES = [ROOT / "app_pages" / "live.py", ROOT / "ui" / "live.py", ROOT / "ui" / "live_sets.py",
           ROOT / "ui" / "live_voice.py"]


def _widget_keys() -> set[str]:
    return {k for path in SOURCES for k in re.findall(r"""\bkey=["']([^"']+)["']""", path.read_text())}


def test_live_state_keys_and_widget_keys_are_disjoint_and_namespaced():
    state = {v for k, v in vars(ui_live).items() if k.startswith("LIVE_") and isinstance(v, str)}
    state |= {live_sets.LOG, live_sets.REST_FROM, live_sets.SAVED, live_sets.SAVE_ERROR, live_voice.VOICE_FROM,
              live_voice.VOICE_SET, live_voice.VOICE_SPEEDS}
    widgets = _widget_keys()
    assert {"live_finish", "live_new_set", "live_upload_file"} <= widgets  # the scan finds the page's widgets
    assert state and not state & widgets
    assert all(s.startswith("live.") for s in state), state  # state: "live.*"
    assert all(w.startswith("live_") for w in widgets), widgets  # widgets: "live_*"
