"""What an enrichment run checks and arranges before the engine sends anything.

Before: read the campaign (its timeout budget sets the batch size), read the list's schema and
validate the mapping against it and against the CSV header, and upsert the webhook by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.client.dialect import OutboundApi
from cxone_outbound.client.models import Webhook
from cxone_outbound.jobs.enrich.budget import (
    DEFAULT_MAX_BATCH,
    DEFAULT_MS_PER_CONTACT,
    safe_batch_size,
)
from cxone_outbound.jobs.enrich.mapping import (
    EnrichmentMapping,
    check_header,
    validate_against_schema,
)
from cxone_outbound.webhooks.registration import ensure_webhook

WEBHOOK_EVENTS = ("contact.enriched",)


def webhook_name(list_id: str) -> str:
    """The name the enrichment webhook of a list is registered (and found again) under."""
    return f"cxo-enrich-{list_id}"


@dataclass(frozen=True)
class EnrichmentPlan:
    """What the checks decided: the batch size and why, and the webhook if one was asked for."""

    batch_size: int
    max_enrichment_timeout_ms: int | None
    ms_per_contact: float
    webhook: Webhook | None = None
    webhook_created: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "batchSize": self.batch_size,
            "maxEnrichmentTimeoutMs": self.max_enrichment_timeout_ms,
            "msPerContact": self.ms_per_contact,
            "webhook": None
            if self.webhook is None
            else {
                "id": self.webhook.id,
                "name": self.webhook.name,
                "created": self.webhook_created,
            },
        }


async def plan_enrichment(
    client: OutboundApi,
    *,
    list_id: str,
    campaign_id: str,
    mapping: EnrichmentMapping,
    header: Sequence[str],
    webhook_url: str | None = None,
    ms_per_contact: float = DEFAULT_MS_PER_CONTACT,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> EnrichmentPlan:
    """Check everything that can be checked before sending; raises `MappingError` or API errors.

    The webhook is registered last, so a mapping error never leaves a registration behind.
    """
    check_header(mapping, header)
    campaign = await client.get_campaign(campaign_id)
    if client.capabilities.list_schema:  # else the server checks each value (admin uploads)
        schema = await client.get_list_schema(list_id)
        validate_against_schema(mapping, schema.model_dump(mode="json"))
    size = safe_batch_size(
        campaign.max_enrichment_timeout, ms_per_contact=ms_per_contact, max_batch=max_batch
    )
    webhook: Webhook | None = None
    created = False
    if webhook_url is not None:
        webhook, created = await _upsert_webhook(client, webhook_name(list_id), webhook_url)
    return EnrichmentPlan(
        batch_size=size,
        max_enrichment_timeout_ms=campaign.max_enrichment_timeout,
        ms_per_contact=ms_per_contact,
        webhook=webhook,
        webhook_created=created,
    )


async def _upsert_webhook(client: OutboundApi, name: str, url: str) -> tuple[Webhook, bool]:
    webhook = await ensure_webhook(client, name, url, list(WEBHOOK_EVENTS))
    return webhook, webhook.secret is not None  # a secret comes back only on creation
