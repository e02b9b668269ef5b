"""Upsert a webhook by name: the one registration a job needs, without piling up duplicates.

The API has no update for webhooks, so a registration whose URL or events differ is replaced
(deleted, then created). A webhook's signing secret is returned only when it is created: a
kept registration comes back with `secret=None`; pass `recreate=True` when the caller needs a
secret it has lost (the old registration is removed and a new secret issued).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cxone_outbound.client.errors import NotFound
from cxone_outbound.client.models import Webhook


class WebhookApi(Protocol):
    """The slice of `CXoneClient` this module uses."""

    async def list_webhooks(self) -> list[Webhook]: ...

    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Sequence[str],
        *,
        max_retries: int = 3,
        backoff_ms: int = 1000,
    ) -> Webhook: ...

    async def delete_webhook(self, webhook_id: str) -> None: ...


def webhook_url(webhook: Webhook) -> str | None:
    """The target URL in either registration shape (`url`, or the seed's `uri`)."""
    extra = webhook.model_extra or {}
    uri = extra.get("uri")
    return webhook.url or (uri if isinstance(uri, str) else None)


def webhook_events(webhook: Webhook) -> frozenset[str]:
    """The subscribed events in either shape (`events`, or the seed's `eventFilter`)."""
    if webhook.events:
        return frozenset(webhook.events)
    extra = webhook.model_extra or {}
    event_filter = extra.get("eventFilter")
    if isinstance(event_filter, str):
        return frozenset(e.strip() for e in event_filter.split(",") if e.strip())
    if isinstance(event_filter, list):
        return frozenset(str(e) for e in event_filter)
    return frozenset()


@dataclass(frozen=True, slots=True)
class WebhookPlan:
    """What `ensure_webhook` will do: keep one registration, delete others, maybe create."""

    keep: Webhook | None
    delete: tuple[Webhook, ...]

    @property
    def create(self) -> bool:
        return self.keep is None


def plan_webhook(
    existing: Sequence[Webhook], name: str, url: str, events: Sequence[str], *, recreate: bool
) -> WebhookPlan:
    """Pure: which registrations named `name` to keep or delete."""
    wanted = frozenset(events)
    same_name = [w for w in existing if w.name == name]
    keep = None
    if not recreate:
        keep = next(
            (w for w in same_name if webhook_url(w) == url and webhook_events(w) == wanted), None
        )
    return WebhookPlan(keep, tuple(w for w in same_name if w is not keep))


async def ensure_webhook(
    client: WebhookApi,
    name: str,
    url: str,
    events: Sequence[str],
    *,
    recreate: bool = False,
    max_retries: int = 3,
    backoff_ms: int = 1000,
) -> Webhook:
    """The one webhook named `name` delivering `events` to `url`, created if needed.

    Other registrations with the same name are removed, so repeated runs never multiply
    deliveries. `.secret` is set only when the webhook was created by this call.
    """
    if not name or not url or not events:
        raise ValueError("a webhook needs a name, a URL and at least one event")
    plan = plan_webhook(await client.list_webhooks(), name, url, events, recreate=recreate)
    for stale in plan.delete:
        with contextlib.suppress(NotFound):  # removed meanwhile: the outcome we wanted
            await client.delete_webhook(stale.id)
    if plan.keep is not None:
        return plan.keep
    return await client.create_webhook(
        name, url, list(events), max_retries=max_retries, backoff_ms=backoff_ms
    )
