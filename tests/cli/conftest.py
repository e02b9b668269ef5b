"""Fixtures of the CLI tests: an isolated environment, an in-process `cxo`, a token server."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from cxone_outbound.cli.main import invoke
from cxone_outbound.cli.output import remove_logging_handler


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return orjson.loads(self.stdout)


CxoRunner = Callable[..., CliRun]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No CXONE_* variable and no user config file of the machine leaks into a test."""
    for name in list(os.environ):
        if name.startswith("CXONE_"):
            monkeypatch.delenv(name)
    config_home = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables must not wrap values in assertions
    root = logging.getLogger()
    levels = (root.level, logging.getLogger("cxone_outbound").level)
    yield config_home
    remove_logging_handler()
    root.setLevel(levels[0])
    logging.getLogger("cxone_outbound").setLevel(levels[1])


@pytest.fixture
def cxo(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CxoRunner:
    """Run `cxo ARGS...` in-process, as the console script does; `env=` sets variables."""

    def run(*args: str, env: dict[str, str] | None = None) -> CliRun:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = invoke(list(args))
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


@dataclass
class TokenServer:
    """A loopback OAuth token endpoint: the sandbox's rules for client credentials."""

    client_id: str = "check-client"
    client_secret: str = "check-secret-0123456789"
    granted: tuple[str, ...] = ("contacts:read", "campaigns:read")
    access_token: str = "tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"
    expires_in: int = 1800
    url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append({k: str(v) for k, v in form.items()})
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"error": "invalid_client"}, status=401)
        wanted = str(form.get("scope", "")).split()
        if any(scope not in self.granted for scope in wanted):
            return web.json_response({"error": "invalid_scope"}, status=400)
        body = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": " ".join(wanted or self.granted),
        }
        return web.json_response(body)


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    """A real token endpoint on a free 127.0.0.1 port, served from its own thread and loop."""
    server = TokenServer()
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/oauth/token", server.handle)
    runner = web.AppRunner(app, access_log=None)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        server.url = f"http://127.0.0.1:{port}"

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
