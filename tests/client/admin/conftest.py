"""Fixtures of the admin client's tests: a fake tenant on a loopback port, settings for it."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.sandbox.server import SandboxServer

sys.path.insert(0, str(Path(__file__).parent))

from fake_tenant import FakeTenant


@pytest.fixture
async def tenant() -> AsyncIterator[FakeTenant]:
    fake = FakeTenant()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture
def cache(tmp_path: Path) -> DiscoveryCache:
    return DiscoveryCache(tmp_path / "discovery.json")


@pytest.fixture
def server(sandbox_server: SandboxServer | None) -> SandboxServer:
    """The session's sandbox, reset; skipped where no local sandbox serves the admin dialect."""
    if sandbox_server is None or not getattr(sandbox_server, "access_key_id", None):
        pytest.skip("needs a local sandbox serving the admin dialect")
    sandbox_server.control.reset()
    return sandbox_server


@pytest.fixture
def admin_cli(
    sandbox_server: SandboxServer | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    """`cxo` pointed at the sandbox's admin dialect by a profile; state and caches in tmp_path."""
    if sandbox_server is None or not getattr(sandbox_server, "access_key_id", None):
        pytest.skip("needs a local sandbox serving the admin dialect")
    sandbox_server.control.reset()
    for name in list(os.environ):
        if name.startswith("CXONE_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.real]\ndialect = "admin"\nbase_url = "{sandbox_server.base_url}"\n'
        f'access_key_id = "{sandbox_server.access_key_id}"\n'
        'list_columns = "externalId=ExternalId,phone=PhoneNumber,firstName=FirstName,'
        'lastName=LastName,email=Email,timeZone=TimeZone,attributes=*"\n'
    )
    config.chmod(0o600)
    monkeypatch.setenv("CXONE_CONFIG", str(config))
    monkeypatch.setenv("CXONE_PROFILE", "real")
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", str(sandbox_server.access_key_secret))
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return sandbox_server
