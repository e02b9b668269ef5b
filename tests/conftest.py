"""Shared fixtures: a real sandbox server on a free loopback port (one per xdist worker).

With `CXONE_TEST_BASE_URL` (+ `CXONE_TEST_CLIENT_ID`, `CXONE_TEST_CLIENT_SECRET`) the fixtures
target that server instead; `control` is then None and `sandbox_control` skips the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from pydantic import SecretStr

from cxone_outbound.config import Settings
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer

REMOTE_URL = os.environ.get("CXONE_TEST_BASE_URL")

# Property tests check what holds, not how fast: on a loaded 2-core CI machine an example can
# take seconds, which must not fail a test (hypothesis' deadline) or the run (its health check).
settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-machine")


@dataclass(frozen=True)
class SandboxHandle:
    """What a test gets: where the API is, whom to be, and (sandbox only) the control helper."""

    base_url: str
    client_id: str
    client_secret: str
    control: SandboxControl | None

    @property
    def default_list_id(self) -> str | None:
        return self.control.default_list_id() if self.control else None


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer | None]:
    """The session's sandbox process (None when targeting CXONE_TEST_BASE_URL)."""
    if REMOTE_URL:
        yield None
        return
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer | None) -> SandboxHandle:
    """A sandbox in its initial state (data, counters, rate limit and faults reset)."""
    if sandbox_server is None:
        assert REMOTE_URL is not None
        return SandboxHandle(REMOTE_URL, os.environ.get("CXONE_TEST_CLIENT_ID", ""),
                             os.environ.get("CXONE_TEST_CLIENT_SECRET", ""), None)
    control = sandbox_server.control
    control.reset()
    return SandboxHandle(sandbox_server.base_url, sandbox_server.client_id,
                         sandbox_server.client_secret, control)


@pytest.fixture
def sandbox_control(sandbox: SandboxHandle) -> SandboxControl:
    """The control helper; skips the test against a real tenant."""
    if sandbox.control is None:
        pytest.skip("needs the sandbox's /sandbox control API")
    return sandbox.control


@pytest.fixture
def settings(sandbox: SandboxHandle) -> Settings:
    """Client settings aimed at the test server."""
    return Settings(base_url=sandbox.base_url, client_id=sandbox.client_id,
                    client_secret=SecretStr(sandbox.client_secret))


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """Start dedicated servers with options (rate_limit, faults, db_path...); stopped after."""
    if REMOTE_URL:
        pytest.skip("needs a local sandbox server")
    servers: list[SandboxServer] = []

    def start(**options: Any) -> SandboxServer:
        server = SandboxServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
