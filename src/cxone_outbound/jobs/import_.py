"""Bulk import: validated rows uploaded as gzip CSV chunks, each job polled to its end.

A chunk's idempotency key names that upload of that chunk in this run, to this list (the run
id, the chunk's batch id, the list, the attempt and its rows), so a retried or resumed upload
returns the same import job instead of creating a second one, while another run (the same file
into another list, or again after the contacts were deleted) uploads anew and is answered about
its own upload. Row errors are mapped back to source lines; only rows whose errors are
retryable are uploaded again. A chunk's body is rendered once: `batch_id` keeps it for `send`
(a few at most are held).

Rows are checked against the API's own limits (`limits.py`) before they are sent, so a row over
a limit fails alone; should the server still refuse a chunk as a whole, it is bisected (the
engine's `BatchResolution`, as enrichment does) until the rows it refuses stand alone.
Rows are checked and shaped by `import_rows.ImportRows` (its names are importable from here too).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.client import ImportJob as ApiImportJob
from cxone_outbound.client import errors
from cxone_outbound.client.capabilities import Capabilities
from cxone_outbound.engine import (
    BaseJob,
    Batch,
    Deferred,
    Item,
    Outcome,
    Record,
    RecordError,
    RunContext,
    State,
)
from cxone_outbound.engine.resolution import BatchResolution
from cxone_outbound.engine.results import unguard_cell
from cxone_outbound.jobs.import_rows import (
    DEFAULT_REQUIRED,
    IMPORT_FIELDS,
    ImportRows,
    check_attribute_columns,
    parse_required,
)
from cxone_outbound.limits import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS

__all__ = [
    "DEFAULT_REQUIRED",
    "IMPORT_FIELDS",
    "MAX_CHUNK_BYTES",
    "MAX_CHUNK_ROWS",
    "ImportJob",
    "ImportOptions",
    "ImportRows",
    "check_attribute_columns",
    "chunk_id",
    "parse_required",
    "render_chunk",
    "row_error_is_retryable",
]

MAX_CHUNK_ROWS = MAX_IMPORT_ROWS  # API limit
MAX_CHUNK_BYTES = MAX_IMPORT_BYTES  # API limit, uncompressed
# NOT_APPLIED: admin, a row the list does not hold after its upload job completed (read back)
RETRYABLE_ROW_CODES = frozenset({"INTERNAL_ERROR", "TEMPORARY_FAILURE", "TIMEOUT", "UNAVAILABLE",
                                 "NOT_APPLIED"})
WHOLE_BODY_CODES = frozenset({"MISSING_HEADER", "INVALID_HEADER", "INVALID_GZIP"})
"""Refusals of a chunk that splitting it cannot cure (API.md section 4: no header row, not gzip):
its rows fail together instead of being bisected."""

# Level 1: a CSV chunk still shrinks about 4x, at a fraction of level 6's CPU (issue 15: the
# client's core, not the wire, limits an import)
_GZIP_LEVEL = 1


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the import does beyond the engine's options."""

    list_id: str | None = None
    default_region: str | None = None
    required: tuple[str, ...] = DEFAULT_REQUIRED  # import fields a row must fill
    chunk_size: int = 1000
    concurrency: int = 4
    max_chunk_attempts: int = 3
    poll_initial_s: float = 0.2
    poll_max_s: float = 2.0
    poll_deadline_s: float = 900.0


def row_error_is_retryable(code: str | None) -> bool:
    """A row refused for a passing reason (the server's), not for its content."""
    return code is not None and (code in RETRYABLE_ROW_CODES or code.startswith("TEMPORARY"))


