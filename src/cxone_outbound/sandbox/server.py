"""`SandboxServer`: start a real sandbox on a free loopback port for a test or a demo, then stop it.

It runs `python -m cxone_outbound.sandbox` as a subprocess: the server keeps its own GIL and event
loop (so a test's client and the server never slow each other down), and it can be killed like a
real remote service.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from cxone_outbound.sandbox.control.client import SandboxControl
from cxone_outbound.sandbox.control.guard import TOKEN_ENV
from cxone_outbound.sandbox.http.ratelimit import DEFAULT_BURST, DEFAULT_RATE
from cxone_outbound.sandbox.options import DEFAULT_IMPORT_ROWS_PER_S, DEFAULT_TOKEN_TTL
from cxone_outbound.sandbox.store.admin.access_keys import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
)
from cxone_outbound.sandbox.store.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT,
)

START_TIMEOUT_S = 30.0


class SandboxStartError(RuntimeError):
    """The server did not come up; the message carries its stderr."""


class SandboxServer:
    """A sandbox subprocess; a context manager. `.base_url`, `.client_id`, `.client_secret`,
    `.tenant_id`, `.access_key_id`, `.access_key_secret` (admin dialect), `.control` are valid
    between start and stop."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, db_path: Path | str | None = None,
                 rate_limit: float = DEFAULT_RATE, burst: int = DEFAULT_BURST,
                 faults: str | None = None, seed_contacts: int = 0,
                 token_ttl: int = DEFAULT_TOKEN_TTL,
                 import_rows_per_s: float = DEFAULT_IMPORT_ROWS_PER_S,
                 rate_headers: bool = True,
                 control_token: str | None = None) -> None:
        self.host = host
        self.port = port
        self.db_path = Path(db_path) if db_path is not None else None
        self.control_token = control_token  # passed by environment: never on a command line
        self.args = [
            "--host", host, "--port", str(port), "--rate-limit", str(rate_limit),
            "--burst", str(burst), "--faults", faults or "", "--seed-contacts",
            str(seed_contacts), "--token-ttl", str(token_ttl), "--import-rows-per-s",
            str(import_rows_per_s),
        ]
        if not rate_headers:
            self.args.append("--no-rate-headers")
        if self.db_path is not None:
            self.args += ["--db", str(self.db_path)]
        self.client_id = DEFAULT_CLIENT_ID
        self.client_secret = DEFAULT_CLIENT_SECRET
        self.tenant_id = DEFAULT_TENANT
        self.access_key_id = DEFAULT_ACCESS_KEY_ID
        self.access_key_secret = DEFAULT_ACCESS_KEY_SECRET
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self.base_url = ""
        self.info: dict[str, Any] = {}

    @property
    def control(self) -> SandboxControl:
        if not self.base_url:
            raise RuntimeError("the sandbox is not running")
        return SandboxControl(self.base_url, token=self.control_token or "")

    @property
    def pid(self) -> int:
        """The server process's id (a benchmark reads its CPU time from /proc)."""
        if self._process is None:
            raise RuntimeError("the sandbox is not running")
        return self._process.pid

    def start(self) -> SandboxServer:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = os.environ | {"PYTHONUNBUFFERED": "1", TOKEN_ENV: self.control_token or ""}
        self._process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "cxone_outbound.sandbox", *self.args],
            stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, env=env)
        line = self._read_ready_line()
        self.info = json.loads(line)
        self.base_url = str(self.info["baseUrl"])
        self.port = int(self.base_url.rsplit(":", 1)[1])
        return self

    def _read_ready_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        selector = selectors.DefaultSelector()
        selector.register(stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT_S
        buffer = b""
        try:
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._process.poll() is not None:
                    break
                if selector.select(timeout=min(remaining, 0.5)):
                    chunk = os.read(stdout.fileno(), 4096)
                    if not chunk:
                        break
                    buffer += chunk
        finally:
            selector.close()
        if b"\n" not in buffer:
            self.stop()
            raise SandboxStartError(f"sandbox did not start: {self.stderr_text()}")
        return buffer.split(b"\n", 1)[0].decode()

    def stderr_text(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate gracefully (SIGTERM: the database is closed cleanly), kill if it hangs."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout)
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self.base_url = ""

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a crash would."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
