"""The enrichment job on the run engine: prepare rows through the mapping, send atomic batches.

`prepare` maps one CSV record (pure apart from the fill-rate tally); `send` POSTs a batch and,
when the server refuses it, follows `BatchResolution` until every contact is applied or set
aside with its reason; `finish` refreshes the list once and writes the fill rates;
`summary_extra` puts the job's report under `enrich` in the run's summary. With
`changed_only` (`--changed-only`), a row whose every attribute already holds in the list ends
`unchanged`, unsent (jobs/sync/, docs/sync.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson

from cxone_outbound.client.errors import IdempotencyKeyReused, PayloadTooLarge, ValidationError
from cxone_outbound.client.models import EnrichmentItem
from cxone_outbound.engine.job import BaseJob, RunContext, Source
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError
from cxone_outbound.engine.resolution import BatchResolution, RefusalDetail
from cxone_outbound.jobs.enrich.mapping import EnrichmentMapping
from cxone_outbound.jobs.enrich.metrics import BatchLatencies, FillRates
from cxone_outbound.jobs.enrich.transform import apply_mapping
from cxone_outbound.jobs.enrich.values import Value, is_null_like
from cxone_outbound.jobs.sync import Against, ChangedOnly, Compared, LookAhead, SnapshotGuard
from cxone_outbound.limits import MAX_ATTRIBUTE_CHARS

FILL_RATES_FILE = "fill_rates.json"


def wire_value(value: Value) -> str | int | float | bool:
    """A typed attribute value as JSON carries it (the cast guaranteed a decimal fits a double)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def contact_id_of(item: Item) -> str:
    return str(item.payload["contactId"])


def mapping_scope(mapping: EnrichmentMapping) -> Any:
    """What tells a mapping's last-sync snapshot apart: its key column and every field's
    column, attribute, cast and options (a changed mapping compares with the list again)."""
    return orjson.loads(orjson.dumps(dataclasses.asdict(mapping), default=str))


