"""Webhook delivery: signed POSTs of committed events to subscribed URLs, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import aiohttp
import orjson

from cxone_outbound.sandbox.store.database import iso
from cxone_outbound.sandbox.store.webhooks import Webhooks
from cxone_outbound.signing import SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 30.0
TIMEOUT_S = 5.0


class Dispatcher:
    """Turns events into deliveries. `publish` is the store's event sink (sync, never blocks)."""

    def __init__(self, webhooks: Webhooks, wall: Any) -> None:
        self.webhooks = webhooks
        self.wall = wall
        self._has_hooks: dict[str, bool] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def invalidate(self) -> None:
        """Forget which tenants have webhooks (after a webhook is added or removed, or reset)."""
        self._has_hooks.clear()

    def publish(self, tenant_id: str, event: str, data: dict[str, Any]) -> None:
        has = self._has_hooks.get(tenant_id)
        if has is None:
            has = self._has_hooks[tenant_id] = bool(self.webhooks.all(tenant_id))
        if not has or self._session is None:
            return
        event_id = str(uuid.uuid4())
        envelope = {"event": event, "id": event_id, "occurredAt": iso(self.wall()), "data": data}
        body = orjson.dumps(envelope)
        for hook in self.webhooks.subscribers(tenant_id, event):
            task = asyncio.get_running_loop().create_task(
                self._deliver(tenant_id, hook, event_id, event, body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, tenant_id: str, hook: dict[str, Any], event_id: str, event: str,
                       body: bytes) -> None:
        policy = hook["retryPolicy"]
        attempts = 1 + int(policy["maxRetries"])
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(hook["secret"], body),
            "X-CXone-Event": event,
            "X-CXone-Delivery": event_id,
            "User-Agent": "cxone-sandbox-webhooks",
        }
        assert self._session is not None
        for attempt in range(1, attempts + 1):
            status: int | None = None
            error: str | None = None
            try:
                async with self._session.post(hook["url"], data=body,
                                              headers=headers | {"X-CXone-Attempt": str(attempt)}
                                              ) as resp:
                    status = resp.status
                    await resp.read()
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            delivered = status is not None and 200 <= status < 300
            if error is None and not delivered:
                error = f"HTTP {status}"
            self.webhooks.record_delivery(webhook_id=hook["id"], tenant_id=tenant_id,
                                          event_id=event_id, event=event, attempt=attempt,
                                          status=status, error=error, delivered=delivered,
                                          body=body)
            if delivered:
                return
            if attempt < attempts:
                delay = min(MAX_BACKOFF_S, policy["backoffMs"] / 1000 * 2 ** (attempt - 1))
                await asyncio.sleep(delay)
        log.info("webhook %s gave up on %s after %d attempts", hook["id"], event_id, attempts)
