"""The webhook receiver: what the CRM/aggregator side runs to take CXone event deliveries.

A delivery is a POST of `{"event", "id", "occurredAt", "data"}` signed with
`X-CXone-Signature: sha256=<hex HMAC of the body>`. The receiver answers:

- 413 to a body over `max_body` bytes (checked before anything is buffered past the limit);
- 401 to a missing or wrong signature (constant-time compare, `signing.verify`);
- 408 to a body not received within `body_timeout` seconds (the connection is closed: a sender
  that stalls half-way cannot hold it open); an aborted connection is logged in one line;
- 400 to a body that is not such an event (not JSON, NaN/Infinity, nested deeper than
  `MAX_JSON_DEPTH`), or whose `occurredAt` lies outside `tolerance` of now (a captured
  delivery replayed later is refused even when its id was forgotten);
- 200 `{"status": "duplicate"}` to an event id it has already accepted: the event is *not*
  recorded again, and the 2xx stops an honest sender retrying a delivery whose acknowledgement
  was lost (a 409 would make it retry until its retry budget is spent);
- 200 `{"status": "accepted"}` otherwise, after the event is appended to the JSON-lines file
  (flushed) and to the in-memory log.

`delivery.check_delivery` is the whole policy, pure; `WebhookListener` is the async server around it
(an async context manager on a free loopback port by default); `ListenerThread` runs one in a
background thread for synchronous callers such as the demo.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientPayloadError, web

from cxone_outbound import signing
from cxone_outbound.private_files import open_private
from cxone_outbound.webhooks.delivery import (
    DEFAULT_MAX_BODY,
    DEFAULT_TOLERANCE,
    Now,
    ReceivedEvent,
    Rejection,
    ReplayGuard,
    _parse_instant,
    check_delivery,
    utc_now,
)

DEFAULT_BODY_TIMEOUT = 10.0  # seconds to receive a whole body (CXone sends in well under one)

_log = logging.getLogger(__name__)


class EventLog:
    """Accepted events, readable from any thread, with a wait that polls to a deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ReceivedEvent] = []

    def append(self, event: ReceivedEvent) -> None:
        with self._lock:
            self._events.append(event)

    def snapshot(self) -> list[ReceivedEvent]:
        with self._lock:
            return list(self._events)

    def matching(
        self, event: str | None = None, where: Callable[[ReceivedEvent], bool] | None = None
    ) -> list[ReceivedEvent]:
        return [
            e
            for e in self.snapshot()
            if (event is None or e.event == event) and (where is None or where(e))
        ]


@dataclass
class ListenerStats:
    """Counts per outcome, for the CLI's final summary."""

    accepted: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


