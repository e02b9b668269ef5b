"""The token provider against a real loopback server: caching, single-flight, refresh, errors."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest
from fake_api import CLIENT_ID, CLIENT_SECRET, Reply

from cxone_outbound.client import AuthError, CXoneClient, PermissionDenied


async def test_a_hundred_concurrent_calls_fetch_one_token(fake_api, clock):
    fake_api.token_delay = 0.05
    fake_api.reply("GET", "/t", Reply(200, {"ok": True}))
    async with CXoneClient(fake_api.settings(concurrency=32), clock=clock) as client:
        await asyncio.gather(*(client.request("GET", "/t") for _ in range(100)))
    assert fake_api.token_requests == 1
    assert len(fake_api.requests_to("GET", "/t")) == 100


async def test_the_token_is_cached_between_calls(fake_api, clock):
    fake_api.reply("GET", "/t", Reply(200, {}))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        for _ in range(5):
            await client.request("GET", "/t")
    assert fake_api.token_requests == 1


async def test_client_credentials_go_as_http_basic_by_default(fake_api, clock):
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.fetch_token()
    (seen,) = fake_api.requests_to("POST", "/oauth/token")
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert seen.headers["Authorization"] == f"Basic {expected}"
    assert b"client_secret" not in seen.body
    assert b"grant_type=client_credentials" in seen.body


async def test_client_credentials_can_go_in_the_body(fake_api, clock):
    async with CXoneClient(fake_api.settings(auth_method="body"), clock=clock) as client:
        token = await client.fetch_token()
    (seen,) = fake_api.requests_to("POST", "/oauth/token")
    assert "Authorization" not in seen.headers
    assert b"client_id=test-client" in seen.body
    assert token.token_type == "Bearer"


async def test_the_token_is_refreshed_ahead_of_expiry(fake_api, clock):
    fake_api.token_lifetime = 100
    fake_api.reply("GET", "/t", Reply(200, {}))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("GET", "/t")
        clock.advance(85)  # still valid for 15 s: inside the 20 s advisory window
        await client.request("GET", "/t")
    first, second = (s.headers["Authorization"] for s in fake_api.requests_to("GET", "/t"))
    assert fake_api.token_requests == 2 and first != second


async def test_a_failed_early_refresh_keeps_the_still_valid_token(fake_api, clock):
    fake_api.token_lifetime = 100
    fake_api.reply("GET", "/t", Reply(200, {}))
    async with CXoneClient(fake_api.settings(max_attempts=1), clock=clock) as client:
        await client.request("GET", "/t")
        fake_api.token_error = Reply(503, {"error": {"code": "DOWN", "message": "down"}})
        clock.advance(85)
        await client.request("GET", "/t")
    first, second = (s.headers["Authorization"] for s in fake_api.requests_to("GET", "/t"))
    assert first == second


async def test_a_refused_token_is_replaced_and_the_call_replayed_once(fake_api, clock):
    fake_api.reply("GET", "/t", Reply(200, {"ok": True}))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("GET", "/t")
        fake_api.valid_tokens.clear()  # the server revokes every token
        response = await client.request("GET", "/t")
    assert response.json() == {"ok": True}
    assert fake_api.token_requests == 2
    assert len(fake_api.requests_to("GET", "/t")) == 3


async def test_a_token_refused_twice_is_an_auth_error(fake_api, clock):
    fake_api.reply("GET", "/t", Reply(200, {}))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        fake_api.refuse_every_token = True
        with pytest.raises(AuthError) as caught:
            await client.request("GET", "/t")
    assert caught.value.status == 401
    assert len(fake_api.requests_to("GET", "/t")) == 2
    assert fake_api.token_requests == 2


async def test_bad_client_credentials_name_invalid_client(fake_api, clock):
    settings = fake_api.settings(client_secret="wrong-secret-value")
    async with CXoneClient(settings, clock=clock) as client:
        with pytest.raises(AuthError) as caught:
            await client.request("GET", "/t")
    assert caught.value.code == "invalid_client"
    assert "invalid_client" in str(caught.value) and CLIENT_ID in str(caught.value)
    assert "wrong-secret-value" not in str(caught.value)


async def test_a_refused_scope_is_permission_denied_naming_the_scopes(fake_api, clock):
    fake_api.token_error = Reply(400, {"error": "invalid_scope"})
    settings = fake_api.settings(scopes=("contacts:read", "webhooks:write"))
    async with CXoneClient(settings, clock=clock) as client:
        with pytest.raises(PermissionDenied) as caught:
            await client.request("GET", "/t")
    assert caught.value.code == "invalid_scope"
    assert "contacts:read webhooks:write" in str(caught.value)


async def test_secrets_never_show_in_reprs_errors_or_logs(fake_api, clock, caplog):
    caplog.set_level(logging.DEBUG)
    fake_api.reply("GET", "/t", Reply(500, {"error": {"code": "X", "message": "boom"}}))
    async with CXoneClient(fake_api.settings(max_attempts=1), clock=clock) as client:
        token = await client.fetch_token()
        with pytest.raises(Exception) as caught:
            await client.request("GET", "/t")
        shown = " ".join(
            [repr(token), repr(client.token_provider), repr(client.settings), str(caught.value),
             repr(caught.value.__dict__), caplog.text]
        )
    assert token.value not in shown
    assert CLIENT_SECRET not in shown