class EnrichJob(BaseJob):
    """Set list attributes from a CRM extract, through a declared mapping."""

    name = "enrich"

    def __init__(
        self,
        mapping: EnrichmentMapping,
        *,
        list_id: str,
        campaign_id: str,
        batch_size: int,
        concurrency: int = 4,
        refresh: bool = True,
        extra_options: Mapping[str, Any] | None = None,
        plan: Mapping[str, Any] | None = None,
        changed_only: bool = False,
        against: Against = "list",
        relist_days: float | None = None,
    ) -> None:
        self.mapping = mapping
        self.changed_only = (
            ChangedOnly(list_id, Compared(attributes=frozenset(mapping.attributes)),
                        job=self.name, scope=mapping_scope(mapping), against=against,
                        relist_days=relist_days)
            if changed_only else None
        )
        self.keeper = self.changed_only or SnapshotGuard(list_id)  # the snapshot learns of writes
        self.list_id = list_id
        self.campaign_id = campaign_id
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.refresh = refresh
        self.extra_options = dict(extra_options or {})
        self.plan = dict(plan) if plan is not None else None  # the pre-run checks, reported
        self.fill_rates = FillRates(mapping.attributes)
        self.latencies = BatchLatencies()
        self.refresh_id: str | None = None
        # One row per contact: with batches in flight together, two rows for one contact
        # would land in an undefined order, so the later row is refused.
        self._first_line: dict[str, int] = {}

    def options(self) -> Mapping[str, Any]:
        return {
            "list": self.list_id,
            "campaign": self.campaign_id,
            "batchSize": self.batch_size,
            "attributes": list(self.mapping.attributes),
            **({"changedOnly": True, "against": self.changed_only.against}
               if self.changed_only else {}),
            **self.extra_options,
        }

    async def start(self, ctx: RunContext) -> None:
        await self.keeper.start(ctx)

    def settle(self, item: Item) -> Outcome | None:
        if self.changed_only is None:
            return None
        writes = {"attributes": item.payload["attributes"]}
        return self.changed_only.settle(item.key, contact_id_of(item), writes)

    def with_look_ahead(self, source: Source) -> Source:
        """The source this job reads, its rows' contacts fetched from the index a window at a
        time when comparing (`--changed-only`); else the source itself."""
        if self.changed_only is None:
            return source
        column = self.mapping.key_column

        def key_of(record: Record) -> str:
            raw = record.fields.get(column)
            return "" if raw is None or is_null_like(raw) else raw.strip()

        return LookAhead(source, self.changed_only, key_of)

    def prepare(self, record: Record) -> Item | RecordError:
        result = apply_mapping(self.mapping, record.fields, record.line)
        self.fill_rates.add(result)
        if result.rejection is not None:
            code = "NO_CONTACT_ID" if result.contact_id is None else "REQUIRED_VALUE"
            return RecordError(code, result.rejection)
        assert result.contact_id is not None  # a row without one is rejected above
        first = self._first_line.setdefault(result.contact_id, record.line)
        if first != record.line:
            return RecordError(
                "DUPLICATE_CONTACT", f"contact {result.contact_id} already enriched by line {first}"
            )
        if not result.attributes:
            return RecordError("NOTHING_TO_SEND", "no attribute has a value in this row")
        for name, value in result.attributes.items():
            if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS:
                # the API's limit: fails alone here instead of costing its batch a refusal
                return RecordError(
                    "FIELD_TOO_LONG",
                    f"{len(value):,} characters; the API takes {MAX_ATTRIBUTE_CHARS:,}",
                    name,
                )
        attributes = {name: wire_value(v) for name, v in result.attributes.items()}
        return Item(record, {"contactId": result.contact_id, "attributes": attributes})

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        return _digest([self.list_id, attempt, [item.payload for item in items]])

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self.keeper.sending(contact_id_of(item) for item in batch.items)  # unknown till answered
        outcomes: Sequence[Outcome] = ()
        try:
            outcomes = await self._send(batch, ctx)
        finally:
            self.keeper.answered(batch.items, outcomes, lambda item: (
                contact_id_of(item), {"attributes": item.payload["attributes"]}))
        return outcomes

    async def _send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        if ctx.client is None:  # the engine sends nothing in a dry run; nothing is applied
            raise RuntimeError("enrich: no API client to send with")
        resolution: BatchResolution[Item] = BatchResolution(batch.items, contact_id_of)
        while (sub := resolution.next_batch()) is not None:
            body = [EnrichmentItem.model_validate(item.payload) for item in sub]
            # This run's POST of these rows to this list: a retry or a resume repeats it (and
            # the server answers it once); a new run over the same file sends it again.
            key = ctx.idempotency_key(batch, "enrich", self.list_id, [i.key for i in sub])
            started = ctx.clock.monotonic()
            try:
                result = await ctx.client.enrich_contacts(self.list_id, body, idempotency_key=key)
            except IdempotencyKeyReused as exc:
                self.latencies.add(len(sub), ctx.clock.monotonic() - started, "refused")
                detail = RefusalDetail(None, exc.field, exc.code)
                resolution.uncertain(sub, exc.message, detail)
                continue
            except ValidationError as exc:
                self.latencies.add(len(sub), ctx.clock.monotonic() - started, "refused")
                details = [RefusalDetail.from_json(d) for d in exc.details]
                resolution.refused(sub, details, exc.code or exc.message)
                continue
            except PayloadTooLarge as exc:
                self.latencies.add(len(sub), ctx.clock.monotonic() - started, "refused")
                resolution.refused(sub, [], exc.code or "payload too large")
                continue
            elapsed = ctx.clock.monotonic() - started
            if result.processed_count == len(sub):
                self.latencies.add(len(sub), elapsed, "applied")
                resolution.applied(sub)
            else:
                self.latencies.add(len(sub), elapsed, "uncertain")
                resolution.uncertain(
                    sub, f"processedCount {result.processed_count} != batch size {len(sub)}"
                )
        if resolution.attempts > 1:
            ctx.audit(
                {
                    "event": "batch_resolved",
                    "batch": batch.id,
                    "posts": resolution.attempts,
                    "applied": len(resolution.applied_items),
                    "failed": len(resolution.failed),
                }
            )
        outcomes = [Outcome.succeeded(item.key) for item in resolution.applied_items]
        for failed in resolution.failed:
            first = failed.details[0] if failed.details else None
            outcomes.append(
                Outcome.failed(
                    failed.item.key,
                    (first.code if first and first.code else None) or "ENRICHMENT_REFUSED",
                    failed.reason,
                    field=first.field if first else None,
                )
            )
        return outcomes

    async def finish(self, ctx: RunContext) -> None:
        sync = self.changed_only
        self.keeper.finished()
        # a sync that found nothing to send (and sent nothing in an earlier session) changed
        # nothing the dialer would read again
        idle = sync is not None and sync.rows_compared == sync.unchanged and not ctx.resumed
        if self.refresh and not idle and not ctx.dry_run and ctx.client is not None:
            refreshed = await ctx.client.refresh_list(self.list_id)
            self.refresh_id = refreshed.refresh_id
            ctx.audit({"event": "list_refreshed", "list": self.list_id, "refresh": self.refresh_id})
        report = self.report()
        ctx.output_path(FILL_RATES_FILE).write_bytes(
            orjson.dumps(report, option=orjson.OPT_INDENT_2)
        )
        ctx.audit({"event": "fill_rates", **report["fillRates"]})

    def report(self) -> dict[str, Any]:
        """What the run adds to its summary: fill rates, batch latency, the list refresh."""
        return {
            "fillRates": self.fill_rates.to_json(),
            "batchLatency": self.latencies.to_json(),
            "refreshId": self.refresh_id,
        }

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        plan = {} if self.plan is None else {"plan": self.plan}
        sync = {} if self.changed_only is None else {"sync": self.changed_only.report()}
        return {"enrich": {**self.report(), **plan}, **sync}


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
