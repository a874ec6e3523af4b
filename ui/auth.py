"""Sign-in glue: one call, ``require_signin(page_kind)``, at the top of every page.

Decisions live in core/records/auth.py; this module shows the forms. Two sign-in modes:

- OpenID Connect (``st.login``/``st.user``) when ``.streamlit/secrets.toml`` has an ``[auth]`` section;
  configuring it also makes sign-in required.
- Otherwise a single password (argon2id hash in ``<data_dir>/password.json``), set at first start from
  the machine itself (or ``python -m core.records.auth set-password``), with wrong attempts slowed down.

Sign-in is required when the app is served beyond localhost (or forced by ``require_signin``). The
signed-in state lives in this browser session only (a reload signs out).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import streamlit as st

from core.config import AnalysisConfig
from core.records import auth
from core.records.auth import Access, PasswordError, PasswordFile, Policy, Throttle

ACCESS_KEY = "auth_access"  # st.session_state: core.records.auth.Access of this browser session, or absent
STUDENT_RESULT_KEY = "auth_student_set"  # st.session_state: id of the set this student device just recorded


def _config() -> AnalysisConfig:
    return AnalysisConfig.from_env()


def _is_loopback(address: str | None) -> bool:
    if not address:
        return False  # Streamlit's default: every interface
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def served_to_network(config: AnalysisConfig | None = None) -> bool:
    """True when this app is reachable beyond this machine: the owner's setting, or a real Streamlit
    server bound to anything but a loopback address (AppTest has no server, so nothing listens)."""
    config = config or _config()
    if config.serve_network:
        return True
    from streamlit import runtime
    from streamlit.runtime import Runtime

    if not runtime.exists() or not isinstance(runtime.get_instance(), Runtime):
        return False
    return not _is_loopback(st.get_option("server.address"))


def oidc_providers() -> list[str | None] | None:
    """Providers configured in secrets.toml's ``[auth]`` (None = the default one), or None without ``[auth]``."""
    try:
        section = st.secrets.get("auth") if st.secrets.load_if_toml_exists() else None
    except Exception:  # a secrets.toml that does not parse: no OIDC (Streamlit reports the file itself)
        return None
    if not isinstance(section, Mapping):
        return None
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return ([None] if "client_id" in section else []) + named or [None]


def policy(config: AnalysisConfig | None = None) -> Policy:
    config = config or _config()
    required = config.require_signin or oidc_providers() is not None
    return auth.policy_from(served_to_network(config), required, config.open_pages)


@st.cache_resource(show_spinner=False)
def _throttle(base_delay_s: float, max_delay_s: float) -> Throttle:
    """One per process: wrong attempts from every browser session count together per client address."""
    return Throttle(base_delay_s, max_delay_s)


def _client() -> str | None:
    """The browser's address, None when it is this machine (Streamlit reports localhost as None)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) else None


def current_access(pol: Policy | None = None) -> Access | None:
    """Who uses this session. Without a required sign-in the local user is the coach (unless the
    device was handed to students); None = nobody signed in where sign-in is required."""
    pol = pol or policy()
    stored = st.session_state.get(ACCESS_KEY)
    if oidc_providers() is not None and not st.user.is_logged_in:
        stored = None  # the identity cookie expired or was cleared: signed out
    if stored is not None:
        return stored
    if oidc_providers() is not None and st.user.is_logged_in and _email_allowed():
        access = Access(auth.COACH, who=str(st.user.get("email") or st.user.get("name") or ""))
        st.session_state[ACCESS_KEY] = access
        return access
    return None if pol.signin_required else Access(auth.COACH)


def navigation_kinds() -> tuple[str, ...]:
    """The page kinds (app_pages/<kind>.py) the sidebar navigation lists for this browser session: every page,
    except on a student device, which lists only the pages a student may use. A page that asks for sign-in stays
    listed: its sign-in form is where the user is."""
    try:
        pol = policy()
    except ValueError:  # settings that do not parse: every page, each then says what is wrong
        return auth.PAGE_KINDS
    access = current_access(pol)
    return tuple(k for k in auth.PAGE_KINDS if auth.decide(k, access, pol) != auth.FORBIDDEN)


def may_see_stored_data() -> bool:
    """For widgets on pages that may be left open (upload): athletes' names and sets only for a coach."""
    access = current_access()
    return access is not None and not access.is_student


def require_signin(page_kind: str) -> Access | None:
    """At the top of each page: shows the page's content only to whom may see it. Returns the access
    (None: an anonymous visitor on a page the owner left open), or stops the page behind a sign-in form."""
    try:
        config = _config()
        pol = policy(config)
    except ValueError as err:  # e.g. FORMLENS_OPEN_PAGES=history: refuse to guess, show nothing
        st.error(f"FormLens's access settings are not valid, so no page is shown: {err}")
        st.stop()
        raise
    access = current_access(pol)
    verdict = auth.decide(page_kind, access, pol)
    if verdict == auth.OPEN:
        _account_box(access, pol)
        return access
    if verdict == auth.FORBIDDEN:
        st.warning("This device is in student mode: it records sets for one class and shows each student only "
                   "their own result. Open **Classroom** to record a set.")
        _account_box(access, pol)
        st.stop()
    st.title("Sign in to FormLens")
    st.caption("This FormLens is shared on a network: athletes' data is shown only after sign-in.")
    if oidc_providers() is not None:
        _oidc_form()
    else:
        _password_form(config)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _email_allowed() -> bool:
    allowed = {e.strip().lower() for e in _config().signin_allowed_emails}
    return not allowed or str(st.user.get("email") or "").lower() in allowed


