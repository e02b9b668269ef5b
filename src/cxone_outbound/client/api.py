"""CXoneClient: a typed async method per endpoint of API.md, over one shared transport.

Every POST the client makes carries an `Idempotency-Key` (the contract's extension: a repeat
with the same key applies nothing again), so every call here is safe to retry; callers that
must survive a restart name their operation (a batch of a run: the journal keeps both), and
the key sent is that name bound to the tenant, method, path and query (`client.idempotency`).
`request` is the escape hatch: the same retries, limiter, auth and events, but a POST is
retried only with a key (sent as given).
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from cxone_outbound.client.auth import AccessToken, TokenProvider
from cxone_outbound.client.capabilities import V2_CAPABILITIES, Capabilities
from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import (
    AuthError,
    ConfigurationError,
    CXoneError,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
)
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.idempotency import scoped_key
from cxone_outbound.client.models import (
    BatchUpdateResult,
    Campaign,
    CampaignUpdate,
    Contact,
    ContactList,
    EnrichmentItem,
    EnrichmentResult,
    ImportJob,
    ListSchema,
    RefreshResult,
    SchemaField,
    Suppression,
    Webhook,
)
from cxone_outbound.client.transport import Response, Transport, new_idempotency_key
from cxone_outbound.config import Settings
from cxone_outbound.lifecycle import AsyncResource

MAX_BATCH_UPDATE = 100  # API.md §3: more is 413
MAX_PAGE_SIZE = 1000

M = TypeVar("M", bound=BaseModel)


_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+").fullmatch  # unreserved characters only


def seg(value: str) -> str:
    """One path segment: ids are opaque, so nothing in them may change the path. An id of
    unreserved characters alone (most are) is its own encoding; `.` and `..` are escaped, or
    the URL would be normalised to another resource."""
    value = str(value)
    if value in (".", ".."):
        return "%2E" * len(value)
    if _PLAIN_SEGMENT(value):
        return value
    return quote(value, safe="")



def _if_match(value: str) -> str:
    """An entity tag for If-Match: a bare version is quoted, a tag is sent as given."""
    value = value.strip()
    if value.startswith(('"', 'W/"')) or value == "*":
        return value
    return f'"{value}"'


class CXoneClient(AsyncResource):
    """The API client: one pooled session, token provider, adaptive limiter and retry quota,
    shared by every worker of a run. Use as `async with CXoneClient(settings) as client:`."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        observer: RequestObserver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.transport = Transport(self.settings, observer=observer, clock=clock, rng=rng)

    async def open(self) -> None:
        await self.transport.open()

    async def close(self) -> None:
        await self.transport.close()

    @property
    def capabilities(self) -> Capabilities:
        """The v2 dialect's (see `client.dialect`)."""
        return V2_CAPABILITIES

    @property
    def token_provider(self) -> TokenProvider:
        return self.transport.auth

    async def fetch_token(self) -> AccessToken:
        """A fresh token from the token endpoint (for `cxo auth check`); cached for later calls."""
        return await self.transport.auth.refresh()

    # -- plumbing --------------------------------------------------------------------------
    async def request(self, method: str, path: str, **kw: Any) -> Response:
        """Any call (path relative to the base URL); see `Transport.request` for the keywords."""
        return await self.transport.request(method, path, **kw)

    async def _call(self, model: type[M], method: str, path: str, **kw: Any) -> tuple[M, Response]:
        if kw.get("idempotency_key") is not None:
            kw["idempotency_key"] = self._scoped_key(
                kw["idempotency_key"], method, path, kw.get("params")
            )
        response = await self.transport.request(method, path, **kw)
        return _parse(model, response, f"{method} {path}"), response

    def _scoped_key(
        self, operation: str, method: str, path: str, params: Mapping[str, Any] | None
    ) -> str:
        """The key sent for `operation`: bound to this tenant, dialect, method, path and query."""
        settings = self.settings
        tenant = " ".join((settings.base_url.rstrip("/"), settings.client_id,
                           settings.tenant_id or ""))
        return scoped_key(operation, tenant=tenant, dialect="v2", method=method, path=path,
                          params=params)

    async def _post(
        self, model: type[M], path: str, body: Any, *, idempotency_key: str | None = None
    ) -> M:
        key = idempotency_key or new_idempotency_key()
        parsed, _ = await self._call(model, "POST", path, json=body, idempotency_key=key)
        return parsed

    async def _pages(
        self, path: str, params: Mapping[str, str | int], key: str
    ) -> AsyncIterator[list[Any]]:
        """Raw items of each page, following `nextPageUri` until it is absent or empty."""
        response = await self.transport.request("GET", path, params=params)
        seen: set[str] = set()
        while True:
            body = response.json()
            if not isinstance(body, Mapping):
                raise CXoneError(f"GET {path}: expected a JSON object page", body=body)
            items = body.get(key) or []
            if not isinstance(items, list):
                raise CXoneError(f"GET {path}: {key!r} is not a list", body=body)
            yield items
            next_uri = body.get("nextPageUri")
            if not next_uri:
                return
            if next_uri in seen:
                raise CXoneError(f"GET {path}: the server repeated page {next_uri!r}")
            seen.add(next_uri)
            response = await self.transport.request("GET", str(next_uri))

    # -- lists and contacts ----------------------------------------------------------------
    async def create_list(self, name: str, fields: Sequence[SchemaField] = ()) -> ContactList:
        body = {"name": name, "schema": {"fields": [f.model_dump() for f in fields]}}
        return await self._post(ContactList, "/api/v2/contacts/lists", body)

    async def get_list_schema(self, list_id: str) -> ListSchema:
        parsed, _ = await self._call(
            ListSchema, "GET", f"/api/v2/contacts/lists/{seg(list_id)}/schema"
        )
        return parsed

    async def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        """Each page of a list's contacts, in server order."""
        path = f"/api/v2/campaigns/contactlists/{seg(list_id)}"
        params = {"limit": max(1, min(page_size, MAX_PAGE_SIZE))}
        async for items in self._pages(path, params, "contacts"):
            yield [_parse_item(Contact, item, path) for item in items]

    async def iter_contacts(self, list_id: str, *, page_size: int = 1000) -> AsyncIterator[Contact]:
        """Every contact of a list, fetching page after page as they are consumed."""
        async for page in self.iter_contact_pages(list_id, page_size=page_size):
            for contact in page:
                yield contact

    async def get_contact(self, contact_id: str) -> Contact:
        parsed, _ = await self._call(Contact, "GET", f"/api/v2/contacts/{seg(contact_id)}")
        return parsed

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> Contact:
        """PATCH one contact (`list_id` is for dialects whose ids are per list; unused here)."""
        path = f"/api/v2/contacts/{seg(contact_id)}"  # no key to scope: `_call`'s work is this
        response = await self.transport.request("PATCH", path, json=dict(changes))
        return _parse(Contact, response, f"PATCH {path}")

    async def update_contacts(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]]
    ) -> BatchUpdateResult:
        """Batch PATCH of at most 100 contacts (each with its `id`)."""
        if len(contacts) > MAX_BATCH_UPDATE:
            raise ValueError(
                f"update_contacts takes at most {MAX_BATCH_UPDATE} contacts, got {len(contacts)}"
            )
        parsed, _ = await self._call(
            BatchUpdateResult,
            "PATCH",
            f"/api/v2/campaigns/contactlists/{seg(list_id)}/contacts",
            json={"contacts": [dict(c) for c in contacts]},
        )
        return parsed

    async def delete_contact(self, contact_id: str, *, list_id: str | None = None) -> None:
        await self.transport.request("DELETE", f"/api/v2/campaigns/contacts/{seg(contact_id)}")

    async def delete_contacts(
        self, list_id: str, contact_ids: Sequence[str]
    ) -> dict[str, CXoneError | None]:
        """One DELETE per id (v2 has no batch delete: `max_delete_batch` is 1): per id, None or
        its 4xx error; a 5xx or a dropped connection raises, ending the batch there."""
        results: dict[str, CXoneError | None] = {}
        for contact_id in contact_ids:
            try:
                await self.delete_contact(contact_id, list_id=list_id)
                results[contact_id] = None
            except (ServerError, TransportError, RateLimited, AuthError, PermissionDenied):
                raise
            except CXoneError as exc:
                results[contact_id] = exc
        return results

    # -- bulk import -----------------------------------------------------------------------
    async def start_import(
        self,
        body: bytes,
        *,
        list_id: str | None = None,
        gzipped: bool = True,
        idempotency_key: str | None = None,
    ) -> ImportJob:
        """Upload a CSV (gzip by default) as an import job; rows land asynchronously."""
        headers = {"Content-Type": "text/csv"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        parsed, _ = await self._call(
            ImportJob,
            "POST",
            "/api/v2/contacts/import",
            params={"contactListId": list_id} if list_id else None,
            content=body,
            headers=headers,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )
        return parsed

    async def get_import_job(self, job_id: str) -> ImportJob:
        parsed, _ = await self._call(ImportJob, "GET", f"/api/v2/contacts/import/{seg(job_id)}")
        return parsed

    # -- enrichment ------------------------------------------------------------------------
    async def get_campaign(self, campaign_id: str) -> Campaign:
        """A campaign, with `.etag` from the ETag header (what `update_campaign` sends back)."""
        parsed, response = await self._call(
            Campaign, "GET", f"/api/v2/outbound/campaigns/{seg(campaign_id)}"
        )
        parsed.etag = response.etag or (f'"{parsed.version}"' if parsed.version else None)
        return parsed

    async def enrich_contacts(
        self,
        list_id: str,
        contacts: Sequence[EnrichmentItem],
        *,
        idempotency_key: str | None = None,
    ) -> EnrichmentResult:
        """Set attributes on contacts of a list, atomically (all or nothing)."""
        body = {
            "contactListId": list_id,
            "contacts": [c.model_dump(include={"contact_id", "attributes"}) for c in contacts],
        }
        return await self._post(
            EnrichmentResult,
            f"/api/v2/contacts/lists/{seg(list_id)}/contacts",
            body,
            idempotency_key=idempotency_key,
        )

    async def refresh_list(self, list_id: str) -> RefreshResult:
        return await self._post(
            RefreshResult, f"/api/v2/contacts/lists/{seg(list_id)}/actions/refresh", {}
        )

    # -- campaigns and suppressions --------------------------------------------------------
    async def iter_campaigns(
        self, *, type: str | None = None, status: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Campaign]:
        params: dict[str, str | int] = {"limit": max(1, min(page_size, MAX_PAGE_SIZE))}
        if type:
            params["type"] = type
        if status:
            params["status"] = status
        path = "/api/v2/outbound/campaigns"
        async for items in self._pages(path, params, "entity"):
            for item in items:
                yield _parse_item(Campaign, item, path)

    async def create_campaign(self, body: Mapping[str, Any]) -> Campaign:
        return await self._post(Campaign, "/api/v2/outbound/campaigns", dict(body))

    async def update_campaign(
        self, campaign_id: str, body: Mapping[str, Any], *, if_match: str
    ) -> CampaignUpdate:
        """PUT a campaign's configuration if it is still at version `if_match` (an ETag or a
        bare version); a stale one raises PreconditionFailed with `.current_version`."""
        parsed, response = await self._call(
            CampaignUpdate,
            "PUT",
            f"/api/v2/outbound/campaigns/{seg(campaign_id)}",
            json=dict(body),
            headers={"If-Match": _if_match(if_match)},
        )
        parsed.etag = response.etag
        return parsed

    async def start_skill(self, campaign_id: str) -> str:
        """v2 has no skill to start: an active campaign dials (`capabilities.skill_start`)."""
        raise ConfigurationError(
            f"campaign {campaign_id}: starting a skill is an admin-dialect call; on v2 an "
            "active campaign dials"
        )

    async def iter_suppressions(self, *, page_size: int = 1000) -> AsyncIterator[Suppression]:
        path = "/api/v2/outbound/suppressions"
        params = {"limit": max(1, min(page_size, MAX_PAGE_SIZE))}
        async for items in self._pages(path, params, "entity"):
            for item in items:
                yield _parse_item(Suppression, item, path)

    async def create_suppression(
        self, phone_number: str, *, reason: str = "", expires_at: datetime | None = None
    ) -> Suppression:
        body: dict[str, Any] = {"phoneNumber": phone_number, "reason": reason}
        if expires_at is not None:
            body["expiresAt"] = expires_at.isoformat()
        return await self._post(Suppression, "/api/v2/outbound/suppressions", body)

    # -- webhooks --------------------------------------------------------------------------
    async def create_webhook(
        self,
        name: str,
        url: str,
        events: Sequence[str],
        *,
        max_retries: int = 3,
        backoff_ms: int = 1000,
    ) -> Webhook:
        """Register a webhook; `.secret` (the signing key) is returned only this once."""
        body = {
            "name": name,
            "url": url,
            "events": list(events),
            "retryPolicy": {"maxRetries": max_retries, "backoffMs": backoff_ms},
        }
        return await self._post(Webhook, "/api/v2/webhooks", body)

    async def list_webhooks(self) -> list[Webhook]:
        path = "/api/v2/webhooks"
        response = await self.transport.request("GET", path)
        body = response.json()
        items = body.get("entity", body.get("webhooks", [])) if isinstance(body, Mapping) else body
        if not isinstance(items, list):
            raise CXoneError(f"GET {path}: expected a list of webhooks", body=body)
        return [_parse_item(Webhook, item, path) for item in items]

    async def delete_webhook(self, webhook_id: str) -> None:
        await self.transport.request("DELETE", f"/api/v2/webhooks/{seg(webhook_id)}")


def _parse(model: type[M], response: Response, where: str) -> M:
    try:
        # the validator itself: model_validate_json adds only a Python frame per request
        return cast(M, model.__pydantic_validator__.validate_json(response.content or b"{}"))
    except ModelError as exc:
        raise CXoneError(
            f"{where}: the answer does not match the contract ({exc.error_count()} problems: "
            f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']})",
            status=response.status,
            request_id=response.request_id,
        ) from exc


def _parse_item(model: type[M], item: Any, where: str) -> M:
    try:
        return model.model_validate(item)
    except ModelError as exc:
        raise CXoneError(
            f"GET {where}: an item does not match the contract "
            f"({exc.errors()[0]['loc']} {exc.errors()[0]['msg']})"
        ) from exc
