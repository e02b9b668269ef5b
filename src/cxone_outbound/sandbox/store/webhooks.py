"""Webhook registrations (both tutorial shapes) and the record of every delivery attempt."""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any
from urllib.parse import urlsplit

import orjson

from cxone_outbound.sandbox.errors import NotFound, ValidationFailed
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.validation import check_int, reject_unknown, require_object

EVENTS = ("contact.enriched", "contact.updated", "contact.deleted", "import.completed",
          "campaign.preview.activated")
FIELDS = frozenset({"name", "url", "uri", "events", "eventFilter", "retryPolicy", "method",
                    "enabled"})


def _events(payload: dict[str, Any]) -> list[str]:
    raw = payload.get("events", payload.get("eventFilter"))
    if isinstance(raw, str):
        raw = [e.strip() for e in raw.replace(" ", ",").split(",") if e.strip()]
    if not isinstance(raw, list) or not raw or not all(isinstance(e, str) for e in raw):
        raise ValidationFailed("events must be a non-empty array of event names", field="events",
                               code="INVALID_VALUE")
    for event in raw:
        if event not in EVENTS and event != "*":
            raise ValidationFailed(f"unknown event {event}; known: {', '.join(EVENTS)}",
                                   field="events", code="UNKNOWN_EVENT")
    return list(dict.fromkeys(raw))


def _url(payload: dict[str, Any]) -> str:
    url = payload.get("url", payload.get("uri"))
    if not isinstance(url, str) or len(url) > 2048:
        raise ValidationFailed("url must be an http(s) URL", field="url", code="INVALID_VALUE")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url must be an http(s) URL", field="url", code="INVALID_VALUE")
    return url


class Webhooks:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _render(row: sqlite3.Row) -> dict[str, Any]:
        events = orjson.loads(row["events"])
        return {"id": row["id"], "name": row["name"], "url": row["url"], "uri": row["url"],
                "events": events, "eventFilter": ",".join(events), "method": row["method"],
                "enabled": bool(row["enabled"]),
                "retryPolicy": {"maxRetries": row["max_retries"], "backoffMs": row["backoff_ms"]},
                "createdAt": row["created_at"]}

    def create(self, tenant_id: str, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, FIELDS)
        name = payload.get("name", "webhook")
        if not isinstance(name, str) or not name.strip() or len(name) > 256:
            raise ValidationFailed("name must be a non-empty string", field="name",
                                   code="INVALID_VALUE")
        url = _url(payload)
        events = _events(payload)
        method = payload.get("method", "POST")
        if method != "POST":
            raise ValidationFailed("method must be POST", field="method", code="INVALID_VALUE")
        enabled = payload.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValidationFailed("enabled must be a boolean", field="enabled",
                                   code="INVALID_TYPE")
        policy = payload.get("retryPolicy") or {}
        if not isinstance(policy, dict):
            raise ValidationFailed("retryPolicy must be an object", field="retryPolicy",
                                   code="INVALID_TYPE")
        reject_unknown(policy, {"maxRetries", "backoffMs"}, "retryPolicy")
        max_retries = check_int(policy.get("maxRetries", 3), "retryPolicy.maxRetries",
                                low=0, high=10)
        backoff_ms = check_int(policy.get("backoffMs", 1000), "retryPolicy.backoffMs",
                               low=0, high=60_000)
        hook_id = self.db.new_id()
        secret = secrets.token_hex(24)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO webhooks (id, tenant_id, name, url, events, method, enabled,"
                " max_retries, backoff_ms, secret, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (hook_id, tenant_id, name, url, orjson.dumps(events).decode(), method,
                 int(enabled), max_retries, backoff_ms, secret, self.db.now()))
        return self.get(tenant_id, hook_id) | {"secret": secret}

    def get(self, tenant_id: str, hook_id: str) -> dict[str, Any]:
        row = self.db.conn.execute("SELECT * FROM webhooks WHERE id = ? AND tenant_id = ?",
                                   (hook_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"webhook {hook_id} not found", field="webhookId")
        return self._render(row)

    def all(self, tenant_id: str) -> list[dict[str, Any]]:
        return [self._render(r) for r in self.db.conn.execute(
            "SELECT * FROM webhooks WHERE tenant_id = ? ORDER BY seq", (tenant_id,))]

    def delete(self, tenant_id: str, hook_id: str) -> None:
        self.get(tenant_id, hook_id)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM webhooks WHERE id = ?", (hook_id,))

    def subscribers(self, tenant_id: str, event: str) -> list[dict[str, Any]]:
        """Enabled webhooks of the tenant that want `event`, with their secrets."""
        out = []
        for row in self.db.conn.execute(
                "SELECT * FROM webhooks WHERE tenant_id = ? AND enabled = 1", (tenant_id,)):
            events = orjson.loads(row["events"])
            if event in events or "*" in events:
                out.append(self._render(row) | {"secret": row["secret"]})
        return out

    def record_delivery(self, *, webhook_id: str, tenant_id: str, event_id: str, event: str,
                        attempt: int, status: int | None, error: str | None, delivered: bool,
                        body: bytes) -> None:
        self.db.conn.execute(
            "INSERT INTO deliveries (webhook_id, tenant_id, event_id, event, attempt, status,"
            " error, delivered, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (webhook_id, tenant_id, event_id, event, attempt, status, error, int(delivered),
             self.db.now(), body.decode()))

    def deliveries(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        if webhook_id is None:
            cur = self.db.conn.execute("SELECT * FROM deliveries ORDER BY seq")
        else:
            cur = self.db.conn.execute("SELECT * FROM deliveries WHERE webhook_id = ? ORDER BY seq",
                                       (webhook_id,))
        return [{"webhookId": r["webhook_id"], "eventId": r["event_id"], "event": r["event"],
                 "attempt": r["attempt"], "status": r["status"], "error": r["error"],
                 "delivered": bool(r["delivered"]), "at": r["at"],
                 "body": orjson.loads(r["body"])} for r in cur]
