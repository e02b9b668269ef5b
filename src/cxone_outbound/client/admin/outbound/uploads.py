"""`AdminUploads`: sending an upload file, polling its job, and verifying it by reading back.

An import is a base64 CSV `POST /lists/call-lists/{id}/upload`, polled at
`GET /lists/call-lists/jobs/{jobId}`. The job answers only `isComplete`/`isCancelled`, so what
it did is read from the list afterwards (`admin.lists.ReadBack`): a row is `succeeded` only when
the list holds it as sent.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.lists import ReadBack, read_back
from cxone_outbound.client.admin.outbound.downloads import AdminDownloads
from cxone_outbound.client.admin.paging import PAGE_MAX
from cxone_outbound.client.admin.records import (
    ListColumns,
    UploadOptions,
    render_upload,
    upload_body,
    v2_import_to_upload,
)
from cxone_outbound.client.admin.upload_poll import retry_after_s
from cxone_outbound.client.api import seg
from cxone_outbound.client.errors import ConfigurationError, CXoneError, ValidationError
from cxone_outbound.client.models import ImportJob
from cxone_outbound.client.transport import new_idempotency_key


class AdminUploads(AdminDownloads):
    """Upload files, one at a time per list, each verified against the list as read back."""

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
        outcomes are what the list holds afterwards (`ReadBack`).

        Uploads to one list go one at a time, from the counters read before to the read-back,
        so the counters' change is this upload's own.
        """
        async with self._uploading.setdefault(list_id, asyncio.Lock()):
            before = await self._counters(list_id)
            if before.valid == 0:  # every record it will hold, a read-back of ours will pass
                self._places.empty(list_id)
            # the read-back starts a page before the first record it rewrites, where that
            # stands now (records move up as others before them are removed)
            first = self._downloaded.first_place(list_id, [r[columns.external_id] for r in rows])
            start = max(0, min(before.valid, before.valid if first is None else first) - PAGE_MAX)
            options = await self._upload_options(list_id, overwrite=overwrite)
            body = upload_body(render_upload(rows, columns), file_name=f"cxo-{key[:16]}.csv",
                               options=options)
            answer = await self._json("POST", "lists",
                                      f"lists/call-lists/{seg(list_id)}/upload",
                                      json=body, idempotency_key=key)
            job_id = str(contract.read(contract.UPLOAD, answer)["jobId"])
            self._jobs[job_id] = list_id
            cancelled = await self._wait(job_id)
            after = await self._counters(list_id)  # the job is complete: final for it
            check = ReadBack(rows, columns)
            await read_back(check, self._json, list_id, start=start,
                            refused=after.invalid - before.invalid, places=self._places)
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
        self._downloaded.forget(list_id)  # records we did not merge ourselves: read again
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

