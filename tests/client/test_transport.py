"""The transport against a real loopback server: retries, idempotency, limits, errors, events."""

from __future__ import annotations

import asyncio
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fake_api import Reply

from cxone_outbound.client import (
    CXoneClient,
    NotFound,
    RateLimited,
    RequestEvent,
    ServerError,
    TransportError,
    ValidationError,
)

BUSY = Reply(503, {"error": {"code": "UNAVAILABLE", "message": "busy"}})
OK = Reply(200, {"ok": True})


async def test_every_attempt_carries_its_own_request_id(fake_api, clock):
    fake_api.script("GET", "/t", BUSY, BUSY)
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("GET", "/t")
    ids = [s.headers["X-Request-Id"] for s in fake_api.requests_to("GET", "/t")]
    assert len(ids) == 3 and len(set(ids)) == 3


async def test_gateway_errors_are_retried_until_success(fake_api, clock):
    fake_api.script("GET", "/t", Reply(502), Reply(504), BUSY)
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        response = await client.request("GET", "/t")
    assert response.json() == {"ok": True} and response.attempts == 4


async def test_a_dropped_connection_is_retried(fake_api, clock):
    fake_api.script("PATCH", "/t", Reply(drop=True))
    fake_api.reply("PATCH", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        response = await client.request("PATCH", "/t", json={"a": 1})
    assert response.status == 200
    assert len(fake_api.requests_to("PATCH", "/t")) == 2


async def test_a_post_without_idempotency_key_is_not_retried(fake_api, clock):
    fake_api.script("POST", "/t", BUSY)
    fake_api.reply("POST", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        with pytest.raises(ServerError):
            await client.request("POST", "/t", json={"a": 1})
    assert len(fake_api.requests_to("POST", "/t")) == 1


async def test_a_post_with_idempotency_key_is_retried_with_the_same_key(fake_api, clock):
    fake_api.script("POST", "/t", BUSY, Reply(429, headers={"Retry-After": "1"}))
    fake_api.reply("POST", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("POST", "/t", json={"a": 1}, idempotency_key="key-1")
    seen = fake_api.requests_to("POST", "/t")
    assert [s.headers["Idempotency-Key"] for s in seen] == ["key-1"] * 3
    assert all(s.json() == {"a": 1} for s in seen)


async def test_retry_after_in_seconds_is_waited(fake_api, clock):
    fake_api.script("GET", "/t", Reply(429, headers={"Retry-After": "7"}))
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("GET", "/t")
    assert clock.slept[0] == 7.0


async def test_retry_after_as_an_http_date_is_waited(fake_api, clock):
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake_api.script("GET", "/t", Reply(503, headers={"Retry-After": format_datetime(when, True)}))
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        await client.request("GET", "/t")
    assert 25.0 <= clock.slept[0] <= 30.0


async def test_a_retry_after_beyond_the_ceiling_is_raised_at_once(fake_api, clock):
    fake_api.reply("GET", "/t", Reply(429, {"error": {"code": "RATE_LIMITED", "message": "no"}},
                                      {"Retry-After": "3600"}))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        with pytest.raises(RateLimited) as caught:
            await client.request("GET", "/t")
    assert caught.value.retry_after == 3600.0 and caught.value.code == "RATE_LIMITED"
    assert len(fake_api.requests_to("GET", "/t")) == 1


async def test_waits_without_retry_after_follow_capped_exponential_backoff(fake_api, clock):
    fake_api.reply("GET", "/t", BUSY)
    settings = fake_api.settings(max_attempts=6)
    async with CXoneClient(settings, clock=clock, rng=random.Random(3)) as client:
        with pytest.raises(ServerError) as caught:
            await client.request("GET", "/t")
    assert len(fake_api.requests_to("GET", "/t")) == 6
    assert len(clock.slept) == 5  # one wait between attempts, nothing else at this rate
    assert all(0 <= b <= min(20.0, 0.5 * 2**i) for i, b in enumerate(clock.slept))
    assert "gave up after 6 attempts" in str(caught.value)


async def test_the_retry_quota_runs_dry_under_a_failing_server(fake_api, clock):
    fake_api.reply("GET", "/t", BUSY)
    async with CXoneClient(fake_api.settings(max_attempts=6), clock=clock) as client:
        messages = []
        for _ in range(25):
            with pytest.raises(ServerError) as caught:
                await client.request("GET", "/t")
            messages.append(str(caught.value))
    exhausted = [m for m in messages if "quota exhausted" in m]
    assert "(gave up after 6 attempts)" in messages[0]
    assert len(exhausted) >= 4  # 500 / 5 = 100 retries: 20 calls' worth, then no more
    assert len(fake_api.requests_to("GET", "/t")) < 25 * 6


async def test_the_overall_deadline_stops_retries(fake_api, clock):
    fake_api.reply("GET", "/t", Reply(503, headers={"Retry-After": "40"}))
    settings = fake_api.settings(deadline=100.0, max_attempts=50)
    async with CXoneClient(settings, clock=clock) as client:
        with pytest.raises(ServerError) as caught:
            await client.request("GET", "/t")
    assert "deadline" in str(caught.value)
    assert len(fake_api.requests_to("GET", "/t")) == 3


async def test_client_errors_are_not_retried_and_carry_the_contract_fields(fake_api, clock):
    fake_api.reply("PATCH", "/t", Reply(400, {
        "error": {"code": "INVALID_EMAIL", "message": "email is not valid", "field": "email",
                  "details": [{"field": "email", "code": "FORMAT"}]},
        "requestId": "req-42",
    }))
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        with pytest.raises(ValidationError) as caught:
            await client.request("PATCH", "/t", json={"email": "x"})
    error = caught.value
    assert (error.status, error.code, error.field, error.request_id) == (
        400, "INVALID_EMAIL", "email", "req-42")
    assert error.details == [{"field": "email", "code": "FORMAT"}]
    assert "email is not valid" in str(error)
    assert len(fake_api.requests_to("PATCH", "/t")) == 1


async def test_a_missing_resource_is_not_found_with_the_request_id(fake_api, clock):
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        with pytest.raises(NotFound) as caught:
            await client.request("GET", "/nothing-here")
    sent = fake_api.requests_to("GET", "/nothing-here")[0].headers["X-Request-Id"]
    assert caught.value.request_id == sent


async def test_an_unreachable_server_is_a_transport_error(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from cxone_outbound.config import Settings

    settings = Settings(base_url=f"http://127.0.0.1:{port}", max_attempts=3)
    async with CXoneClient(settings, clock=clock) as client:
        with pytest.raises(TransportError) as caught:
            await client.request("GET", "/t")
    assert caught.value.code == "CONNECTION_ERROR"


async def test_the_observer_hears_every_attempt_and_no_secret(fake_api, clock):
    events: list[RequestEvent] = []
    fake_api.script("GET", "/t", Reply(429, headers={"Retry-After": "2"}))
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(), clock=clock, observer=events.append) as client:
        await client.request("GET", "/t", params={"q": "x y"})
    api_events = [e for e in events if e.path.startswith("/t")]
    assert [(e.status, e.attempt, e.will_retry) for e in api_events] == [
        (429, 1, True), (200, 2, False)]
    assert api_events[0].retry_after_s == 2.0 and api_events[0].path == "/t?q=x+y"
    token = client.token_provider.current
    assert token is not None and all(token.value not in repr(e) for e in events)


async def test_no_more_requests_in_flight_than_the_concurrency_cap(fake_api, clock):
    fake_api.latency = 0.02
    fake_api.reply("GET", "/t", OK)
    async with CXoneClient(fake_api.settings(concurrency=4), clock=clock) as client:
        await asyncio.gather(*(client.request("GET", "/t") for _ in range(40)))
    assert 2 <= fake_api.max_in_flight <= 4


async def test_a_next_page_on_another_host_is_refused(fake_api, clock):
    async with CXoneClient(fake_api.settings(), clock=clock) as client:
        with pytest.raises(TransportError, match="refusing"):
            await client.request("GET", "http://evil.example.invalid/steal")
