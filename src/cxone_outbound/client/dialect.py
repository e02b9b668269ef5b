"""The one interface the jobs call, whichever API dialect the tenant speaks.

`OutboundApi` is what the jobs use of a client; `Capabilities` is all they may branch on.
`open_api(settings)` picks the implementation by `settings.dialect`:

- `v2`: `V2Api`, the tutorials' surface (API.md) — `CXoneClient` itself, plus its capabilities;
- `admin`: `AdminOutboundApi`, a real tenant's ACD Admin API (CXONE-REAL.md) — calling lists
  uploaded as base64 CSV and polled, updates as re-uploads keyed by external id, DNC groups as
  suppressions, a read-compare-write guard instead of If-Match, and webhook events delivered by
  the tool itself.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cxone_outbound.client.api import CXoneClient
from cxone_outbound.client.auth import AccessToken
from cxone_outbound.client.capabilities import V2_CAPABILITIES, Capabilities
from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import CXoneError
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.models import (
    BatchUpdateResult,
    Campaign,
    CampaignUpdate,
    Contact,
    EnrichmentItem,
    EnrichmentResult,
    ImportJob,
    ListSchema,
    RefreshResult,
    Suppression,
    Webhook,
)
from cxone_outbound.config import Settings

__all__ = ["V2_CAPABILITIES", "Capabilities", "OpenedApi", "OutboundApi", "V2Api", "open_api"]


class OutboundApi(Protocol):
    """The slice of an API client the jobs call (models in `client.models`)."""

    @property
    def capabilities(self) -> Capabilities: ...

    async def fetch_token(self) -> AccessToken: ...

    # lists and contacts
    async def get_list_schema(self, list_id: str) -> ListSchema: ...

    def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        """A whole list, page by page as the caller consumes them (v2: `nextPageUri`; admin: a
        download by `skip`/`top`): memory holds one page, whatever the list's size."""
        ...

    def iter_contacts(self, list_id: str, *, page_size: int = 1000) -> AsyncIterator[Contact]:
        """`iter_contact_pages`, one contact at a time."""
        ...

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> Contact: ...

    async def update_contacts(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]]
    ) -> BatchUpdateResult: ...

    async def delete_contact(self, contact_id: str, *, list_id: str | None = None) -> None:
        """Delete one contact; `list_id` names its list where ids are per list (admin)."""

    async def delete_contacts(
        self, list_id: str, contact_ids: Sequence[str]
    ) -> dict[str, CXoneError | None]:
        """Delete up to `capabilities.max_delete_batch` contacts in one call: per id, None when
        deleted, else its error; a failure of the whole call raises."""

    # bulk import
    async def start_import(
        self,
        body: bytes,
        *,
        list_id: str | None = None,
        gzipped: bool = True,
        idempotency_key: str | None = None,
    ) -> ImportJob: ...

    async def get_import_job(self, job_id: str) -> ImportJob: ...

    # enrichment
    async def get_campaign(self, campaign_id: str) -> Campaign: ...

    async def enrich_contacts(
        self,
        list_id: str,
        contacts: Sequence[EnrichmentItem],
        *,
        idempotency_key: str | None = None,
    ) -> EnrichmentResult: ...

    async def refresh_list(self, list_id: str) -> RefreshResult: ...

    # campaigns and suppressions
    def iter_campaigns(
        self, *, type: str | None = None, status: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Campaign]: ...

    async def update_campaign(
        self, campaign_id: str, body: Mapping[str, Any], *, if_match: str
    ) -> CampaignUpdate: ...

    async def start_skill(self, campaign_id: str) -> str:
        """Start the campaign's skill dialing (admin, `capabilities.skill_start`); its id."""
        ...

    def iter_suppressions(self, *, page_size: int = 1000) -> AsyncIterator[Suppression]: ...

    async def create_suppression(
        self, phone_number: str, *, reason: str = "", expires_at: datetime | None = None
    ) -> Suppression: ...

    # webhooks (admin: registered with the tool, which delivers the events itself)
    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Sequence[str],
        *,
        max_retries: int = 3,
        backoff_ms: int = 1000,
    ) -> Webhook: ...

    async def list_webhooks(self) -> list[Webhook]: ...

    async def delete_webhook(self, webhook_id: str) -> None: ...


class V2Api(CXoneClient):
    """The `v2` dialect: `CXoneClient` as it is (it declares `V2_CAPABILITIES`)."""


class OpenedApi(OutboundApi, AbstractAsyncContextManager["OpenedApi"], Protocol):
    """An `OutboundApi` that is also the async context manager holding its connections."""


def open_api(
    settings: Settings,
    *,
    observer: RequestObserver | None = None,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    scratch: Path | None = None,
) -> OpenedApi:
    """The API client for `settings.dialect`; use as `async with open_api(settings) as api:`.
    `scratch`: where the admin client keeps the lists it downloads while open (a temporary
    folder if None; v2 keeps none)."""
    if settings.dialect == "admin":
        from cxone_outbound.client.admin.outbound import AdminOutboundApi

        return AdminOutboundApi(settings, observer=observer, clock=clock, rng=rng,
                                scratch=scratch)
    return V2Api(settings, observer=observer, clock=clock, rng=rng)
