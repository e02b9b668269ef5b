"""AdminOutboundApi: the jobs' interface (`client.dialect.OutboundApi`) on the ACD Admin API.

How each call maps (CXONE-REAL.md; what is unconfirmed is said in docs/real-tenant.md), one
module a resource:

- `downloads`: contacts are calling-list records keyed by external id (the jobs' contact id); a
  list is downloaded with `GET /lists/call-lists/{id}?includeRecords=true` paged by
  `skip`/`top`, and kept on disk (`store`), never whole in memory;
- `uploads`: an import is a base64 CSV `POST /lists/call-lists/{id}/upload`, polled at
  `GET /lists/call-lists/jobs/{jobId}` and verified by reading the list back;
- `updates`: an update or enrichment is a re-upload of the changed records (merged onto the
  record as downloaded) in files within the 256 MB / 500k limits;
- `removals`: a delete is `DELETE /lists/call-lists/{id}/removeProspects`; per-record failures
  inside a 200 become failed records;
- here: suppressions are the records of every DNC group (`admin.dnc`); campaigns are read from
  `/campaigns/{id}`, its skill and the skill's parameters, and written to the skill under a
  read-compare-write guard (`admin.campaigns`): the "ETag" is a digest of the campaign as read,
  and a write first re-reads and refuses (412, `PreconditionFailed`) if the digest moved — no
  If-Match is documented; webhooks are kept and delivered by the tool (`admin.events`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from cxone_outbound.client.admin.campaigns import AdminCampaigns
from cxone_outbound.client.admin.dnc import AdminDnc
from cxone_outbound.client.admin.events import LocalWebhooks
from cxone_outbound.client.admin.outbound.removals import AdminRemovals
from cxone_outbound.client.admin.outbound.updates import AdminUpdates
from cxone_outbound.client.errors import CXoneError
from cxone_outbound.client.models import Campaign, CampaignUpdate, Suppression, Webhook


class AdminOutboundApi(AdminUpdates, AdminRemovals):
    """The `admin` dialect behind `OutboundApi`. `async with AdminOutboundApi(settings) as api:`."""

    _campaign_map: AdminCampaigns | None = None
    _dnc_calls: AdminDnc | None = None

    # -- campaigns (the mapping is admin.campaigns) -----------------------------------------
    def _campaigns(self) -> AdminCampaigns:
        if self._campaign_map is None:
            self._campaign_map = AdminCampaigns(self._json, self._emit)
        return self._campaign_map

    async def get_campaign(self, campaign_id: str) -> Campaign:
        """The campaign, its skill and skill parameters as one v2 campaign; `.etag` a digest."""
        return await self._campaigns().get(campaign_id)

    def iter_campaigns(
        self, *, type: str | None = None, status: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Campaign]:
        return self._campaigns().iter(type=type, status=status, page_size=page_size)

    async def update_campaign(
        self, campaign_id: str, body: Mapping[str, Any], *, if_match: str
    ) -> CampaignUpdate:
        """Read, compare with the digest the caller read (stale: 412), write what changed."""
        return await self._campaigns().update(campaign_id, body, if_match=if_match)

    async def start_skill(self, campaign_id: str) -> str:
        """Start the campaign's skill dialing; only ever on the user's explicit request."""
        return await self._campaigns().start_skill(campaign_id)

    # -- suppressions (DNC groups: admin.dnc) ---------------------------------------------
    def _dnc(self) -> AdminDnc:
        if self._dnc_calls is None:
            self._dnc_calls = AdminDnc(self._json)
        return self._dnc_calls

    def iter_suppressions(self, *, page_size: int = 100) -> AsyncIterator[Suppression]:
        return self._dnc().iter_suppressions(page_size=page_size)

    async def create_suppression(
        self, phone_number: str, *, reason: str = "", expires_at: datetime | None = None
    ) -> Suppression:
        return await self._dnc().create_suppression(phone_number, reason=reason,
                                                    expires_at=expires_at)

    # -- webhooks (kept and delivered by the tool) -----------------------------------------
    def _hooks(self) -> LocalWebhooks:
        if self._webhooks is None:
            raise CXoneError("the admin API client is not open")
        return self._webhooks

    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Sequence[str],
        *,
        max_retries: int = 3,
        backoff_ms: int = 1000,
    ) -> Webhook:
        return self._hooks().create(name, url, events, max_retries=max_retries,
                                    backoff_ms=backoff_ms)

    async def list_webhooks(self) -> list[Webhook]:
        return self._hooks().list()

    async def delete_webhook(self, webhook_id: str) -> None:
        self._hooks().delete(webhook_id)
