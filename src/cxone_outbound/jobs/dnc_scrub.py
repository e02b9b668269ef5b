"""DNC scrubbing in front of any job that writes phones: matches never reach the API.

`ScrubbingJob` wraps a job (the import's): each prepared record's phone is checked against a
`DncScreen` (compiled registry files and the tenant's own DNC groups); a match travels through
the batch marked `Scrubbed` and ends `skipped` with reason `DNC:<source>`, and is written to
`scrubbed.csv` in the run folder. The wrapped job only ever sees the other items: its batch
ids, bodies, idempotency keys and reconciliation are computed on them, so a scrubbed row is
never part of an upload and succeeded + failed + skipped still equals the lines read.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cxone_outbound.dnc import DncScreen
from cxone_outbound.engine import Batch, Item, Outcome, Record, RecordError, RunContext
from cxone_outbound.engine.job import Job
from cxone_outbound.jobs.preview.eligibility import SuppressionEntry, SuppressionIndex
from cxone_outbound.phones import PhoneNormalizer

__all__ = ["SCRUBBED_CSV", "Scrubbed", "ScrubbingJob", "read_tenant_dnc"]

SCRUBBED_CSV = "scrubbed.csv"


class SuppressionSource(Protocol):
    """The slice of `client.dialect.OutboundApi` read here (v2 and admin alike)."""

    def iter_suppressions(self, *, page_size: int = 1000) -> Any: ...


async def read_tenant_dnc(
    api: SuppressionSource, *, now: datetime, default_region: str | None = "US"
) -> SuppressionIndex:
    """The tenant's active DNC entries by E.164 (every page; expired ones left out)."""
    entries = [
        SuppressionEntry(s.phone_number, s.expires_at, s.id)
        async for s in api.iter_suppressions()
    ]
    return SuppressionIndex.build(entries, now=now, normalize=PhoneNormalizer(default_region))


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """The payload of an item matched on a DNC source (the wrapped job's payload kept aside)."""

    source: str
    phone: str


class ScrubbingJob:
    """`inner` with DNC matches taken out before it batches, sends or reconciles anything."""

    def __init__(
        self,
        inner: Job,
        screen: DncScreen,
        phone_of: Callable[[Item], str | None],
        *,
        header: Sequence[str] = (),
    ) -> None:
        self.inner = inner
        self.screen = screen
        self.phone_of = phone_of
        self.header = list(header)
        self.name = inner.name
        self.batch_size = inner.batch_size
        self.concurrency = inner.concurrency
        self.matched: Counter[str] = Counter()  # in this invocation (a dry run's would-be)

    def options(self) -> Mapping[str, Any]:
        return {**self.inner.options(), "scrub_dnc": self.screen.describe()}

    def prepare(self, record: Record) -> Item | RecordError:
        item = self.inner.prepare(record)
        if isinstance(item, RecordError):
            return item
        phone = self.phone_of(item)
        source = self.screen.match(phone) if phone else None
        if source is None:
            return item
        self.matched[source] += 1
        return Item(record, Scrubbed(source, phone or ""))

    async def start(self, ctx: RunContext) -> None:
        await self.inner.start(ctx)

    def settle(self, item: Item) -> Outcome | None:
        """A DNC match is skipped in `send`; the wrapped job settles the others."""
        return None if isinstance(item.payload, Scrubbed) else self.inner.settle(item)

    @staticmethod
    def _split(items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
        kept = [i for i in items if not isinstance(i.payload, Scrubbed)]
        return kept, [i for i in items if isinstance(i.payload, Scrubbed)]

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        kept, scrubbed = self._split(items)
        if kept:
            return self.inner.batch_id(kept, attempt)
        digest = hashlib.sha256("\n".join(i.key for i in scrubbed).encode()).hexdigest()
        return f"dnc-{digest[:40]}-{attempt}"

    def _skip(self, scrubbed: Sequence[Item], ctx: RunContext) -> list[Outcome]:
        if scrubbed:
            out = ctx.csv_output(SCRUBBED_CSV, ["line", "phone_e164", "dnc_source", *self.header])
            for item in scrubbed:
                payload: Scrubbed = item.payload
                out.writerow([item.record.line, payload.phone, payload.source, *item.record.raw])
        return [Outcome.skipped(i.key, f"DNC:{i.payload.source}") for i in scrubbed]

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        kept, scrubbed = self._split(batch.items)
        outcomes = self._skip(scrubbed, ctx)
        if kept:
            inner = Batch(batch.id, kept, batch.remote_id, batch.attempt)
            outcomes += await self.inner.send(inner, ctx)
            batch.remote_id = inner.remote_id
        return outcomes

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        kept, scrubbed = self._split(batch.items)
        if kept:
            inner = Batch(batch.id, kept, batch.remote_id, batch.attempt)
            answered = await self.inner.reconcile(inner, ctx)
            if answered is None:
                return None  # sent again through `send`, which scrubs again
            return [*self._skip(scrubbed, ctx), *answered]
        return self._skip(scrubbed, ctx)

    async def finish(self, ctx: RunContext) -> None:
        await self.inner.finish(ctx)

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        sections = dict(self.inner.summary_extra(ctx))
        sections["dnc"] = {
            "scrubbed": sum(self.matched.values()),
            "by_source": dict(sorted(self.matched.items())),
            "file": str(path) if (path := ctx.output_path(SCRUBBED_CSV)).exists() else None,
            "checked": self.screen.describe(),
        }
        return sections