class WebhookListener:
    """An aiohttp server taking signed deliveries on any path (POST).

    `async with WebhookListener(secret) as listener:` binds a free loopback port; `listener.url`
    is what to register as the webhook URL; `await listener.wait_for(...)` polls for events.
    """

    def __init__(
        self,
        secret: str | bytes,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        out: Path | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        tolerance: timedelta = DEFAULT_TOLERANCE,
        now: Now = utc_now,
        on_event: Callable[[ReceivedEvent], None] | None = None,
        on_reject: Callable[[Rejection], None] | None = None,
        on_abort: Callable[[str], None] | None = None,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        if max_body < 1:
            raise ValueError("max_body must be at least 1 byte")
        self.secret = secret
        self.host = host
        self.port = port
        self.out = out
        self.max_body = max_body
        self.now = now
        self.on_event = on_event
        self.on_reject = on_reject
        self.on_abort = on_abort or _log.warning
        self.body_timeout = body_timeout
        self.guard = ReplayGuard(tolerance)
        self.log = EventLog()
        self.stats = ListenerStats()
        self._runner: web.AppRunner | None = None
        self._out_file: Any = None

    @property
    def url(self) -> str:
        """The base URL deliveries go to (any path under it is accepted)."""
        return f"http://{self.host}:{self.port}/"

    @property
    def events(self) -> list[ReceivedEvent]:
        return self.log.snapshot()

    async def start(self) -> None:
        if self.out is not None:
            self._remember_recorded(self.out)
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._out_file = open_private(self.out, "a", encoding="utf-8")
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        addresses: Iterable[Any] = self._runner.addresses
        self.port = int(next(iter(addresses))[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._out_file is not None:
            self._out_file.close()
            self._out_file = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def wait_for(
        self,
        count: int = 1,
        *,
        event: str | None = None,
        where: Callable[[ReceivedEvent], bool] | None = None,
        within: float = 10.0,
    ) -> list[ReceivedEvent]:
        """The matching events once there are at least `count`; TimeoutError after `within` s."""
        deadline = time.monotonic() + within
        while True:
            found = self.log.matching(event, where)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{len(found)} of {count} expected events after {within}s")
            await asyncio.sleep(0.02)

    async def _handle(self, request: web.Request) -> web.Response:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            return self._reject(Rejection(413, "payload_too_large", f"over {self.max_body} bytes"))
        try:
            body = await asyncio.wait_for(
                _read_capped(request, self.max_body + 1), self.body_timeout
            )
        except TimeoutError:
            late = Rejection(408, "body_timeout", f"no whole body within {self.body_timeout:g} s")
            response = self._reject(late)
            response.force_close()
            return response
        except (ConnectionError, ClientPayloadError) as exc:
            # the sender went away mid-body: nobody to answer; one line, no traceback
            peer = request.remote or "?"
            self.on_abort(f"connection from {peer} aborted while sending its body ({exc})")
            self.stats.rejected["aborted"] = self.stats.rejected.get("aborted", 0) + 1
            response = web.Response(status=400)
            response.force_close()
            return response
        now = self.now()
        self.guard.prune(now)
        verdict = check_delivery(
            body,
            request.headers.get(signing.SIGNATURE_HEADER),
            secret=self.secret,
            now=now,
            guard=self.guard,
            max_body=self.max_body,
        )
        if isinstance(verdict, Rejection):
            return self._reject(verdict)
        self._record(verdict)
        return web.json_response({"status": "accepted", "id": verdict.id})

    def _record(self, event: ReceivedEvent) -> None:
        if self._out_file is not None:
            self._out_file.write(json.dumps(event.to_json(), separators=(",", ":")) + "\n")
            self._out_file.flush()
        self.guard.remember(event.id, event.occurred_at)
        self.log.append(event)
        self.stats.accepted += 1
        if self.on_event is not None:
            self.on_event(event)

    def _reject(self, rejection: Rejection) -> web.Response:
        if rejection.code == "duplicate":
            self.stats.duplicates += 1
        else:
            self.stats.rejected[rejection.code] = self.stats.rejected.get(rejection.code, 0) + 1
        if self.on_reject is not None:
            self.on_reject(rejection)
        body: dict[str, Any] = {"status": rejection.code, "message": rejection.message}
        if rejection.status >= 400:
            body = {"error": {"code": rejection.code, "message": rejection.message}}
        return web.json_response(body, status=rejection.status)

    def _remember_recorded(self, path: Path) -> None:
        """Ids already in the output file count as seen: a restart still refuses replays."""
        if not path.exists():
            return
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                at = _parse_instant(row.get("occurredAt")) if isinstance(row, dict) else None
                if at is not None and isinstance(row.get("id"), str):
                    self.guard.remember(row["id"], at)
        self.guard.prune(self.now())


class ListenerThread:
    """A `WebhookListener` on its own event loop in a daemon thread: for synchronous callers."""

    def __init__(self, secret: str | bytes, **kwargs: Any) -> None:
        self.listener = WebhookListener(secret, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.listener.url

    @property
    def events(self) -> list[ReceivedEvent]:
        return self.listener.events

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.listener.start(), self._loop).result(timeout=30)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    def wait_for(
        self,
        count: int = 1,
        *,
        event: str | None = None,
        where: Callable[[ReceivedEvent], bool] | None = None,
        within: float = 10.0,
    ) -> list[ReceivedEvent]:
        """As `WebhookListener.wait_for`, blocking."""
        future = asyncio.run_coroutine_threadsafe(
            self.listener.wait_for(count, event=event, where=where, within=within), self._loop
        )
        return future.result(timeout=within + 5)


async def _read_capped(request: web.Request, limit: int) -> bytes:
    """At most `limit` bytes of the body: a chunked body cannot make us buffer more."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await request.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
