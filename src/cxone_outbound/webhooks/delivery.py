"""One webhook delivery judged: signature, size, JSON shape, age and replay (pure).

`check_delivery` is the whole policy, so the receiver's answers are tested without a server;
`listener.WebhookListener` serves it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cxone_outbound import signing

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_TOLERANCE = timedelta(minutes=5)
MAX_JSON_DEPTH = 64  # an event is a few levels deep; deeper is an attack on the parser

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
