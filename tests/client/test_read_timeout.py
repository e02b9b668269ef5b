"""The read timeout against a real loopback server that stalls: an attempt with no data for
`read_timeout` seconds fails as a timeout (and is retried where safe); one that keeps receiving
bytes lives on, however long it takes; a cancellation from outside stays a cancellation.

These wait on real time (the timeout under test is a few tenths of a second).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cxone_outbound.client import CXoneClient, TransportError
from cxone_outbound.client.clock import FakeClock
from cxone_outbound.config import Settings

TIMEOUT = 0.3
TOKEN = orjson.dumps({"access_token": "t", "token_type": "Bearer", "expires_in": 3600})


class Stalling:
    """A server whose routes stall in different ways; counts the requests to each."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.release = asyncio.Event()

    async def token(self, request: web.Request) -> web.Response:
        return web.Response(body=TOKEN, content_type="application/json")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        if name == "silent":  # never a byte
            await self.release.wait()
            return web.json_response({})
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        if name == "headers-only":  # the head, then nothing
            await self.release.wait()
        elif name == "trickle":  # a byte every TIMEOUT/3 for 4 x TIMEOUT
            await response.write(b'{"padding": "')
            for _ in range(12):
                await asyncio.sleep(TIMEOUT / 3)
                await response.write(b"x")
            await response.write(b'"}')
        await response.write_eof()
        return response


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[Stalling, str]]:
    server_state = Stalling()
    app = web.Application()
    app.router.add_post("/oauth/token", server_state.token)
    app.router.add_route("*", "/s/{name}", server_state.handle)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield server_state, str(server.make_url("")).rstrip("/")
    finally:
        server_state.release.set()
        await server.close()


def _client(base: str, **overrides: object) -> CXoneClient:
    settings = Settings(base_url=base, read_timeout=TIMEOUT, **overrides)  # type: ignore[arg-type]
    return CXoneClient(settings, clock=FakeClock())  # backoff sleeps are instant


async def test_a_silent_server_times_out_each_attempt_and_the_get_is_retried(
    stalling: tuple[Stalling, str],
) -> None:
    server, base = stalling
    async with _client(base, max_attempts=3) as client:
        with pytest.raises(TransportError) as caught:
            await client.request("GET", "/s/silent")
    assert caught.value.code == "TIMEOUT"
    assert server.hits["silent"] == 3


async def test_headers_without_a_body_time_out_too(stalling: tuple[Stalling, str]) -> None:
    _, base = stalling
    async with _client(base, max_attempts=1) as client:
        with pytest.raises(TransportError, match="read timeout"):
            await client.request("GET", "/s/headers-only")


async def test_a_timed_out_post_without_an_idempotency_key_is_not_sent_again(
    stalling: tuple[Stalling, str],
) -> None:
    server, base = stalling
    async with _client(base, max_attempts=3) as client:
        with pytest.raises(TransportError):
            await client.request("POST", "/s/silent", json={"a": 1})
    assert server.hits["silent"] == 1


async def test_an_answer_that_keeps_arriving_is_not_cut_off(
    stalling: tuple[Stalling, str],
) -> None:
    _, base = stalling
    async with _client(base, max_attempts=1) as client:
        response = await client.request("GET", "/s/trickle")
    assert response.json() == {"padding": "x" * 12}


async def test_a_cancellation_from_outside_is_not_turned_into_a_timeout(
    stalling: tuple[Stalling, str],
) -> None:
    server, base = stalling
    async with _client(base, max_attempts=3) as client:
        task = asyncio.create_task(client.request("GET", "/s/silent"))
        while not server.hits.get("silent"):
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert server.hits["silent"] == 1
