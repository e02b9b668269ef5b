"""The webhook receiver against hostile senders: stalled and aborted bodies, deep JSON, NaN."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from tests.webhooks.test_listener import NOW, SECRET, event_body, post

from cxone_outbound import signing
from cxone_outbound.cli.main import invoke
from cxone_outbound.webhooks.delivery import MAX_JSON_DEPTH, Rejection, ReplayGuard, check_delivery
from cxone_outbound.webhooks.listener import WebhookListener


def verdict(body: bytes) -> object:
    return check_delivery(
        body, signing.sign(SECRET, body), secret=SECRET, now=NOW, guard=ReplayGuard()
    )


def test_json_nested_past_the_parsers_limit_is_a_400_not_a_crash() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    result = verdict(body)
    assert isinstance(result, Rejection) and (result.status, result.code) == (400, "invalid_json")


def test_json_nested_deeper_than_the_limit_is_a_400() -> None:
    depth = MAX_JSON_DEPTH + 1
    body = b'{"event":"e","id":"1","occurredAt":"2025-03-01T12:00:00Z","data":{"x":'
    body += b"[" * depth + b"]" * depth + b"}}"
    result = verdict(body)
    assert isinstance(result, Rejection) and result.status == 400 and "deeper" in result.message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    body = event_body(occurred_at=NOW).replace(b'"c-1"', constant.encode())
    result = verdict(body)
    assert isinstance(result, Rejection) and (result.status, result.code) == (400, "invalid_json")


async def test_a_body_that_stalls_is_answered_408_and_the_connection_closed() -> None:
    async with WebhookListener(SECRET, body_timeout=0.2) as listener:
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"event\"")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)  # EOF: the listener closed it
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert listener.stats.rejected == {"body_timeout": 1}


async def test_an_aborted_body_is_logged_in_one_line_and_the_listener_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines: list[str] = []
    async with WebhookListener(SECRET, on_abort=lines.append) as listener:
        _, writer = await asyncio.open_connection("127.0.0.1", listener.port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"event\"")
        await writer.drain()
        writer.transport.abort()
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        body = event_body()
        status, _ = await post(listener.url, body, signing.sign(SECRET, body))
    assert len(lines) == 1 and "aborted" in lines[0] and "\n" not in lines[0]
    assert status == 200
    assert "Traceback" not in capsys.readouterr().err


def test_listen_refuses_an_out_that_is_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "events"
    os.mkfifo(fifo)
    code = invoke(["webhooks", "listen", "--secret", SECRET, "--port", "0", "--out", str(fifo)])
    assert code == 2 and "FIFO" in capsys.readouterr().err