def render_chunk(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """The CSV body of a chunk: header and rows, UTF-8, CRLF (deterministic for a key)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def chunk_id(keys: Sequence[str], body: bytes, attempt: int) -> str:
    """The batch id of a chunk: its records' keys and its content, so two chunks of one run
    never share an id even when their rows read the same."""
    digest = hashlib.sha256("\n".join(keys).encode() + b"\0" + body)
    return f"imp-{digest.hexdigest()[:40]}-{attempt}"


class ImportJob(BaseJob):
    """Validate rows, upload them in chunks, map the outcome of each import job to rows."""

    name = "import"
    succeeded_rows = False  # succeeded.csv: `line, remote_id`; the row is the input's line

    def __init__(
        self,
        options: ImportOptions,
        attribute_columns: Sequence[str] = (),
        capabilities: Capabilities | None = None,
    ) -> None:
        if not 1 <= options.chunk_size <= MAX_CHUNK_ROWS:
            raise ValueError(f"chunk size must be 1..{MAX_CHUNK_ROWS}")
        check_attribute_columns(attribute_columns)
        self.opts = options
        self.batch_size = options.chunk_size
        self.concurrency = options.concurrency
        self.columns = [*IMPORT_FIELDS, *(unguard_cell(c).strip() for c in attribute_columns)]
        self._attributes = list(attribute_columns)
        # the admin dialect's upload record (external id, then the row) has a length limit
        self._rows = ImportRows(
            options.default_region,
            options.required,
            attribute_columns,
            capabilities.max_record_chars if capabilities else None,
        )
        # Bodies rendered by batch_id, awaiting send: the engine names a batch just before it
        # waits for a slot, so a few suffice; an evicted body is rendered again (still correct).
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bodies_kept = options.concurrency + 2

    def options(self) -> Mapping[str, Any]:
        return {
            "list_id": self.opts.list_id,
            "default_region": self.opts.default_region,
            "chunk_size": self.opts.chunk_size,
            "attributes": self._attributes,
            "required": list(self.opts.required),
        }

    def identity_of(self, record: Record) -> str | None:
        """The phone a row is keyed by, as the import sends it (E.164); None when unusable.
        What `--mirror` matches the list's records with (jobs/mirror/)."""
        phone = self._rows.phone(unguard_cell(record.fields.get("phone_number", "")))
        return None if isinstance(phone, RecordError) else phone

    def prepare(self, record: Record) -> Item | RecordError:
        return self._rows.prepare(record)

    # sending

    def _body(self, items: Sequence[Item]) -> bytes:
        return render_chunk(self.columns, [item.payload for item in items])

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        body = self._body(items)
        batch_id = chunk_id([item.key for item in items], body, attempt)
        self._bodies[batch_id] = body
        while len(self._bodies) > self._bodies_kept:
            self._bodies.popitem(last=False)
        return batch_id

    def _key(self, batch: Batch, items: Sequence[Item], attempt: int, ctx: RunContext) -> str:
        """The idempotency key of one upload: this run's batch, list, attempt and rows."""
        return ctx.idempotency_key(
            batch, "import", self.opts.list_id, attempt, [item.key for item in items]
        )

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        body = self._bodies.pop(batch.id, None)
        if body is None:  # evicted, or a batch rebuilt on resume
            body = self._body(batch.items)
        return await self._import(batch, batch.items, body, 1, ctx, top=True)

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        if batch.remote_id is None:
            return None  # maybe never created: resending with the same key is safe
        if self.batch_id(batch.items, 1) != batch.id:
            # Not the rows the job was made of (part of them, or other ones): its row numbers
            # would name the wrong records. Sent again as what it now is, under its own key.
            self._bodies.pop(batch.id, None)
            ctx.audit({"event": "not_reconciled", "job_id": batch.remote_id, "batch": batch.id})
            return None
        try:
            job = await self._poll(batch.remote_id, ctx)
        except errors.NotFound:
            return None
        ctx.audit({"event": "reconciled", "job_id": batch.remote_id, "status": job.status})
        return await self._outcomes(batch, batch.items, job, 1, ctx)

    async def _import(
        self,
        batch: Batch,
        items: Sequence[Item],
        body: bytes,
        attempt: int,
        ctx: RunContext,
        *,
        top: bool = False,
    ) -> list[Outcome]:
        if len(body) > MAX_CHUNK_BYTES and len(items) > 1:
            half = len(items) // 2
            first = await self._import_fresh(batch, items[:half], 1, ctx)
            rest = await self._import_fresh(batch, items[half:], 1, ctx)
            return first + rest
        try:
            return await self._upload(batch, items, body, attempt, ctx, top=top)
        except (errors.ValidationError, errors.PayloadTooLarge) as exc:
            if len(items) == 1 or exc.code in WHOLE_BODY_CODES:
                raise
            return await self._isolate(batch, items, attempt, ctx, exc)

    async def _isolate(
        self,
        batch: Batch,
        items: Sequence[Item],
        attempt: int,
        ctx: RunContext,
        refusal: errors.CXoneError,
    ) -> list[Outcome]:
        """A chunk refused whole: bisect it until the rows the server refuses stand alone."""
        resolution: BatchResolution[Item] = BatchResolution(items, lambda item: item.key)
        whole = resolution.next_batch()
        assert whole is not None
        resolution.refused(whole, [], _describe(refusal))
        outcomes: list[Outcome] = []
        while (sub := resolution.next_batch()) is not None:
            body = self._body(sub)
            try:
                done = await self._upload(batch, sub, body, attempt, ctx)
            except (errors.ValidationError, errors.PayloadTooLarge) as exc:
                resolution.refused(sub, [], _describe(exc))
                continue
            resolution.applied(sub)  # accepted: the job's answer gives each row's outcome
            outcomes += done
        ctx.audit(
            {
                "event": "chunk_bisected",
                "rows": len(items),
                "uploads": resolution.attempts,
                "refused": len(resolution.failed),
            }
        )
        outcomes += [
            Outcome.failed(failed.item.key, "ROW_REFUSED", failed.reason, attempts=attempt)
            for failed in resolution.failed
        ]
        return outcomes

    async def _upload(
        self,
        batch: Batch,
        items: Sequence[Item],
        body: bytes,
        attempt: int,
        ctx: RunContext,
        *,
        top: bool = False,
    ) -> list[Outcome]:
        """Upload one chunk under its own key, wait for its job, map its answer to the rows."""
        key = self._key(batch, items, attempt, ctx)
        started = await ctx.client.start_import(
            gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0),
            list_id=self.opts.list_id,
            idempotency_key=key,
        )
        if top:
            ctx.note_remote_id(batch, started.job_id)
        ctx.audit(
            {
                "event": "chunk_uploaded",
                "job_id": started.job_id,
                "rows": len(items),
                "idempotency_key": key,
            }
        )
        job = await self._poll(started.job_id, ctx)
        return await self._outcomes(batch, items, job, attempt, ctx, body)

    async def _import_fresh(
        self, batch: Batch, items: Sequence[Item], attempt: int, ctx: RunContext
    ) -> list[Outcome]:
        """Upload rows as a new chunk (its body rendered once) under its own key."""
        return await self._import(batch, items, self._body(items), attempt, ctx)

    async def _poll(self, job_id: str, ctx: RunContext) -> ApiImportJob:
        """The job once finished, polling with backoff; Deferred when stopping or past deadline."""
        delay = self.opts.poll_initial_s
        deadline = ctx.clock.monotonic() + self.opts.poll_deadline_s
        while True:
            job: ApiImportJob = await ctx.client.get_import_job(job_id)
            if job.finished:
                return job
            if ctx.stopping or ctx.clock.monotonic() + delay > deadline:
                if not ctx.stopping:
                    ctx.log(f"import job {job_id} still {job.status} at the deadline; resume later")
                raise Deferred(job_id)
            await ctx.clock.sleep(delay)
            delay = min(self.opts.poll_max_s, delay * 2)

    async def _outcomes(
        self,
        batch: Batch,
        items: Sequence[Item],
        job: ApiImportJob,
        attempt: int,
        ctx: RunContext,
        body: bytes | None = None,
    ) -> list[Outcome]:
        if job.status == "FAILED":
            if attempt < self.opts.max_chunk_attempts:
                body = self._body(items) if body is None else body
                return await self._import(batch, items, body, attempt + 1, ctx)
            message = "; ".join(job.errors) or "the import job failed"
            return [
                Outcome.failed(
                    i.key,
                    "IMPORT_FAILED",
                    message,
                    retryable=True,
                    remote_id=job.job_id,
                    attempts=attempt,
                )
                for i in items
            ]
        errors_by_row = {e.row: e for e in job.row_errors}
        if not errors_by_row:  # the usual answer: one outcome a row, built without a loop body
            job_id, succeeded = job.job_id, State.SUCCEEDED
            return [Outcome(i.record.key, succeeded, None, job_id, attempt) for i in items]
        outcomes: list[Outcome] = []
        retry: list[Item] = []
        for row, item in enumerate(items, start=1):
            error = errors_by_row.get(row)
            if error is None:
                outcomes.append(Outcome.succeeded(item.key, remote_id=job.job_id, attempts=attempt))
            elif row_error_is_retryable(error.code) and attempt < self.opts.max_chunk_attempts:
                retry.append(item)
            else:
                outcomes.append(
                    Outcome.failed(
                        item.key,
                        error.code or "ROW_REJECTED",
                        error.message or "the row was refused",
                        field=error.field,
                        retryable=row_error_is_retryable(error.code),
                        remote_id=job.job_id,
                        attempts=attempt,
                    )
                )
        if retry:
            outcomes += await self._import_fresh(batch, retry, attempt + 1, ctx)
        return outcomes


def _describe(exc: errors.CXoneError) -> str:
    return f"{exc.code}: {exc.message}" if exc.code else exc.message
