"""Idempotency keys on POST, as Stripe keeps them: a key names one request of one tenant.

The first answer to a key is kept and replayed for the same request (method, full URL with its
query, body); the same key with any other request is refused (409 `IDEMPOTENCY_KEY_REUSED`,
API.md §2), never answered with another request's result. Keys expire (24 h by default):
after that the key is new again. The TTL and the idempotency clock's offset are settable
through the control API, so tests can age keys without waiting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson

from cxone_outbound.sandbox.errors import IdempotencyKeyReused
from cxone_outbound.sandbox.store.database import Database, iso

MAX_KEY = 255
DEFAULT_TTL_S = 24 * 3600


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests the same: method, path, query string and the body's digest."""
    digest = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{method.upper()} {path}?{query}\n{digest}".encode()).hexdigest()


class Idempotency:
    """The kept answers, per tenant and key; `ttl_s` and `offset_s` are the control API's."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ttl_s: float = DEFAULT_TTL_S
        self.offset_s: float = 0.0  # added to the wall clock: how tests age keys

    def configure(self, *, ttl_s: float | None = None, offset_s: float | None = None) -> None:
        if ttl_s is not None:
            self.ttl_s = ttl_s
        if offset_s is not None:
            self.offset_s = offset_s

    def reset(self) -> None:
        self.ttl_s, self.offset_s = DEFAULT_TTL_S, 0.0

    def now(self) -> float:
        """The idempotency clock: the store's wall clock moved on by `offset_s`."""
        return self.db.wall() + self.offset_s

    def lookup(self, tenant_id: str, key: str, print_: str) -> StoredResponse | None:
        """The kept answer for `key`, None if new or expired; 409 when it named another request."""
        row = self.db.conn.execute(
            "SELECT * FROM idempotency WHERE tenant_id = ? AND key = ?", (tenant_id, key)
        ).fetchone()
        if row is None:
            return None
        if self.now() - _epoch(row["created_at"]) >= self.ttl_s:
            self.db.conn.execute(
                "DELETE FROM idempotency WHERE tenant_id = ? AND key = ?", (tenant_id, key))
            return None
        if row["fingerprint"] != print_:
            raise IdempotencyKeyReused(
                "Idempotency-Key was already used with a different request (method, URL or body)",
                field="Idempotency-Key")
        return StoredResponse(row["status"], orjson.loads(row["headers"]), bytes(row["body"]))

    def store(self, tenant_id: str, key: str, print_: str, response: StoredResponse) -> None:
        self.db.conn.execute(
            "INSERT OR REPLACE INTO idempotency (tenant_id, key, fingerprint, status, headers,"
            " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tenant_id, key, print_, response.status, orjson.dumps(response.headers).decode(),
             response.body, iso(self.now())))

    def count(self) -> int:
        """How many keys are kept and not expired."""
        now = self.now()
        rows = self.db.conn.execute("SELECT created_at FROM idempotency").fetchall()
        return sum(1 for row in rows if now - _epoch(row["created_at"]) < self.ttl_s)


def _epoch(created_at: str) -> float:
    """A kept `created_at` (ISO 8601, `Z` or an offset) as seconds since the epoch."""
    return datetime.fromisoformat(created_at.replace("Z", "+00:00")).timestamp()
