"""The webhook receiver: what it accepts, what it refuses, and what it writes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cxone_outbound import signing
from cxone_outbound.webhooks.delivery import ReceivedEvent, Rejection, ReplayGuard, check_delivery
from cxone_outbound.webhooks.listener import ListenerThread, WebhookListener

SECRET = "whsec-test"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def event_body(
    event: str = "contact.updated",
    *,
    event_id: str | None = None,
    occurred_at: datetime | str | None = None,
    data: Any = None,
) -> bytes:
    at = occurred_at if occurred_at is not None else datetime.now(UTC)
    return json.dumps(
        {
            "event": event,
            "id": event_id or str(uuid.uuid4()),
            "occurredAt": at if isinstance(at, str) else at.isoformat(),
            "data": {"contactId": "c-1"} if data is None else data,
        }
    ).encode()


async def post(
    url: str, body: bytes, signature: str | None, *, path: str = "hooks"
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[signing.SIGNATURE_HEADER] = signature
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + path, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


# --- the policy, without a server -------------------------------------------------------------


def test_a_correctly_signed_fresh_event_is_accepted() -> None:
    body = event_body(event_id="e-1", occurred_at=NOW)
    verdict = check_delivery(
        body, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )
    assert isinstance(verdict, ReceivedEvent)
    assert (verdict.event, verdict.id) == ("contact.updated", "e-1")
    assert verdict.data == {"contactId": "c-1"}


def test_a_signature_made_with_another_secret_is_refused_with_401() -> None:
    body = event_body(occurred_at=NOW)
    verdict = check_delivery(
        body, signing.sign("other", body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )
    assert verdict == Rejection(401, "invalid_signature", "invalid X-CXone-Signature")


def test_a_body_changed_after_signing_is_refused_with_401() -> None:
    body = event_body(occurred_at=NOW, data={"amount": 1})
    tampered = body.replace(b'"amount": 1', b'"amount": 9')
    verdict = check_delivery(
        tampered, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )
    assert isinstance(verdict, Rejection) and verdict.status == 401


def test_an_event_id_seen_before_is_a_duplicate_not_a_new_event() -> None:
    guard = ReplayGuard()
    guard.remember("e-1", NOW)
    body = event_body(event_id="e-1", occurred_at=NOW)
    verdict = check_delivery(body, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=guard)
    assert isinstance(verdict, Rejection)
    assert (verdict.status, verdict.code) == (200, "duplicate")


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_an_event_outside_the_tolerance_window_is_refused_as_stale(skew: timedelta) -> None:
    body = event_body(occurred_at=NOW + skew)
    verdict = check_delivery(
        body, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )
    assert isinstance(verdict, Rejection)
    assert (verdict.status, verdict.code) == (400, "stale_event")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"id": "e", "occurredAt": "2025-03-01T12:00:00Z", "data": {}}',
        b'{"event": "x", "occurredAt": "2025-03-01T12:00:00Z", "data": {}}',
        b'{"event": "x", "id": "e", "occurredAt": "yesterday", "data": {}}',
        b'{"event": "x", "id": "e", "occurredAt": "2025-03-01T12:00:00Z", "data": [1]}',
    ],
)
def test_a_signed_body_that_is_not_an_event_is_refused_with_400(body: bytes) -> None:
    verdict = check_delivery(
        body, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )
    assert isinstance(verdict, Rejection) and verdict.status == 400


def test_the_guard_forgets_ids_older_than_the_window() -> None:
    guard = ReplayGuard(timedelta(minutes=5))
    guard.remember("old", NOW - timedelta(minutes=10))
    guard.remember("new", NOW - timedelta(minutes=1))
    guard.prune(NOW)
    assert "old" not in guard and "new" in guard


# --- the server, on a real loopback port -------------------------------------------------------


async def test_an_accepted_event_is_written_as_one_json_line(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    async with WebhookListener(SECRET, out=out) as listener:
        body = event_body("import.completed", event_id="e-42")
        status, answer = await post(listener.url, body, signing.sign(SECRET, body))
        assert (status, answer["status"]) == (200, "accepted")
        [line] = out.read_text().splitlines()
    row = json.loads(line)
    assert (row["event"], row["id"]) == ("import.completed", "e-42")
    assert row["data"] == {"contactId": "c-1"}
    assert "receivedAt" in row


async def test_a_missing_signature_gets_401_and_nothing_is_recorded() -> None:
    async with WebhookListener(SECRET) as listener:
        status, answer = await post(listener.url, event_body(), None)
        assert (status, answer["error"]["code"]) == (401, "invalid_signature")
        assert listener.events == []


async def test_a_forged_signature_gets_401_and_nothing_is_recorded() -> None:
    async with WebhookListener(SECRET) as listener:
        body = event_body()
        status, _ = await post(listener.url, body, signing.sign("guessed-secret", body))
        assert status == 401
        assert listener.events == []


async def test_a_replayed_delivery_is_acknowledged_but_recorded_once(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    async with WebhookListener(SECRET, out=out) as listener:
        body = event_body(event_id="e-7")
        first = await post(listener.url, body, signing.sign(SECRET, body))
        second = await post(listener.url, body, signing.sign(SECRET, body))
        assert [first[1]["status"], second[1]["status"]] == ["accepted", "duplicate"]
        assert [e.id for e in listener.events] == ["e-7"]
        assert listener.stats.duplicates == 1
    assert len(out.read_text().splitlines()) == 1


async def test_a_restarted_listener_still_refuses_ids_already_in_its_file(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    body = event_body(event_id="e-8")
    async with WebhookListener(SECRET, out=out) as listener:
        await post(listener.url, body, signing.sign(SECRET, body))
    async with WebhookListener(SECRET, out=out) as listener:
        status, answer = await post(listener.url, body, signing.sign(SECRET, body))
        assert (status, answer["status"]) == (200, "duplicate")
    assert len(out.read_text().splitlines()) == 1


async def test_an_oversized_body_gets_413() -> None:
    async with WebhookListener(SECRET, max_body=512) as listener:
        body = event_body(data={"blob": "x" * 1000})
        status, answer = await post(listener.url, body, signing.sign(SECRET, body))
        assert (status, answer["error"]["code"]) == (413, "payload_too_large")
        assert listener.events == []


async def test_an_oversized_chunked_body_gets_413() -> None:
    async def chunks() -> Any:
        for _ in range(10):
            yield b"x" * 100

    async with (
        WebhookListener(SECRET, max_body=512) as listener,
        aiohttp.ClientSession() as session,
        session.post(listener.url, data=chunks()) as response,
    ):
        assert response.status == 413


async def test_an_event_is_handed_to_the_callback_as_it_arrives() -> None:
    seen: list[str] = []
    async with WebhookListener(SECRET, on_event=lambda e: seen.append(e.id)) as listener:
        body = event_body(event_id="e-9")
        await post(listener.url, body, signing.sign(SECRET, body))
        await listener.wait_for(1)
    assert seen == ["e-9"]


async def test_wait_for_times_out_when_the_events_do_not_come() -> None:
    async with WebhookListener(SECRET) as listener:
        with pytest.raises(TimeoutError):
            await listener.wait_for(1, event="contact.enriched", within=0.1)


def test_the_threaded_listener_serves_synchronous_callers() -> None:
    import urllib.request

    with ListenerThread(SECRET) as listener:
        body = event_body("campaign.preview.activated", event_id="e-10")
        request = urllib.request.Request(
            listener.url,
            data=body,
            headers={signing.SIGNATURE_HEADER: signing.sign(SECRET, body)},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        [received] = listener.wait_for(1, event="campaign.preview.activated")
    assert received.id == "e-10"
