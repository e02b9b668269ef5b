"""Idempotency keys on POST: the first response is kept and replayed; a different body is 409."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from cxone_outbound.sandbox.database import Database
from cxone_outbound.sandbox.errors import Conflict

MAX_KEY = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class Idempotency:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lookup(self, tenant_id: str, key: str, print_: str) -> StoredResponse | None:
        """The stored response for `key`, None if new; 409 when the key came with another body."""
        row = self.db.conn.execute(
            "SELECT * FROM idempotency WHERE tenant_id = ? AND key = ?", (tenant_id, key)
        ).fetchone()
        if row is None:
            return None
        if row["fingerprint"] != print_:
            raise Conflict("Idempotency-Key was already used with a different request",
                           field="Idempotency-Key", code="IDEMPOTENCY_KEY_REUSED")
        return StoredResponse(row["status"], orjson.loads(row["headers"]), bytes(row["body"]))

    def store(self, tenant_id: str, key: str, print_: str, response: StoredResponse) -> None:
        self.db.conn.execute(
            "INSERT OR REPLACE INTO idempotency (tenant_id, key, fingerprint, status, headers,"
            " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tenant_id, key, print_, response.status, orjson.dumps(response.headers).decode(),
             response.body, self.db.now()))
