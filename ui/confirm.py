"""One confirmation step for every destructive button in the app (delete a set, an athlete, a class).

The first click only asks: it names what will be deleted and offers "Yes, delete" and "Cancel". The
deletion runs in the button's callback, before the page is drawn again, so every list on the page
(athletes with their set counts, sets, rosters) is read after it and is never stale.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.storage import md_escape


def _ask(pending: str, what: str) -> None:
    st.session_state[pending] = what


def _do(pending: str, done: str, what: str, action: Callable[[], object]) -> None:
    st.session_state.pop(pending, None)
    action()
    st.session_state[done] = f"Deleted {what}."


def _cancel(pending: str) -> None:
    st.session_state.pop(pending, None)


def confirm_delete(label: str, what: str, action: Callable[[], object], key: str, disabled: bool = False) -> None:
    """A delete button that asks first. ``what`` names the thing in plain words ("set #3 of Ana");
    ``action`` deletes it, and runs only after "Yes, delete". Asking again for something else (another
    set chosen meanwhile) starts over."""
    pending, done = f"{key}__pending", f"{key}__done"
    if message := st.session_state.pop(done, None):
        st.success(md_escape(message))
    if st.session_state.get(pending) != what:
        st.button(label, key=key, disabled=disabled, on_click=_ask, args=(pending, what))
        return
    st.warning(f"Delete {md_escape(what)}? This cannot be undone.")
    yes, no = st.columns(2)
    yes.button("Yes, delete", key=f"{key}_yes", type="primary", on_click=_do, args=(pending, done, what, action))
    no.button("Cancel", key=f"{key}_cancel", on_click=_cancel, args=(pending,))
