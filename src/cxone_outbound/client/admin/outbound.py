"""AdminOutboundApi: the jobs' interface (`client.dialect.OutboundApi`) on the ACD Admin API.

How each call maps (CXONE-REAL.md; what is unconfirmed is said in docs/real-tenant.md):

- contacts are calling-list records keyed by external id (the jobs' contact id); a list is
  downloaded with `GET /lists/call-lists/{id}?includeRecords=true` paged by `skip`/`top`;
- an import is a base64 CSV `POST /lists/call-lists/{id}/upload`, polled at
  `GET /lists/call-lists/jobs/{jobId}`; an update or enrichment is a re-upload of the changed
  records (merged onto the record as downloaded) in files within the 256 MB / 500k limits;
- a delete is `DELETE /lists/call-lists/{id}/removeProspects`; per-record failures inside a 200
  become failed records;
- suppressions are the records of every DNC group (`admin.dnc`);
- campaigns are read from `/campaigns/{id}`, its skill and the skill's parameters, and written
  to the skill under a read-compare-write guard (`admin.campaigns`): the "ETag" is a digest of
  the campaign as read, and a write first re-reads and refuses (412, `PreconditionFailed`) if
  the digest moved — no If-Match is documented;
- webhooks are kept and delivered by the tool (`admin.events`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from cxone_outbound.client.admin.campaigns import HELD_FIELDS, AdminCampaigns
from cxone_outbound.client.admin.campaigns import campaign_digest as campaign_digest
from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.dnc import AdminDnc
from cxone_outbound.client.admin.events import EventDelivery, LocalWebhooks
from cxone_outbound.client.admin.records import (
    ListColumns,
    chunks_within_limits,
    contact_from_record,
    render_upload,
    text_of,
    upload_body,
    upload_row,
    v2_import_to_upload,
)
from cxone_outbound.client.admin.session import AdminSession
from cxone_outbound.client.admin.upload_poll import JobProgress, UploadPollPolicy, retry_after_s
from cxone_outbound.client.api import seg
from cxone_outbound.client.auth import AccessToken
from cxone_outbound.client.capabilities import Capabilities
from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import (
    ConfigurationError,
    CXoneError,
    NotFound,
    ValidationError,
)
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.models import (
    BatchUpdateFailure,
    BatchUpdateResult,
    Campaign,
    CampaignUpdate,
    Contact,
    EnrichmentItem,
    EnrichmentResult,
    ImportJob,
    ListSchema,
    RefreshResult,
    RowError,
    SchemaField,
    Suppression,
    Webhook,
)
from cxone_outbound.client.transport import new_idempotency_key
from cxone_outbound.config import Settings
from cxone_outbound.lifecycle import AsyncResource
from cxone_outbound.limits import ADMIN_MAX_RECORD_CHARS

ADMIN_CAPABILITIES = Capabilities(
    dialect="admin",
    per_record_update=False,
    max_update_batch=10_000,
    write_guard="read-compare-write",
    server_webhooks=False,
    list_refresh=False,
    list_schema=False,
    campaign_fields=HELD_FIELDS,
    skill_start=True,
    max_delete_batch=100,  # removeProspects takes an array; the sandbox caps a call at 1000
    max_record_chars=ADMIN_MAX_RECORD_CHARS,
)
PAGE_MAX = 1000
_RECORD_KEYS = ("records", "callingListRecords", "prospects", "contacts")
_NOT_FOUND_CODES = {"NOT_FOUND", "RECORD_NOT_FOUND", "PROSPECT_NOT_FOUND", "404"}



def _failures(body: Any) -> list[Mapping[str, Any]]:
    """Per-record failures reported inside a 200 (`failedRecords`, `recordResults`...)."""
    if not isinstance(body, Mapping):
        return []
    found: list[Mapping[str, Any]] = []
    for key in ("failedRecords", "failed", "errors", "rowErrors"):
        items = body.get(key)
        if isinstance(items, list):
            found.extend(i for i in items if isinstance(i, Mapping))
    results = body.get("recordResults")
    if isinstance(results, list):
        found.extend(
            r for r in results
            if isinstance(r, Mapping) and str(r.get("status", "")).lower() in {"failed", "error"}
        )
    return found


def _refusal(failure: BatchUpdateFailure) -> dict[str, Any]:
    """A refused record as v2's enrichment refusal detail (`CONTACT_NOT_FOUND` for unknown)."""
    error = dict(failure.error) if isinstance(failure.error, Mapping) else {}
    if error.get("code") == "NOT_FOUND":
        error["code"] = "CONTACT_NOT_FOUND"
    return {"contactId": failure.id, **error}



