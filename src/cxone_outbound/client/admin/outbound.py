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
import bisect
import csv
import io
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.campaigns import HELD_FIELDS, AdminCampaigns
from cxone_outbound.client.admin.campaigns import campaign_digest as campaign_digest
from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.dnc import AdminDnc
from cxone_outbound.client.admin.events import EventDelivery, LocalWebhooks
from cxone_outbound.client.admin.lists import (
    ListCounters,
    ReadBack,
    list_counters,
    list_skill,
    read_back,
    record_pages,
)
from cxone_outbound.client.admin.mappings import MappingStore, resolve
from cxone_outbound.client.admin.paging import PAGE_MAX
from cxone_outbound.client.admin.records import (
    ListColumns,
    UploadOptions,
    chunks_within_limits,
    contact_from_record,
    render_upload,
    text_of,
    upload_body,
    upload_row,
    v2_import_to_upload,
)
from cxone_outbound.client.admin.session import AdminSession
from cxone_outbound.client.admin.upload_poll import UploadPollPolicy, retry_after_s
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
    phones_as_digits=True,
    max_record_chars=ADMIN_MAX_RECORD_CHARS,
)
_NOT_FOUND_CODES = {"NOT_FOUND", "RECORD_NOT_FOUND", "PROSPECT_NOT_FOUND", "404"}


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
        mappings: MappingStore | None = None,
    ) -> None:
        self.settings = settings
        self.poll = poll or UploadPollPolicy()  # pacing of upload-job polls
        self.session = AdminSession(settings, observer=observer, clock=clock, rng=rng, cache=cache)
        self._webhooks = webhooks
        self._delivery: EventDelivery | None = None
        self.mappings = mappings or MappingStore()
        self._columns: dict[str, ListColumns] = {}  # list id -> its column mapping
        self._records: dict[str, dict[str, Contact]] = {}  # list id -> external id -> record
        self._positions: dict[str, dict[str, int]] = {}  # list id -> external id -> index
        # list id -> the download positions of records removed since (sorted): a record's
        # place in the list now is its position less the removed ones before it
        self._removed: dict[str, list[int]] = {}
        self._finished: dict[str, ImportJob] = {}  # import job id -> its verified outcome
        self._uploading: dict[str, asyncio.Lock] = {}  # one upload at a time per list
        self._skills: dict[str, int | None] = {}  # list id -> its skill, as the list says
        self.verified = 0  # row outcomes read back from the list (the summary shows them)
        self._list_of: dict[str, str] = {}  # external id -> list id, as downloaded
        self._jobs: dict[str, str] = {}  # upload job id -> list id
        self._announced: set[str] = set()  # import jobs whose completion was delivered
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

    async def _emit(self, event: str, data: dict[str, Any]) -> None:
        if self._delivery is not None:
            await self._delivery.emit(event, data)

    # -- lists and records -----------------------------------------------------------------
    def _tenant(self) -> str:
        found = self.session.discovery
        return (found.tenant_id if found else None) or self.settings.tenant_id or (
            found.api_endpoint if found else self.settings.base_url)

    async def create_list(self, name: str, attributes: Sequence[str] = ()) -> str:
        """A calling list, its mapping remembered (the tenant will not return it): external id,
        phone, first and last name and time zone as S1's query and body name them; email and
        `attributes` travel as further columns of the file under their own names."""
        columns = ListColumns(email="Email", time_zone="TimeZone",
                              attributes=frozenset(attributes))
        params = {"listName": name, "externalIdColumn": columns.external_id,
                  "firstNameColumn": str(columns.first_name),
                  "lastNameColumn": str(columns.last_name),
                  "timeZoneColumn": str(columns.time_zone)}
        body = {"destinationMappings": [{"fieldName": "PhoneNumber",
                                         "fieldValue": columns.phone}]}
        answer = await self._json("POST", "lists", "lists/call-lists", params=params, json=body,
                                  idempotency_key=new_idempotency_key())
        list_id = contract.read(contract.CREATE_LIST, answer)["listId"]
        if not isinstance(list_id, int) or isinstance(list_id, bool):
            raise contract.SchemaDrift(contract.CREATE_LIST.endpoint, expected={"listId"},
                                       seen=answer, where="listId (not an integer)")
        self.mappings.put(self._tenant(), str(list_id), columns)
        return str(list_id)

    async def _list_columns(self, list_id: str) -> ListColumns:
        """The list's column mapping: remembered or configured, else refused before sending."""
        if list_id not in self._columns:
            self._columns[list_id] = resolve(self.mappings, self._tenant(), list_id,
                                             self.settings.list_columns)
        return self._columns[list_id]

    async def _list(self, list_id: str) -> Any:
        """`GET /lists/call-lists/{id}` without records (the counters and skills)."""
        return await self._json("GET", "lists", f"lists/call-lists/{seg(list_id)}",
                                params={"finalized": "false", "includeRecords": "false"})

    async def _counters(self, list_id: str) -> ListCounters:
        body = await self._list(list_id)
        if list_id not in self._skills:
            self._skills[list_id] = list_skill(body)
        return list_counters(body)

    async def get_list_schema(self, list_id: str) -> ListSchema:
        """No schema is published for a calling list (`capabilities.list_schema` is False): the
        attributes its mapping carries, as strings."""
        columns = await self._list_columns(list_id)
        names = sorted(columns.attributes or ())
        return ListSchema(fields=[SchemaField(name=n) for n in names])

    async def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        """The list's records (`resultSet.contactRecords`), 100 a page at most."""
        known = self._records.setdefault(list_id, {})
        positions = self._positions.setdefault(list_id, {})
        self._removed[list_id] = []
        columns = await self._list_columns(list_id)
        index = 0
        async for items in record_pages(self._json, list_id, page_size=page_size):
            page = [contact_from_record(i, list_id, columns) for i in items]
            for contact in page:
                known[contact.id] = contact
                positions[contact.id] = index
                index += 1
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
        """Re-upload the changed records by external id; a record is updated only when the
        list, read back, holds it as sent. Unknown ids are NOT_FOUND, the rest fail as the
        read-back says (`REJECTED`, `NOT_APPLIED`)."""
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
        refused = columns.uncarried(a for c in merged for a in c.attributes)
        if refused:
            raise ValidationError(
                f"calling list {list_id}: its mapping cannot carry {', '.join(refused)}; map "
                "them (list_columns attributes=...) or leave them out. Nothing was sent",
                status=400, code="UNMAPPED_COLUMN", field=refused[0])
        by_id = {m.id: m for m in merged}
        known = self._records.setdefault(list_id, {})
        for chunk in chunks_within_limits([upload_row(c, columns) for c in merged]):
            rows = [dict(r) for r in chunk]
            finished = await self._upload(list_id, rows, columns, new_idempotency_key(),
                                          overwrite=True)
            refusals = {e.row: e for e in finished.row_errors}
            for row, record in enumerate(chunk, start=1):
                error = refusals.get(row)
                contact_id = record[columns.external_id]
                if error is None and finished.status == "COMPLETED":
                    updated += 1
                    known[contact_id] = by_id[contact_id]
                else:
                    code = error.code if error else "NOT_APPLIED"
                    message = error.message if error else "the upload job did not complete"
                    failed.append(BatchUpdateFailure(id=contact_id, error={
                        "code": code, "message": message, "retryable": code == "NOT_APPLIED"}))
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
        None when the reply lists it in `successfulRecords`, else its error (`NotFound` for an
        unknown record). An id the reply names in neither list is an error too: nothing is
        reported removed that the server did not say it removed."""
        if len(contact_ids) > ADMIN_CAPABILITIES.max_delete_batch:
            raise ValueError(f"at most {ADMIN_CAPABILITIES.max_delete_batch} records per call")
        # Snapshot the list before the first removal: a skip/top download racing concurrent
        # removals would see pages shift and miss records that re-uploads then need.
        await self._current(list_id, contact_ids)
        body = await self._json(
            "DELETE", "lists", f"lists/call-lists/{seg(list_id)}/removeProspects",
            json={"prospectsToRemove": [{"externalId": i} for i in contact_ids]},
        )
        found = contract.read(contract.REMOVE_PROSPECTS, body)
        done, failures = found["successfulRecords"], found["failedRecords"]
        if not isinstance(done, list) or not isinstance(failures, list):
            raise contract.SchemaDrift(contract.REMOVE_PROSPECTS.endpoint,
                                       expected=contract.REMOVE_PROSPECTS.keys, seen=found,
                                       where="successfulRecords/failedRecords (not lists)")
        results: dict[str, CXoneError | None] = {
            i: CXoneError(f"removeProspects: the reply does not name {i}", status=200,
                          code="NO_RESULT") for i in contact_ids}
        for item in done:
            contact_id = text_of(item, "externalId") if isinstance(item, Mapping) else None
            if contact_id in results:
                results[contact_id] = None
        for failure in failures:
            contact_id = text_of(failure, "externalId") if isinstance(failure, Mapping) else None
            if contact_id not in results or not isinstance(failure, Mapping):
                raise CXoneError(f"removeProspects refused a record it does not name: {failure}",
                                 status=200, body=body)
            code = text_of(failure, "resultCode") or "REMOVE_FAILED"
            if code.upper() in _NOT_FOUND_CODES:
                results[contact_id] = NotFound(f"contact {contact_id} is not in list {list_id}",
                                               status=404, code=code)
            else:
                results[contact_id] = CXoneError(f"removeProspects refused {contact_id}: {code}",
                                                 status=200, code=code, body=failure)
        removed = [i for i, error in results.items() if error is None]
        gone = self._removed.setdefault(list_id, [])
        for contact_id in removed:
            if contact_id in self._positions.get(list_id, {}):
                bisect.insort(gone, self._positions[list_id][contact_id])
        known = self._records.get(list_id, {})
        for contact_id in removed:
            known.pop(contact_id, None)
            self._list_of.pop(contact_id, None)
        for contact_id in removed:
            await self._emit("contact.deleted", {"contactId": contact_id,
                                                 "contactListId": list_id})
        return results

    # -- uploads ---------------------------------------------------------------------------
    async def _upload_options(self, list_id: str, *, overwrite: bool) -> UploadOptions:
        """The upload's required settings: the skill from the settings, else the list's own;
        records expire `upload_expiration_days` from today; never start the skill."""
        skill = self.settings.upload_skill_id or self._skills.get(list_id)
        days = timedelta(days=self.settings.upload_expiration_days)
        expires = (datetime.now(UTC) + days).date().isoformat()
        return UploadOptions(expiration_date=expires, skill_id=skill, force_overwrite=overwrite)

    async def _upload(self, list_id: str, rows: list[dict[str, str]], columns: ListColumns,
                      key: str, *, overwrite: bool) -> ImportJob:
        """Send one upload file, wait for its job, and read the list back: the job's row
        outcomes are what the list holds afterwards (`_verify`).

        Uploads to one list go one at a time, from the counters read before to the read-back,
        so the counters' change is this upload's own.
        """
        async with self._uploading.setdefault(list_id, asyncio.Lock()):
            before = await self._counters(list_id)
            positions = self._positions.get(list_id, {})
            gone = self._removed.get(list_id, [])
            # where the records are now: records shift down as others before them are removed
            known = [positions[e] - bisect.bisect_left(gone, positions[e])
                     for e in (r[columns.external_id] for r in rows) if e in positions]
            start = max(0, min([*known, before.valid]) - PAGE_MAX)
            options = await self._upload_options(list_id, overwrite=overwrite)
            body = upload_body(render_upload(rows, columns), file_name=f"cxo-{key[:16]}.csv",
                               options=options)
            answer = await self._json("POST", "lists",
                                      f"lists/call-lists/{seg(list_id)}/upload",
                                      json=body, idempotency_key=key)
            job_id = str(contract.read(contract.UPLOAD, answer)["jobId"])
            self._jobs[job_id] = list_id
            cancelled = await self._wait(job_id)
            check = ReadBack(rows, columns)
            await read_back(check, self._json, list_id, start=start)
            after = await self._counters(list_id)
        row_errors = check.row_errors(before, after)
        self.verified += check.sent
        status = "FAILED" if cancelled and row_errors else "COMPLETED"
        return ImportJob(job_id=job_id, status=status,
                         records_processed=check.sent - len(row_errors),
                         records_failed=len(row_errors), row_errors=row_errors,
                         errors=[f"row {e.row}: {e.code}" for e in row_errors])

    async def _wait(self, job_id: str) -> bool:
        """Poll an upload job until it is complete, as `self.poll` paces it (upload_poll.py);
        whether it was cancelled."""
        clock = self.session.clock
        looks = 0
        hint: float | None = None
        while True:
            await clock.sleep(self.poll.delay(looks, hint=hint))
            job, hint = await self._read_job(job_id)
            looks += 1
            if job["isComplete"] is True or job["isCancelled"] is True:
                return job["isCancelled"] is True

    async def _read_job(self, job_id: str) -> tuple[Mapping[str, Any], float | None]:
        """The job as published (`uploadJobs[0]`) and the server's `Retry-After` hint."""
        response = await self.session.request("GET", "lists",
                                              f"lists/call-lists/jobs/{seg(job_id)}")
        try:
            body = response.json()
        except orjson.JSONDecodeError as exc:
            raise CXoneError(f"upload job {job_id}: the answer is not JSON") from exc
        mine = [j for j in contract.rows(contract.UPLOAD_JOBS, body) if str(j["jobId"]) == job_id]
        if len(mine) != 1:
            raise contract.SchemaDrift(contract.UPLOAD_JOBS.endpoint, expected={"jobId"},
                                       seen=body, where=f"uploadJobs (job {job_id} not once)")
        return mine[0], retry_after_s(response.headers.get("Retry-After"))

    async def start_import(
        self,
        body: bytes,
        *,
        list_id: str | None = None,
        gzipped: bool = True,
        idempotency_key: str | None = None,
    ) -> ImportJob:
        """Upload a v2 import body (its rows keyed by phone) to a calling list, and verify it
        (`get_import_job` then answers at once). An import adds records: `forceOverwrite` false
        (docs/real-tenant.md)."""
        if not list_id:
            raise ConfigurationError("the admin dialect imports into a named calling list: "
                                     "pass its id (--list)")
        columns = await self._list_columns(list_id)
        try:
            file = v2_import_to_upload(body, columns, gzipped=gzipped)
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"the import body is not CSV: {exc}", status=400) from exc
        rows = list(csv.DictReader(io.StringIO(file.decode("utf-8"))))
        job = await self._upload(list_id, rows, columns,
                                 idempotency_key or new_idempotency_key(), overwrite=False)
        self._finished[job.job_id] = job
        # records we did not merge ourselves: read again
        self._records.pop(list_id, None)
        self._positions.pop(list_id, None)
        self._complete.discard(list_id)
        return ImportJob(job_id=job.job_id, status="QUEUED")

    async def get_import_job(self, job_id: str) -> ImportJob:
        """An import's job as verified when it was sent. A job this client did not send (a
        resumed run's) cannot be checked row by row: once complete it is reported FAILED, so
        the caller uploads its rows again (keyed by external id: the same values again)."""
        result = self._finished.get(job_id)
        if result is None:
            job, _ = await self._read_job(job_id)
            if job["isComplete"] is not True and job["isCancelled"] is not True:
                return ImportJob(job_id=job_id, status="RUNNING")
            message = f"upload job {job_id} was sent by another process: its rows are unverified"
            result = ImportJob(job_id=job_id, status="FAILED", errors=[message])
        if job_id not in self._announced:
            self._announced.add(job_id)
            await self._emit("import.completed", {
                "jobId": job_id, "contactListId": self._jobs.get(job_id),
                "status": result.status, "recordsProcessed": result.records_processed,
                "recordsFailed": result.records_failed,
            })
        return result

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
