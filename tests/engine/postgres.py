"""A real PostgreSQL server for the SQL source's tests: Debian's binaries, a throwaway cluster.

`make unit` installs Debian's `postgresql` when root (like chromium). Without it the tests skip
locally but fail in CI (`CI=true`), so the SQL source's tests can never silently stop running.
The server runs as the `postgres` user when we are root (PostgreSQL refuses to run as root), in
a temp directory, on a free loopback port, with a password (scram) so masking is tested too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

USER = "cxo"


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (/usr/lib/postgresql/N/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(reason: str) -> None:
    message = f"{reason} (apt-get install postgresql, or `make unit` as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a cluster; yield its DSN (postgresql+psycopg://cxo:PASSWORD@127.0.0.1:PORT/postgres)."""
    bindir = postgres_bin()
    if bindir is None:
        unavailable("PostgreSQL is not installed")
        raise AssertionError  # unreachable: skip or fail raised
    prefix: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no 'postgres' user to run the server as")
        prefix = ["runuser", "-u", "postgres", "--"]
    home = Path(tempfile.mkdtemp(prefix="cxo-pg-"))  # not pytest's tmp: postgres must enter it
    password = secrets.token_urlsafe(12)
    (home / "pw").write_text(password)
    if owner is not None:
        for path in (home, home / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    data, port = home / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", USER, "--pwfile", str(home / "pw"),
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60",
            "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log = home / "log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(home, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {exc}: {detail.decode(errors='replace')}{tail}")
    try:
        yield f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)
