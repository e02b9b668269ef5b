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

`check_delivery` is the whole policy, pure; `WebhookListener` is the async server around it
(an async context manager on a free loopback port by default); `ListenerThread` runs one in a
background thread for synchronous callers such as the demo.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import ClientPayloadError, web

from cxone_outbound import signing
from cxone_outbound.private_files import open_private

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_TOLERANCE = timedelta(minutes=5)
DEFAULT_BODY_TIMEOUT = 10.0  # seconds to receive a whole body (CXone sends in well under one)
MAX_JSON_DEPTH = 64  # an event is a few levels deep; deeper is an attack on the parser

_log = logging.getLogger(__name__)

Now = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, timezone-aware (injected so tests can move it)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One accepted delivery."""

    event: str
    id: str
    occurred_at: datetime
    data: dict[str, Any]
    received_at: datetime
    body: dict[str, Any] = field(repr=False)  # the event exactly as delivered

    def to_json(self) -> dict[str, Any]:
        """The JSON line written for it: the delivered event plus `receivedAt`."""
        return {**self.body, "receivedAt": _iso(self.received_at)}


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a delivery was not recorded, as the HTTP answer it gets."""

    status: int
    code: str
    message: str


class ReplayGuard:
    """Event ids accepted within the tolerance window; older ids are forgotten.

    Forgetting is safe because an event older than the window is refused by its `occurredAt`.
    """

    def __init__(self, tolerance: timedelta = DEFAULT_TOLERANCE) -> None:
        self.tolerance = tolerance
        self._seen: dict[str, datetime] = {}

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def remember(self, event_id: str, occurred_at: datetime) -> None:
        self._seen[event_id] = occurred_at

    def prune(self, now: datetime) -> None:
        horizon = now - self.tolerance
        for event_id in [i for i, at in self._seen.items() if at < horizon]:
            del self._seen[event_id]


def check_delivery(
    body: bytes,
    signature: str | None,
    *,
    secret: str | bytes,
    now: datetime,
    guard: ReplayGuard,
    max_body: int = DEFAULT_MAX_BODY,
) -> ReceivedEvent | Rejection:
    """Decide one delivery: the accepted event, or the rejection to answer with.

    Does not record the event id; the caller does that once the event is stored.
    """
    if len(body) > max_body:
        return Rejection(413, "payload_too_large", f"body over {max_body} bytes")
    if not signing.verify(secret, body, signature):
        what = "missing" if not signature else "invalid"
        return Rejection(401, "invalid_signature", f"{what} {signing.SIGNATURE_HEADER}")
    try:
        parsed = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NotJson as exc:
        return Rejection(400, "invalid_json", str(exc))
    except RecursionError:
        return Rejection(400, "invalid_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    except (ValueError, UnicodeDecodeError):
        return Rejection(400, "invalid_json", "body is not JSON")
    if _deeper_than(parsed, MAX_JSON_DEPTH):
        return Rejection(400, "invalid_json", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(parsed, dict):
        return Rejection(400, "invalid_event", "body is not a JSON object")
    event, event_id, data = parsed.get("event"), parsed.get("id"), parsed.get("data", {})
    if not isinstance(event, str) or not event:
        return Rejection(400, "invalid_event", "missing or empty 'event'")
    if not isinstance(event_id, str) or not event_id:
        return Rejection(400, "invalid_event", "missing or empty 'id'")
    if not isinstance(data, dict):
        return Rejection(400, "invalid_event", "'data' is not an object")
    occurred_at = _parse_instant(parsed.get("occurredAt"))
    if occurred_at is None:
        return Rejection(400, "invalid_event", "missing or malformed 'occurredAt'")
    if abs(now - occurred_at) > guard.tolerance:
        return Rejection(
            400,
            "stale_event",
            f"occurredAt {_iso(occurred_at)} is outside ±{guard.tolerance} of now",
        )
    if event_id in guard:
        return Rejection(200, "duplicate", f"event {event_id} was already received")
    return ReceivedEvent(
        event=event, id=event_id, occurred_at=occurred_at, data=data, received_at=now, body=parsed
    )


class _NotJson(ValueError):
    """A body Python's parser would take but JSON does not allow."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to infinity
        raise _NotJson(f"{text} is out of a float's range")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays/objects nest more than `limit` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


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


def _parse_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