class AdminOutboundApi(AsyncResource):
    """The `admin` dialect behind `OutboundApi`. `async with AdminOutboundApi(settings) as api:`."""

    def __init__(
        self,
        settings: Settings,
        *,
        observer: RequestObserver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        cache: DiscoveryCache | None = None,
        webhooks: LocalWebhooks | None = None,
        poll: UploadPollPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.poll = poll or UploadPollPolicy()  # pacing of upload-job polls
        self.session = AdminSession(settings, observer=observer, clock=clock, rng=rng, cache=cache)
        self._webhooks = webhooks
        self._delivery: EventDelivery | None = None
        self._columns: dict[str, ListColumns] = {}  # list id -> its column mapping
        self._records: dict[str, dict[str, Contact]] = {}  # list id -> external id -> record
        self._list_of: dict[str, str] = {}  # external id -> list id, as downloaded
        self._jobs: dict[str, str] = {}  # upload job id -> list id
        self._announced: set[str] = set()  # import jobs whose completion was delivered
        self._reuploads: set[str] = set()  # upload jobs of `update_contacts` (not imports)
        self._complete: set[str] = set()  # lists downloaded whole since their last import
        self._downloads: dict[str, asyncio.Lock] = {}
        self._campaign_map: AdminCampaigns | None = None
        self._dnc_calls: AdminDnc | None = None

    @property
    def capabilities(self) -> Capabilities:
        return ADMIN_CAPABILITIES

    async def open(self) -> None:
        """Log in and discover the API host; events are delivered from here on."""
        await self.session.open()
        if self._delivery is None:
            scope = self.session.discovery.api_endpoint if self.session.discovery else "admin"
            hooks = self._webhooks or LocalWebhooks(scope)
            self._webhooks = hooks
            self._delivery = EventDelivery(hooks, self.session.clock)

    async def close(self) -> None:
        if self._delivery is not None:
            await self._delivery.close()
            self._delivery = None
        await self.session.close()

    async def fetch_token(self) -> AccessToken:
        return await self.session.fetch_token()

    # -- plumbing --------------------------------------------------------------------------
    async def _json(self, method: str, resource: str, path: str, **kw: Any) -> Any:
        response = await self.session.request(method, resource, path, **kw)
        try:
            return response.json()
        except orjson.JSONDecodeError as exc:
            raise CXoneError(f"{method} {path}: the answer is not JSON") from exc

    async def _pages(
        self, resource: str, path: str, params: Mapping[str, str | int], keys: Sequence[str],
        *, page_size: int,
    ) -> AsyncIterator[list[Any]]:
        """Items page by page: `skip`/`top`, following `_links.next` when the server gives it."""
        top = max(1, min(page_size, PAGE_MAX))
        skip = 0
        target: str = path
        query: Mapping[str, str | int] | None = {**params, "skip": skip, "top": top}
        seen: set[str] = set()
        while True:
            body = await self._json("GET", resource, target, params=query)
            items: list[Any] = []
            if isinstance(body, Mapping):
                for key in keys:
                    if isinstance(body.get(key), list):
                        items = body[key]
                        break
            elif isinstance(body, list):
                items = body
            yield items
            links = body.get("_links") if isinstance(body, Mapping) else None
            next_link = links.get("next") if isinstance(links, Mapping) else None
            total = body.get("totalRecords") if isinstance(body, Mapping) else None
            skip += len(items)
            if isinstance(next_link, str) and next_link:
                if next_link in seen:
                    raise CXoneError(f"GET {path}: the server repeated page {next_link!r}")
                seen.add(next_link)
                target, query = next_link, None
                continue
            if not items or len(items) < top or (isinstance(total, int) and skip >= total):
                return
            target, query = path, {**params, "skip": skip, "top": top}

    async def _emit(self, event: str, data: dict[str, Any]) -> None:
        if self._delivery is not None:
            await self._delivery.emit(event, data)

    # -- lists and records -----------------------------------------------------------------
    async def create_list(self, name: str) -> str:
        """A calling list (its mapping: externalId, phoneNumber, firstName, lastName, email)."""
        params = {
            "listName": name,
            "externalIdColumn": "externalId",
            "firstNameColumn": "firstName",
            "lastNameColumn": "lastName",
            "emailColumn": "email",
        }
        body = {"destinationMappings": [{"fieldName": "PhoneNumber", "fieldValue": "phoneNumber"}]}
        answer = await self._json("POST", "lists", "lists/call-lists", params=params, json=body,
                                  idempotency_key=new_idempotency_key())
        list_id = text_of(answer, "listId", "id") if isinstance(answer, Mapping) else None
        if list_id is None:
            raise CXoneError("POST lists/call-lists: no listId in the answer", body=answer)
        return list_id

    async def _list_columns(self, list_id: str) -> ListColumns:
        """The list's column mapping (read once): the upload's header must use it."""
        if list_id not in self._columns:
            body = await self._json("GET", "lists", f"lists/call-lists/{seg(list_id)}",
                                    params={"includeRecords": "false"})
            if not isinstance(body, Mapping):
                raise CXoneError(f"calling list {list_id}: unreadable answer", body=body)
            self._columns[list_id] = ListColumns.from_list(body)
        return self._columns[list_id]

    async def get_list_schema(self, list_id: str) -> ListSchema:
        """The list's custom fields, when the list object lists them (the documented one does
        not: `capabilities.list_schema` is False and callers skip schema checks)."""
        body = await self._json("GET", "lists", f"lists/call-lists/{seg(list_id)}",
                                params={"includeRecords": "false"})
        fields: list[SchemaField] = []
        if isinstance(body, Mapping):
            raw = body.get("customFields") or body.get("fields") or []
            for entry in raw if isinstance(raw, list) else []:
                if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                    fields.append(SchemaField(name=entry["name"],
                                              type=str(entry.get("type", "string"))))
                elif isinstance(entry, str):
                    fields.append(SchemaField(name=entry))
        return ListSchema(fields=fields)

    async def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        path = f"lists/call-lists/{seg(list_id)}"
        params = {"finalized": "false", "includeRecords": "true"}
        known = self._records.setdefault(list_id, {})
        columns = await self._list_columns(list_id)
        async for items in self._pages("lists", path, params, _RECORD_KEYS, page_size=page_size):
            page = [contact_from_record(i, list_id, columns) for i in items
                    if isinstance(i, Mapping)]
            for contact in page:
                known[contact.id] = contact
                self._list_of[contact.id] = list_id
            yield page

    async def iter_contacts(self, list_id: str, *, page_size: int = 1000) -> AsyncIterator[Contact]:
        async for page in self.iter_contact_pages(list_id, page_size=page_size):
            for contact in page:
                yield contact

    async def _current(self, list_id: str, ids: Sequence[str]) -> dict[str, Contact]:
        """The records as downloaded: the whole list once per client (workers share the one
        download), again only after an import into it. Ids absent from it are unknown."""
        lock = self._downloads.setdefault(list_id, asyncio.Lock())
        async with lock:
            known = self._records.get(list_id, {})
            if list_id not in self._complete and any(i not in known for i in ids):
                async for _ in self.iter_contact_pages(list_id):
                    pass
                self._complete.add(list_id)
                known = self._records.get(list_id, {})
        return {i: known[i] for i in ids if i in known}

    def _list_for(self, contact_id: str, list_id: str | None = None) -> str:
        list_id = list_id or self._list_of.get(contact_id)
        if list_id is None:
            raise ConfigurationError(
                f"contact {contact_id}: on the admin dialect a record is addressed within its "
                "calling list: name the list (--list)"
            )
        return list_id

    async def update_contacts(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]]
    ) -> BatchUpdateResult:
        """Re-upload the changed records by external id; unknown ids and refused rows fail."""
        ids = [str(c.get("id", "")) for c in contacts]
        current = await self._current(list_id, ids)
        failed = [BatchUpdateFailure(id=i, error={"code": "NOT_FOUND", "message": "no such record"})
                  for i in ids if i not in current]
        merged: list[Contact] = []
        for change in contacts:
            base = current.get(str(change.get("id", "")))
            if base is None:
                continue
            values = {k: v for k, v in change.items() if k not in ("id", "attributes")}
            renamed = {"first_name" if k == "firstName" else "last_name" if k == "lastName" else k:
                       v for k, v in values.items()}
            attributes = {**base.attributes, **dict(change.get("attributes") or {})}
            merged.append(base.model_copy(update={**renamed, "attributes": attributes}))
        updated = 0
        columns = await self._list_columns(list_id)
        by_id = {m.id: m for m in merged}
        known = self._records.setdefault(list_id, {})
        for chunk in chunks_within_limits([upload_row(c, columns) for c in merged]):
            job = await self._upload(list_id, render_upload(chunk, columns), new_idempotency_key())
            self._reuploads.add(job)
            finished = await self._wait(job)
            refused = {e.row: e for e in finished.row_errors}
            for row, record in enumerate(chunk, start=1):
                error = refused.get(row)
                if error is None:
                    updated += 1
                    contact_id = record[columns.external_id]
                    known[contact_id] = by_id[contact_id]
                else:
                    fields = {v: k for k, v in columns.by_contact_field().items()}
                    field = fields.get(error.field or "", error.field)
                    field = {"first_name": "firstName", "last_name": "lastName"}.get(
                        field or "", field
                    )
                    failed.append(BatchUpdateFailure(
                        id=record[columns.external_id],
                        error={"code": error.code, "message": error.message, "field": field},
                    ))
        if updated:
            await self._emit("contact.updated", {"contactListId": list_id, "updated": updated})
        return BatchUpdateResult(updated=updated, failed=failed)

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> Contact:
        """A re-upload of the one record, merged onto it as downloaded."""
        list_id = self._list_for(contact_id, list_id)
        result = await self.update_contacts(list_id, [{"id": contact_id, **changes}])
        if result.failed:
            error = result.failed[0].error if isinstance(result.failed[0].error, Mapping) else {}
            if error.get("code") == "NOT_FOUND":
                raise NotFound(f"contact {contact_id} is not in list {list_id}", status=404)
            raise ValidationError(str(error.get("message") or "the record was refused"),
                                  status=400, code=error.get("code"), field=error.get("field"))
        return self._records[list_id][contact_id]

    async def delete_contact(self, contact_id: str, *, list_id: str | None = None) -> None:
        list_id = self._list_for(contact_id, list_id)
        error = (await self.delete_contacts(list_id, [contact_id]))[contact_id]
        if error is not None:
            raise error

    async def delete_contacts(
        self, list_id: str, contact_ids: Sequence[str]
    ) -> dict[str, CXoneError | None]:
        """Remove records in one `removeProspects` call (at most `max_delete_batch`): per id,
        None when removed, else the error (`NotFound` for an unknown record). A failure of the
        whole call (5xx, dropped connection) raises as any request does."""
        if len(contact_ids) > ADMIN_CAPABILITIES.max_delete_batch:
            raise ValueError(f"at most {ADMIN_CAPABILITIES.max_delete_batch} records per call")
        # Snapshot the list before the first removal: a skip/top download racing concurrent
        # removals would see pages shift and miss records that re-uploads then need.
        await self._current(list_id, contact_ids)
        body = await self._json(
            "DELETE", "lists", f"lists/call-lists/{seg(list_id)}/removeProspects",
            json={"prospectsToRemove": [{"externalId": i} for i in contact_ids]},
        )
        results: dict[str, CXoneError | None] = dict.fromkeys(contact_ids)
        failures = _failures(body)
        for failure in failures:
            contact_id = text_of(failure, "externalId") or (
                contact_ids[0] if len(contact_ids) == 1 else None)
            if contact_id not in results:
                raise CXoneError(f"removeProspects refused a record it does not name: {failure}",
                                 status=200, body=body)
            code = text_of(failure, "resultCode", "code") or "REMOVE_FAILED"
            if code.upper() in _NOT_FOUND_CODES:
                results[contact_id] = NotFound(f"contact {contact_id} is not in list {list_id}",
                                               status=404, code=code)
            else:
                results[contact_id] = CXoneError(f"removeProspects refused {contact_id}: {code}",
                                                 status=200, code=code, body=failure)
        removed = [i for i, error in results.items() if error is None]
        known = self._records.get(list_id, {})
        for contact_id in removed:
            known.pop(contact_id, None)
            self._list_of.pop(contact_id, None)
        for contact_id in removed:
            await self._emit("contact.deleted", {"contactId": contact_id,
                                                 "contactListId": list_id})
        return results

    # -- import ----------------------------------------------------------------------------
    async def _upload(self, list_id: str, file: bytes, key: str) -> str:
        body = upload_body(file, file_name=f"cxo-{key[:16]}.csv")
        answer = await self._json("POST", "lists", f"lists/call-lists/{seg(list_id)}/upload",
                                  json=body, idempotency_key=key)
        job_id = text_of(answer, "jobId", "id") if isinstance(answer, Mapping) else None
        if job_id is None:
            raise CXoneError("upload: no jobId in the answer", body=answer)
        self._jobs[job_id] = list_id
        return job_id

    async def _wait(self, job_id: str) -> ImportJob:
        """Poll an upload job until it finishes, as `self.poll` paces it (upload_poll.py)."""
        clock = self.session.clock
        started = clock.monotonic()
        looks = 0
        hint: float | None = None
        progress: JobProgress | None = None
        while True:
            await clock.sleep(self.poll.delay(looks, hint=hint, progress=progress))
            job, raw, hint = await self._read_job(job_id)
            looks += 1
            if job.finished:
                return job
            total = raw.get("totalRecords")
            progress = JobProgress(processed=job.records_processed,
                                   total=total if isinstance(total, int) else 0,
                                   elapsed_s=clock.monotonic() - started)

    async def start_import(
        self,
        body: bytes,
        *,
        list_id: str | None = None,
        gzipped: bool = True,
        idempotency_key: str | None = None,
    ) -> ImportJob:
        """Upload a v2 import body (its rows keyed by phone) to a calling list."""
        if not list_id:
            raise ConfigurationError("the admin dialect imports into a named calling list: "
                                     "pass its id (--list)")
        columns = await self._list_columns(list_id)
        try:
            file = v2_import_to_upload(body, columns, gzipped=gzipped)
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"the import body is not CSV: {exc}", status=400) from exc
        job_id = await self._upload(list_id, file, idempotency_key or new_idempotency_key())
        return ImportJob(job_id=job_id, status="QUEUED")

    async def get_import_job(self, job_id: str) -> ImportJob:
        return (await self._read_job(job_id))[0]

    async def _read_job(self, job_id: str) -> tuple[ImportJob, Mapping[str, Any], float | None]:
        """The job, its raw view, and the server's `Retry-After` hint (seconds) if it gave one."""
        response = await self.session.request("GET", "lists",
                                              f"lists/call-lists/jobs/{seg(job_id)}")
        try:
            body = response.json()
        except orjson.JSONDecodeError as exc:
            raise CXoneError(f"upload job {job_id}: the answer is not JSON") from exc
        hint = retry_after_s(response.headers.get("Retry-After"))
        jobs = body.get("uploadJobs") if isinstance(body, Mapping) else None
        job = jobs[0] if isinstance(jobs, list) and jobs else body
        if not isinstance(job, Mapping):
            raise CXoneError(f"upload job {job_id}: unreadable answer", body=body)
        row_errors = []
        for failure in _failures(job):
            row = failure.get("row") or failure.get("rowNumber") or failure.get("recordNumber")
            if isinstance(row, int):
                row_errors.append(RowError(
                    row=row, field=text_of(failure, "field", "fieldName"),
                    code=text_of(failure, "resultCode", "code", "errorCode") or "ROW_REJECTED",
                    message=text_of(failure, "message", "description", "error"),
                ))
        status = str(job.get("status") or "").upper()
        if job.get("isCancelled") or status == "CANCELLED":
            status = "FAILED"
        elif status not in {"QUEUED", "RUNNING", "COMPLETED", "FAILED"}:
            status = "COMPLETED" if job.get("isComplete") or job.get("completedDate") else "RUNNING"
        total = job.get("processedRecords") or job.get("totalRecords") or 0
        result = ImportJob(
            job_id=job_id, status=status,
            records_processed=int(total) if isinstance(total, int) else 0,
            records_failed=len(row_errors), row_errors=row_errors,
            errors=[f"row {e.row}: {e.message or e.code}" for e in row_errors],
        )
        # A re-upload announces itself as the change it makes (contact.updated/enriched); an
        # import job, ours or one a resumed run polls again, as import.completed.
        if result.finished and job_id not in self._announced and job_id not in self._reuploads:
            self._announced.add(job_id)
            # records we did not merge ourselves: read again
            self._records.pop(self._jobs.get(job_id, ""), None)
            self._complete.discard(self._jobs.get(job_id, ""))
            await self._emit("import.completed", {
                "jobId": job_id, "contactListId": self._jobs.get(job_id), "status": status,
                "recordsProcessed": result.records_processed,
                "recordsFailed": result.records_failed,
            })
        return result, job, hint

    # -- enrichment ------------------------------------------------------------------------
    async def enrich_contacts(
        self,
        list_id: str,
        contacts: Sequence[EnrichmentItem],
        *,
        idempotency_key: str | None = None,
    ) -> EnrichmentResult:
        """Re-upload the records with the new attribute values; refused rows are a 400 with
        details per contact (as v2's atomic refusal), so the caller resends the others.

        Ids the list does not hold are refused before anything is uploaded (atomic, as on v2):
        uploading the others first would have the caller upload them a second time.
        """
        ids = [c.contact_id for c in contacts]
        current = await self._current(list_id, ids)
        unknown = [i for i in ids if i not in current]
        if unknown:
            raise ValidationError(
                f"{len(unknown)} records refused", status=400, code="RECORDS_REFUSED",
                details=[{"contactId": i, "code": "CONTACT_NOT_FOUND", "message": "no such record"}
                         for i in unknown],
            )
        changes = [{"id": c.contact_id, "attributes": dict(c.attributes)} for c in contacts]
        result = await self.update_contacts(list_id, changes)
        if result.failed:
            raise ValidationError(
                f"{len(result.failed)} records refused", status=400, code="RECORDS_REFUSED",
                details=[_refusal(f) for f in result.failed],
            )
        await self._emit("contact.enriched", {"contactListId": list_id,
                                              "contactIds": [c.contact_id for c in contacts],
                                              "processedCount": result.updated})
        return EnrichmentResult(processed_count=result.updated)

    async def refresh_list(self, list_id: str) -> RefreshResult:
        """Nothing to refresh: an upload is what the dialer reads."""
        return RefreshResult(refresh_id=None, status="NOT_APPLICABLE")

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
