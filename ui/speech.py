"""Speech in the browser (the Web Speech API): phrases from core.coaching.spoken said by this browser's own voice.

Nothing is downloaded and no audio leaves the machine: ``speechSynthesis.speak`` runs in the page. The
component is a tiny HTML/JS snippet (streamlit.components.v1.html); it is drawn again whenever the phrases
change, and says each phrase id once per browser tab (ids remembered in the tab's sessionStorage), so reruns
never repeat a rep. It speaks through the top page's ``speechSynthesis`` (the snippet's iframe is same-origin),
so one voice queue serves the whole page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import streamlit.components.v1 as components

from core.coaching.spoken import REST_OVER, Phrase

_SPEAK_JS = """<script>
(function () {
  let top = window;
  try { if (window.parent.speechSynthesis) top = window.parent; } catch (e) {}
  const said = top.sessionStorage, synth = top.speechSynthesis;
  if (!synth) return;
  for (const p of %s) {
    const key = "formlens.said." + p.id;
    if (said.getItem(key)) continue;
    said.setItem(key, "1");
    const u = new top.SpeechSynthesisUtterance(p.text);
    u.rate = 1.05;
    synth.speak(u);
  }
})();
</script>"""

# A visible countdown that says REST_OVER at zero (when ``speak`` is on); keeps counting across page reruns
# because its end time is fixed in the page's data (ms since the epoch), not by when the iframe was drawn.
_TIMER_JS = """<div id="rest" style="font: 600 1.6rem sans-serif; color: #1b5e20; padding: 0.2rem 0;"
 role="timer" aria-live="off"></div>
<script>
(function () {
  const end = %d, speak = %s, id = %s, words = %s;
  const el = document.getElementById("rest");
  let top = window;
  try { if (window.parent.speechSynthesis) top = window.parent; } catch (e) {}
  function tick() {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = left > 0 ? "Rest: " + Math.floor(left / 60) + ":" + String(left %% 60).padStart(2, "0")
                              : "Rest over: start the next set";
    if (left > 0) { setTimeout(tick, 250); return; }
    const key = "formlens.said." + id;
    if (speak && top.speechSynthesis && !top.sessionStorage.getItem(key)) {
      top.sessionStorage.setItem(key, "1");
      top.speechSynthesis.speak(new top.SpeechSynthesisUtterance(words));
    }
  }
  tick();
})();
</script>"""


def speak(phrases: Sequence[Phrase]) -> None:
    """Say the phrases not yet said in this tab (draws an invisible component; nothing when empty)."""
    if phrases:
        payload = json.dumps([{"id": p.id, "text": p.text} for p in phrases])
        components.html(_SPEAK_JS % payload, height=0)


def rest_timer(end_ms: int, timer_id: str, spoken: bool) -> None:
    """The rest countdown to ``end_ms`` (browser clock, ms since the epoch); says REST_OVER at zero if ``spoken``."""
    components.html(_TIMER_JS % (end_ms, json.dumps(spoken), json.dumps(timer_id), json.dumps(REST_OVER)),
                    height=48)
