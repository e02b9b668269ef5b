"""What the demo asks of the tenant around the jobs: a list, a campaign, suppressions, a hook.

These go through the same clients as the jobs (the public API of the settings' dialect, never
the sandbox's control API), so the demo would set up a real tenant the same way. Creating a
list and a campaign is not part of `OutboundApi` (no job creates them), so that one step speaks
each dialect itself: v2's typed list and campaign, or an Admin API calling list and campaign
(whose skill is the campaign's dialer configuration, same id).
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.outbound import AdminOutboundApi
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.errors import Conflict
from cxone_outbound.client.models import SchemaField
from cxone_outbound.client.transport import new_idempotency_key
from cxone_outbound.config import Settings
from cxone_outbound.demo.workload import LIST_SCHEMA

DEMO_EVENTS = ("import.completed", "contact.enriched", "campaign.preview.activated")
"""Events the demo's listener subscribes to (per-contact events would flood a laptop)."""


@dataclass(frozen=True, slots=True)
class Tenant:
    list_id: str
    campaign_id: str


@dataclass(frozen=True, slots=True)
class Hook:
    id: str
    secret: str


async def create_list_and_campaign(settings: Settings, tag: str) -> Tenant:
    """A fresh contact list (with the demo's attributes) and a preview campaign."""
    if settings.dialect == "admin":
        return await _create_calling_list_and_campaign(settings, tag)
    async with CXoneClient(settings) as client:
        fields = [SchemaField(name=name, type=kind) for name, kind in LIST_SCHEMA]
        contact_list = await client.create_list(f"Spring leads {tag}", fields)
        campaign = await client.create_campaign(
            {"name": f"Spring renewals {tag}", "type": "preview", "maxEnrichmentTimeout": 5000}
        )
        if not campaign.key:
            raise RuntimeError("the API created a campaign without an id")
        return Tenant(contact_list.id, campaign.key)


async def _create_calling_list_and_campaign(settings: Settings, tag: str) -> Tenant:
    """A calling list (attributes are the upload's extra columns: no schema to declare) and an
    Admin API campaign, which on the sandbox brings its previewing Personal Connection skill
    (on a real tenant a campaign is a rollup: its skill is made and linked in CXone)."""
    async with AdminOutboundApi(settings) as api:
        list_id = await api.create_list(f"Spring leads {tag}", [n for n, _ in LIST_SCHEMA])
        response = await api.session.request(
            "POST", "campaigns", "campaigns", idempotency_key=new_idempotency_key(),
            json={"name": f"Spring renewals {tag}", "description": "cxo demo", "isActive": False},
        )
        campaign_id = contract.read(contract.CAMPAIGN_CREATE, response.json())["id"]
        return Tenant(list_id, str(campaign_id))


LIST_COLUMNS = ("contactId", "phone")


async def write_list(settings: Settings, list_id: str, path: Path) -> int:
    """Write (contact id, phone) of every contact of the list, in list order, to the CSV at
    `path` page by page as the pages arrive (a list of a million is never held); how many."""
    count = 0
    async with open_api(settings) as client:
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(LIST_COLUMNS)
            async for page in client.iter_contact_pages(list_id):
                writer.writerows((c.id, c.phone or "") for c in page)
                count += len(page)
    return count


async def suppress(settings: Settings, phones: Iterable[str], concurrency: int = 8) -> int:
    """Suppress `phones` (already suppressed ones are fine); how many were new. `concurrency`
    workers take the phones in turn: no task per phone."""
    pending = iter(phones)
    added = 0

    async def worker(client: OpenedApi) -> None:
        nonlocal added
        for phone in pending:  # one iterator shared by the workers of one event loop
            try:
                await client.create_suppression(phone, reason="customer asked (demo)")
                added += 1
            except Conflict:
                pass

    async with open_api(settings) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return added


async def register_hook(settings: Settings, name: str, url: str) -> Hook:
    """A webhook for `DEMO_EVENTS` to `url`; its signing secret (returned only now)."""
    async with open_api(settings) as client:
        hook = await client.create_webhook(name, url, DEMO_EVENTS, max_retries=2, backoff_ms=200)
    if hook.secret is None:
        raise RuntimeError("the API registered a webhook without returning its secret")
    return Hook(hook.id, hook.secret.get_secret_value())


async def delete_hook(settings: Settings, hook_id: str) -> None:
    async with open_api(settings) as client:
        await client.delete_webhook(hook_id)
