"""Upserting a webhook by name: one registration per name, secrets only when created."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from pydantic import SecretStr

from cxone_outbound.client.errors import NotFound
from cxone_outbound.client.models import Webhook
from cxone_outbound.webhooks.registration import ensure_webhook, webhook_events, webhook_url

EVENTS = ["campaign.preview.activated"]


class InMemoryWebhooks:
    """The webhook endpoints' behaviour, kept in a dict (the sandbox tests cover HTTP)."""

    def __init__(self, *existing: Webhook) -> None:
        self.hooks = {hook.id: hook for hook in existing}
        self.ids = itertools.count(1)
        self.deleted: list[str] = []

    async def list_webhooks(self) -> list[Webhook]:
        return list(self.hooks.values())

    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Sequence[str],
        *,
        max_retries: int = 3,
        backoff_ms: int = 1000,
    ) -> Webhook:
        hook_id = f"w-{next(self.ids)}"
        self.hooks[hook_id] = Webhook(id=hook_id, name=name, url=url, events=list(events))
        return self.hooks[hook_id].model_copy(update={"secret": SecretStr(f"secret-{hook_id}")})

    async def delete_webhook(self, webhook_id: str) -> None:
        if self.hooks.pop(webhook_id, None) is None:
            raise NotFound("gone", status=404)
        self.deleted.append(webhook_id)


async def test_a_missing_webhook_is_created_and_its_secret_returned() -> None:
    api = InMemoryWebhooks()
    hook = await ensure_webhook(api, "preview", "http://127.0.0.1:9/h", EVENTS)
    assert hook.secret is not None and hook.secret.get_secret_value() == "secret-w-1"
    assert list(api.hooks) == ["w-1"]


async def test_a_matching_webhook_is_kept_as_it_is() -> None:
    api = InMemoryWebhooks(Webhook(id="old", name="preview", url="http://h/", events=EVENTS))
    hook = await ensure_webhook(api, "preview", "http://h/", EVENTS)
    assert hook.id == "old" and hook.secret is None
    assert api.deleted == []


async def test_a_webhook_pointing_elsewhere_is_replaced() -> None:
    api = InMemoryWebhooks(Webhook(id="old", name="preview", url="http://a/", events=EVENTS))
    hook = await ensure_webhook(api, "preview", "http://b/", EVENTS)
    assert api.deleted == ["old"] and list(api.hooks) == [hook.id]
    assert hook.url == "http://b/"


async def test_duplicates_of_the_name_are_removed() -> None:
    api = InMemoryWebhooks(
        Webhook(id="a", name="preview", url="http://h/", events=EVENTS),
        Webhook(id="b", name="preview", url="http://h/", events=EVENTS),
        Webhook(id="other", name="enrich", url="http://h/", events=EVENTS),
    )
    hook = await ensure_webhook(api, "preview", "http://h/", EVENTS)
    assert hook.id == "a" and sorted(api.hooks) == ["a", "other"]


async def test_recreate_issues_a_fresh_secret() -> None:
    api = InMemoryWebhooks(Webhook(id="old", name="preview", url="http://h/", events=EVENTS))
    hook = await ensure_webhook(api, "preview", "http://h/", EVENTS, recreate=True)
    assert hook.id != "old" and hook.secret is not None


def test_the_seed_registration_shape_is_understood() -> None:
    hook = Webhook.model_validate(
        {"id": "x", "name": "n", "uri": "http://h/", "eventFilter": "a.b, c.d"}
    )
    assert webhook_url(hook) == "http://h/"
    assert webhook_events(hook) == {"a.b", "c.d"}


async def test_a_webhook_without_events_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        await ensure_webhook(InMemoryWebhooks(), "preview", "http://h/", [])
