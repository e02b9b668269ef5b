"""Webhook events on a real tenant: registered with the tool, delivered by the tool.

The Admin API has no webhooks for lists, DNC groups or skills, so where the tutorials register
one, the tool keeps the registration (a JSON file in the user data directory, mode 0600: it
holds signing secrets) and, after each change it makes, POSTs the event the server would have
sent: `{"event", "id", "occurredAt", "data"}`, signed as in API.md §7 (`X-CXone-Signature`),
retried per the registration's policy. A delivery that fails is logged, never a failed record.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import platformdirs

from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import NotFound
from cxone_outbound.client.models import Webhook
from cxone_outbound.signing import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)


def default_registry_path() -> Path:
    return Path(platformdirs.user_data_dir("cxone-outbound")) / "admin-webhooks.json"


class LocalWebhooks:
    """Webhook registrations kept by the tool, per API host (`scope`)."""

    def __init__(self, scope: str, path: Path | None = None) -> None:
        self.scope = scope
        self.path = path or default_registry_path()

    def _load(self) -> dict[str, list[dict[str, Any]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, list[dict[str, Any]]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        tmp.replace(self.path)

    def entries(self) -> list[dict[str, Any]]:
        return list(self._load().get(self.scope, []))

    def list(self) -> list[Webhook]:
        """The registrations, without their secrets (as a server lists them)."""
        return [
            Webhook.model_validate({k: v for k, v in e.items() if k != "secret"})
            for e in self.entries()
        ]

    def create(
        self, name: str, url: str, events: Sequence[str], *, max_retries: int, backoff_ms: int
    ) -> Webhook:
        entry = {
            "id": str(uuid.uuid4()),
            "name": name,
            "url": url,
            "events": list(events),
            "retryPolicy": {"maxRetries": max_retries, "backoffMs": backoff_ms},
            "secret": secrets.token_hex(32),
        }
        data = self._load()
        data.setdefault(self.scope, []).append(entry)
        self._save(data)
        return Webhook.model_validate(entry)  # the secret, this once

    def delete(self, webhook_id: str) -> None:
        data = self._load()
        kept = [e for e in data.get(self.scope, []) if e.get("id") != webhook_id]
        if len(kept) == len(data.get(self.scope, [])):
            raise NotFound(f"no webhook {webhook_id} registered with the tool", status=404)
        data[self.scope] = kept
        self._save(data)


class EventDelivery:
    """Sends events to the registrations subscribed to them; owns its own HTTP session."""

    def __init__(self, hooks: LocalWebhooks, clock: Clock) -> None:
        self.hooks = hooks
        self.clock = clock
        self._session: aiohttp.ClientSession | None = None
        self.delivered: list[tuple[str, int | None]] = []  # (event, final status)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        subscribed = [e for e in self.hooks.entries() if event in e.get("events", [])]
        if not subscribed:
            return
        event_id = str(uuid.uuid4())
        envelope = {
            "event": event,
            "id": event_id,
            "occurredAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "data": data,
        }
        body = orjson.dumps(envelope)
        for hook in subscribed:
            status = await self._deliver(hook, event, event_id, body)
            self.delivered.append((event, status))

    async def _deliver(
        self, hook: dict[str, Any], event: str, event_id: str, body: bytes
    ) -> int | None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        policy = hook.get("retryPolicy") or {}
        attempts = 1 + int(policy.get("maxRetries", 3))
        backoff_s = int(policy.get("backoffMs", 1000)) / 1000
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(str(hook["secret"]), body),
            "X-CXone-Event": event,
            "X-CXone-Delivery": event_id,
            "User-Agent": "cxone-outbound-self-delivery",
        }
        status: int | None = None
        for attempt in range(1, attempts + 1):
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._session.post(
                    hook["url"], data=body, headers={**headers, "X-CXone-Attempt": str(attempt)}
                ) as response:
                    status = response.status
                    if status < 300:
                        return status
            if attempt < attempts:
                await self.clock.sleep(backoff_s * 2 ** (attempt - 1))
        log.warning("event %s to webhook %s not delivered (last status %s)",
                    event, hook.get("id"), status)
        return status
