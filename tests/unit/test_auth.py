"""core/records/auth.py without Streamlit: the throttle's waits, the page decisions per role, the password
file, and the modes of the data the app writes (SQLite file and folder)."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from core.config import AnalysisConfig
from core.records import auth
from core.records.auth import Access, PasswordError, PasswordFile, Throttle, decide, policy_from
from core.records.storage import FormStore


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_throttle_doubles_the_wait_per_wrong_password_up_to_a_bound_and_resets_on_success():
    clock = Clock()
    th = Throttle(1.0, 10.0, clock)
    checks = []

    def wrong() -> bool:
        checks.append(1)
        return False

    waits = []
    for _ in range(6):
        result = th.attempt("10.0.0.7", wrong)
        assert result.checked and not result.ok
        waits.append(result.wait_s)
        early = th.attempt("10.0.0.7", lambda: True)  # the right password, too early: not even checked
        assert not early.ok and not early.checked and early.wait_s == pytest.approx(waits[-1])
        clock.t += waits[-1]
    assert waits == [1, 2, 4, 8, 10, 10] and len(checks) == 6
    assert th.attempt("10.0.0.8", lambda: True).ok  # another client is not slowed by this one
    assert th.attempt("10.0.0.7", lambda: True).ok and th.failures("10.0.0.7") == 0  # success resets
    assert th.attempt("10.0.0.7", wrong).wait_s == 1


def test_throttle_keys_an_ipv6_client_by_its_64_network():
    assert auth.client_key("2001:db8:1:2::5") == auth.client_key("2001:db8:1:2:aaaa::9") == "2001:db8:1:2::/64"
    assert auth.client_key("2001:db8:1:3::5") != auth.client_key("2001:db8:1:2::5")
    assert auth.client_key("::ffff:10.0.0.7") == auth.client_key("10.0.0.7") == "10.0.0.7"
    assert auth.client_key(None) == "localhost"


def test_throttle_counts_concurrent_wrong_attempts_from_one_client():
    th = Throttle(0.5, 60.0)
    barrier = threading.Barrier(4)

    def guess() -> None:
        barrier.wait()
        th.attempt("attacker", lambda: False)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= th.failures("attacker") <= 4 and th.wait_left("attacker") > 0


def test_page_decisions_per_role_and_setting():
    local = policy_from(served_to_network=False, require_signin=False, open_pages=())
    shared = policy_from(served_to_network=True, require_signin=False, open_pages=())
    open_live = policy_from(served_to_network=True, require_signin=False, open_pages=("upload", "live"))
    coach, student = Access(), Access(auth.COACH).as_student(3)
    for page in auth.PAGE_KINDS:
        assert decide(page, None, local) == auth.OPEN  # one person on their own machine
        assert decide(page, coach, shared) == auth.OPEN
        expected = auth.OPEN if page == auth.CLASSROOM else auth.FORBIDDEN  # Home's links lead to coaches' pages
        assert decide(page, student, shared) == expected == decide(page, student, local)
    for page in auth.STORED_DATA_PAGES:
        assert decide(page, None, shared) == auth.SIGN_IN == decide(page, None, open_live)
    assert decide(auth.UPLOAD, None, shared) == auth.SIGN_IN and decide(auth.UPLOAD, None, open_live) == auth.OPEN
    assert policy_from(False, True, ()).signin_required  # forced on localhost
    with pytest.raises(ValueError):
        policy_from(True, False, ("history",))
    with pytest.raises(ValueError):
        Access(auth.STUDENT)  # a student device belongs to a class


def test_password_file_keeps_a_salted_hash_only_and_refuses_a_second_first_password(tmp_path):
    pw = PasswordFile(tmp_path / "data")
    with pytest.raises(PasswordError, match="at least"):
        pw.create("short")
    pw.create("correct horse battery")
    text = pw.path.read_text()
    assert "correct horse" not in text and "$argon2id$" in text
    assert stat.S_IMODE(pw.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(pw.path.parent.stat().st_mode) == 0o700
    with pytest.raises(PasswordError, match="a moment ago"):
        PasswordFile(tmp_path / "data").create("another password")  # the first one stays
    assert pw.verify("correct horse battery") and not pw.verify("Correct horse battery")
    other = PasswordFile(tmp_path / "other")
    other.create("correct horse battery")
    assert other.path.read_text() != text  # same password, different salt, different hash
    with pytest.raises(PasswordError, match="wrong"):
        pw.change("nope nope nope", "new password 1")
    pw.change("correct horse battery", "new password 1")
    assert pw.verify("new password 1") and not pw.verify("correct horse battery")
    assert stat.S_IMODE(pw.path.stat().st_mode) == 0o600
    assert [p.name for p in pw.path.parent.iterdir()] == ["password.json"]  # no temp file left behind


def test_sqlite_database_and_its_folder_are_private_to_the_app_user(tmp_path):
    data = tmp_path / "fresh" / "formlens"
    cfg = AnalysisConfig(data_dir=str(data))
    store = FormStore.open(cfg.resolved_database_url())
    try:
        aid = store.add_athlete("Minor Student")
        assert aid and store.athletes()
        files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()}
    finally:
        store.close()
    assert files["formlens.db"] == 0o600
    assert all(mode == 0o600 for name, mode in files.items() if name.startswith("formlens.db")), files  # -wal, -shm
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_an_existing_database_file_is_tightened_but_a_shared_folder_is_left_alone(tmp_path):
    db = tmp_path / "old.db"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    os.chmod(tmp_path, 0o1777)  # like /tmp
    FormStore.open(f"sqlite:///{db}").close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    auth.private_dir(tmp_path, tighten=True)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o1777  # not made private: others use it too
    private = auth.private_dir(tmp_path / "formlens")
    os.chmod(private, 0o755)  # a data folder made by an older FormLens
    auth.private_dir(private, tighten=True)
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