def _oidc_form() -> None:
    if st.user.is_logged_in and not _email_allowed():
        st.error(f"The account {st.user.get('email')} may not use this FormLens. Ask its owner to add it to "
                 "signin_allowed_emails.")
        if st.button("Sign out", key="auth_oidc_logout"):
            st.logout()
        return
    for provider in oidc_providers() or [None]:
        label = f"Sign in with {provider}" if provider else "Sign in with your organisation's account"
        if st.button(label, key=f"auth_oidc_{provider or 'default'}", type="primary"):
            try:
                st.login(provider) if provider else st.login()
            except Exception as err:  # Authlib missing, incomplete [auth]: say so instead of a traceback
                st.error(f"Sign-in is not set up correctly: {err}")


def _password_form(config: AnalysisConfig) -> None:
    password_file = PasswordFile(config.data_dir)
    if not password_file.exists():
        _first_password_form(password_file)
        return
    with st.form("auth_signin", clear_on_submit=True):  # the typed password is not kept
        password = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Sign in", type="primary", key="auth_signin_submit")
    if not submitted:
        return
    throttle = _throttle(config.signin_base_delay_s, config.signin_max_delay_s)
    result = throttle.attempt(auth.client_key(_client()), lambda: password_file.verify(password))
    if result.ok:
        st.session_state[ACCESS_KEY] = Access(auth.COACH)
        st.rerun()
    if result.checked:
        st.error(f"Wrong password. Wait {result.wait_s:.1f} s before the next try.")
    else:
        st.error(f"Too many wrong passwords: wait {result.wait_s:.1f} s, then try again. (Not checked.)")


def _first_password_form(password_file: PasswordFile) -> None:
    if _client() is not None:  # only the machine itself may set the first password
        port = st.get_option("server.port")
        st.info(f"No password has been set yet. On the computer that runs FormLens, open "
                f"http://localhost:{port} to set one, or run `.venv/bin/python -m core.records.auth set-password`.")
        return
    st.info("Set the password that coaches and teachers will sign in with. It is stored only as a salted "
            f"argon2 hash, readable by this computer's user only ({password_file.path}).")
    with st.form("auth_first", clear_on_submit=True):
        first = st.text_input(f"New password (at least {auth.MIN_PASSWORD_CHARS} characters)", type="password",
                              key="auth_new_password")
        repeat = st.text_input("Repeat it", type="password", key="auth_new_password_repeat")
        submitted = st.form_submit_button("Set password and sign in", type="primary", key="auth_first_submit")
    if not submitted:
        return
    try:
        password_file.create(first, repeat)
    except PasswordError as err:
        st.error(str(err))
        return
    st.session_state[ACCESS_KEY] = Access(auth.COACH)
    st.rerun()


def _account_box(access: Access | None, pol: Policy) -> None:
    if access is None:
        if pol.signin_required:  # sign in right here, on the page the user is on
            with st.sidebar:
                st.subheader("Sign in")
                st.caption("Not signed in: this page is open to everyone on this network. Coaches and teachers "
                           "sign in here to see and save athletes' data.")
                if oidc_providers() is not None:
                    _oidc_form()
                else:
                    _password_form(_config())
        return
    with st.sidebar:
        if access.is_student:
            st.caption(":material/school: Student device: records a set and shows only that set's result.")
            label = "Leave student mode (teacher signs in again)" if pol.signin_required else "Leave student mode"
            if st.button(label, key="auth_leave_student"):
                sign_out()
        elif ACCESS_KEY in st.session_state:
            st.caption(f"Signed in as coach{f' ({access.who})' if access.who else ''}.")
            if st.button("Sign out", key="auth_sign_out"):
                sign_out()


def sign_out() -> None:
    st.session_state.pop(ACCESS_KEY, None)
    st.session_state.pop(STUDENT_RESULT_KEY, None)
    if oidc_providers() is not None and st.user.is_logged_in:
        st.logout()
    st.rerun()


def hand_to_students(classroom_id: int, class_name: str) -> None:
    """Classroom sidebar (coach only): lock this browser session to recording sets for one class."""
    access = current_access()
    if access is None or access.is_student:
        return
    with st.sidebar:
        if st.button(f"Hand this device to students ({class_name})", key="auth_to_students",
                     help="Students can then record a set and see only their own result, not the roster or "
                          "other students' sets. Leaving student mode needs the teacher's sign-in."):
            st.session_state[ACCESS_KEY] = access.as_student(classroom_id)
            st.session_state.pop(STUDENT_RESULT_KEY, None)
            st.rerun()
