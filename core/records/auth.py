"""Who may see what: the password file, slowing down wrong guesses, and the role model.

Plain Python (no Streamlit): ``ui/auth.py`` is the glue that shows the forms and calls these.

- :class:`PasswordFile`: the single coach's or teacher's password, stored only as an argon2id hash
  (argon2-cffi, salted per hash) in a JSON file of mode 0600 in the app's data folder.
- :class:`Throttle`: after each wrong password a client must wait before the next try; the wait
  doubles per consecutive failure, bounded above, and resets on success.
- :class:`Access` and :func:`decide`: the roles (coach/teacher, student device) and which page
  kinds each may open, given whether sign-in is required and which pages the owner left open.

Run ``python -m core.records.auth set-password`` on the server to set or change the password from a
terminal (needed when the app is served to a network before anyone set it on the machine itself).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PASSWORD_FILE_NAME = "password.json"  # inside AnalysisConfig.data_dir
PASSWORD_SCHEME = "argon2id"  # argon2-cffi's default profile (RFC 9106 low-memory: t=3, m=64 MiB, p=4)
MIN_PASSWORD_CHARS = 8  # NIST SP 800-63B minimum for a memorised secret chosen by the user
PRIVATE_FILE_MODE = 0o600  # readable and writable by the app's user only
PRIVATE_DIR_MODE = 0o700

COACH = "coach"  # coach or teacher: sees and edits athletes, classes and every stored set
STUDENT = "student"  # a device handed to students in classroom mode: records a set, sees only its own result
ROLES = (COACH, STUDENT)

# Page kinds (one per page; ui.auth.require_signin(page_kind) at the top of each page).
HOME, UPLOAD, LIVE, HISTORY, COMPARE, CLASSROOM = "home", "upload", "live", "history", "compare", "classroom"
PAGE_KINDS = (HOME, UPLOAD, LIVE, HISTORY, COMPARE, CLASSROOM)
STORED_DATA_PAGES = frozenset({HISTORY, COMPARE, CLASSROOM})  # never open without sign-in when it is required
MAY_BE_LEFT_OPEN = frozenset({UPLOAD, LIVE})  # the owner may open these to everyone (setting open_pages)
STUDENT_PAGES = frozenset({CLASSROOM})  # a student device: the classroom's record-a-set view only (its sidebar
# navigation lists nothing else, ui.auth.navigation_kinds; Home's links all lead to coaches' pages)

_hasher = PasswordHasher()


class PasswordError(ValueError):
    """A password that cannot be used, or a password file that is already there; the message is for the user."""


def private_dir(path: Path, tighten: bool = False) -> Path:
    """Create ``path`` (and parents) for the app's own data; a folder created here is made 0700.
    ``tighten``: an existing folder is made 0700 too, if this user owns it and it is not a shared
    sticky folder like /tmp nor the home folder (only for the app's own data folder)."""
    path = Path(path).expanduser()
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    st = path.stat()
    shared = st.st_mode & stat.S_ISVTX or path.resolve() in (Path.home().resolve(), Path("/"))
    if tighten and not shared and st.st_uid == os.getuid() and st.st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure ``path`` exists with mode 0600 before anything else writes to it (an existing file of
    this user is tightened to 0600)."""
    path = Path(path).expanduser()
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(fd)
    if path.stat().st_uid == os.getuid():
        os.chmod(path, PRIVATE_FILE_MODE)
    return path


def check_new_password(password: str, repeat: str | None = None) -> str:
    """The password as given, or PasswordError with what is wrong with it."""
    if repeat is not None and password != repeat:
        raise PasswordError("The two passwords differ.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordError(f"Use at least {MIN_PASSWORD_CHARS} characters.")
    if not password.strip():
        raise PasswordError("A password of spaces only is not a password.")
    return password


class PasswordFile:
    """The one password of a coach's or teacher's server, as an argon2id hash in ``<data_dir>/password.json``."""

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir).expanduser() / PASSWORD_FILE_NAME

    def exists(self) -> bool:
        return self.path.is_file()

    def create(self, password: str, repeat: str | None = None) -> None:
        """Set the first password. Exclusive: if another browser set one a moment earlier, this one fails
        (PasswordError) instead of replacing it."""
        self._write(check_new_password(password, repeat), replace=False)

    def change(self, old: str, new: str, repeat: str | None = None) -> None:
        if not self.verify(old):
            raise PasswordError("The current password is wrong.")
        self._write(check_new_password(new, repeat), replace=True)

    def reset(self, new: str) -> None:
        """Set the password without knowing the old one: for the command line on the server only."""
        self._write(check_new_password(new), replace=True)

    def verify(self, password: str) -> bool:
        """True if ``password`` is the stored one (constant-time inside argon2). Re-hashes with today's
        parameters when the stored hash was made with weaker ones."""
        stored = self._hash()
        if stored is None:
            return False
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(stored):
            with contextlib.suppress(OSError, PasswordError):  # keep the older hash; sign-in must not fail over it
                self._write(password, replace=True)
        return True

    def _hash(self) -> str | None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        value = data.get("hash") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value.startswith("$argon2") else None

    def _write(self, password: str, replace: bool) -> None:
        body = json.dumps({"scheme": PASSWORD_SCHEME, "hash": _hasher.hash(password),
                           "set_at": datetime.now(UTC).isoformat(timespec="seconds")})
        folder = private_dir(self.path.parent)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".password.", suffix=".tmp")  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, PRIVATE_FILE_MODE)
            if replace:
                os.replace(tmp, self.path)
            else:
                try:
                    os.link(tmp, self.path)  # atomic and fails if the file appeared meanwhile
                except FileExistsError:
                    raise PasswordError("A password was set a moment ago; sign in with it.") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@dataclass
class _Failures:
    count: int = 0
    next_try_at: float = 0.0  # time.monotonic() before which this client's attempts are refused unchecked


class Throttle:
    """Slows down password guessing: after the n-th consecutive wrong password a client waits
    ``min(base_delay_s * 2**(n-1), max_delay_s)`` seconds before its next attempt is even checked.
    Thread-safe (Streamlit runs each browser session in its own thread); keyed by client."""

    def __init__(self, base_delay_s: float, max_delay_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if base_delay_s <= 0 or max_delay_s < base_delay_s:
            raise ValueError("need 0 < base_delay_s <= max_delay_s")
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_client: dict[str, _Failures] = {}

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive wrong passwords (0 for none)."""
        if failures <= 0:
            return 0.0
        return min(self.base_delay_s * 2 ** min(failures - 1, 62), self.max_delay_s)

    def wait_left(self, client: str) -> float:
        """Seconds this client must still wait before an attempt is checked (0 = may try now)."""
        with self._lock:
            f = self._by_client.get(client)
            return max(0.0, f.next_try_at - self._clock()) if f else 0.0

    def failures(self, client: str) -> int:
        with self._lock:
            f = self._by_client.get(client)
            return f.count if f else 0

    def attempt(self, client: str, check: Callable[[], bool]) -> Attempt:
        """Run ``check`` (the password comparison) unless the client must still wait; count the outcome."""
        wait = self.wait_left(client)
        if wait > 0:
            return Attempt(ok=False, checked=False, wait_s=wait)
        ok = check()
        with self._lock:
            if ok:
                self._by_client.pop(client, None)
                return Attempt(ok=True, checked=True, wait_s=0.0)
            f = self._by_client.setdefault(client, _Failures())
            f.count += 1
            delay = self.delay_after(f.count)
            f.next_try_at = self._clock() + delay
            return Attempt(ok=False, checked=True, wait_s=delay)


def client_key(address: str | None) -> str:
    """The throttle's key for a browser's address: IPv4 as is, IPv6 by its /64 network (one home or
    phone gets a whole /64 and could otherwise rotate addresses to dodge the wait); this machine is one."""
    if not address:
        return "localhost"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


@dataclass(frozen=True)
class Attempt:
    ok: bool  # signed in
    checked: bool  # False: refused unchecked because the client must still wait
    wait_s: float  # seconds before the next attempt will be checked


@dataclass(frozen=True)
class Access:
    """Who is using this browser session: a coach/teacher, or a student device bound to one class."""

    role: str = COACH
    who: str = ""  # display name or e-mail of the signed-in coach; "" for the password mode's single coach
    classroom_id: int | None = None  # the class a student device records for

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; allowed: {ROLES}")
        if self.role == STUDENT and self.classroom_id is None:
            raise ValueError("a student device is bound to one class")

    @property
    def is_student(self) -> bool:
        return self.role == STUDENT

    def as_student(self, classroom_id: int) -> Access:
        return Access(STUDENT, self.who, classroom_id)


@dataclass(frozen=True)
class Policy:
    """The owner's settings that decide access (from AnalysisConfig via :func:`policy_from`)."""

    signin_required: bool
    open_pages: frozenset[str] = frozenset()  # page kinds open without sign-in (only UPLOAD, LIVE may be)


OPEN, SIGN_IN, FORBIDDEN = "open", "sign_in", "forbidden"


def policy_from(served_to_network: bool, require_signin: bool, open_pages: Iterable[str]) -> Policy:
    """Sign-in is required whenever the app is served beyond localhost, or when the owner forces it."""
    pages = frozenset(open_pages)
    unknown = pages - MAY_BE_LEFT_OPEN
    if unknown:
        raise ValueError(f"open_pages may only name {sorted(MAY_BE_LEFT_OPEN)}; got {sorted(unknown)}")
    return Policy(signin_required=served_to_network or require_signin, open_pages=pages)


def decide(page_kind: str, access: Access | None, policy: Policy) -> str:
    """OPEN, SIGN_IN (show the sign-in form instead of the page) or FORBIDDEN (a student device on a
    coach's page). ``access`` is None when nobody signed in in this browser session."""
    if page_kind not in PAGE_KINDS:
        raise ValueError(f"unknown page kind {page_kind!r}; allowed: {PAGE_KINDS}")
    if access is not None and access.is_student:
        return OPEN if page_kind in STUDENT_PAGES else FORBIDDEN
    if access is not None or not policy.signin_required or page_kind == HOME:
        return OPEN
    return OPEN if page_kind in policy.open_pages else SIGN_IN


def _main(argv: list[str]) -> int:
    import argparse
    import getpass

    from core.config import AnalysisConfig

    parser = argparse.ArgumentParser(prog="python -m core.records.auth", description="FormLens sign-in password")
    parser.add_argument("command", choices=["set-password", "status"])
    parser.add_argument("--data-dir", help="the app's data folder (default: FORMLENS_DATA_DIR or ~/.formlens)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or AnalysisConfig.from_env().data_dir
    pw = PasswordFile(data_dir)
    if args.command == "status":
        print(f"{pw.path}: {'set' if pw.exists() else 'no password yet'}")
        return 0
    new = getpass.getpass("New password: ")
    try:
        check_new_password(new, getpass.getpass("Repeat it: "))
        pw.reset(new)
    except PasswordError as err:
        print(err)
        return 1
    print(f"Password set (argon2id hash in {pw.path}, mode 0600).")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
