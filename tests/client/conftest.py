"""Fixtures of the client core's tests: the fake API on a loopback port, a fake clock."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cxone_outbound.client.clock import FakeClock

sys.path.insert(0, str(Path(__file__).parent))  # lets the tests import fake_api

from fake_api import FakeApi


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", api.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    api.url = str(server.make_url("")).rstrip("/")
    try:
        yield api
    finally:
        await server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1000.0)
