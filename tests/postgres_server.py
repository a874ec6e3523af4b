"""A throwaway PostgreSQL server on 127.0.0.1 for the storage tests (Debian's postgresql package).

initdb refuses to run as root, so as root the cluster is created and run by the ``postgres`` OS user
(``runuser -u postgres``) in a temp directory that user owns. The server listens on a free loopback
port with trust auth (nothing else can reach it) and is stopped and deleted afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 60  # pg_ctl -w wait; a cold start on 2 shared cores takes 1-3 s


def postgres_bin_dir() -> Path | None:
    """The newest installed Debian PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    """Prefix ``cmd`` so it runs as 'postgres' when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a fresh cluster, yield its SQLAlchemy URL, then stop it and remove its files."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries not found; run `bash scripts/setup.sh --dev` as root "
                                "or `apt-get install postgresql`")
    # as root, a TMPDIR under /root would be untraversable for 'postgres': use the world-traversable /tmp
    root = Path(tempfile.mkdtemp(prefix="formlens_pg_", dir="/tmp" if os.geteuid() == 0 else None))
    data = root / "data"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": START_TIMEOUT_S}
    try:
        subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                        "-E", "UTF8", "--no-locale", "--no-sync"]), **run)
        opts = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=40"
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                                        "-o", opts, "-w", "-t", str(START_TIMEOUT_S), "start"]), **run)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as err:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL failed: {err.cmd}\n{err.stdout}\n{err.stderr}\n{log}") from err
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                            "stop"]), capture_output=True, timeout=START_TIMEOUT_S)
        shutil.rmtree(root, ignore_errors=True)
