"""Screening in front of any job that writes phones: what may not be dialled never reaches the API.

`ScreeningJob` wraps a job (the import's, the update's). After the wrapped job prepares a
record, the record is screened:

- against a `DncScreen` (compiled registry files and the tenant's own DNC groups): a match is
  written to `scrubbed.csv` and ends `skipped` with reason `DNC:<source>`;
- with a `Checker` (`--check POLICY`), a dialability verdict: a `blocked` record ends `skipped`
  with every blocking reason; a `not_now` one is sent (the dialer calls it when its window
  opens). Both are written to `dialability.csv`, in `cxo check`'s columns;
- with a `ZoneFill`, the record's time zone goes into its row (`TimeZoneCell` says where);
  rows left without one are listed in `no-time-zone.csv` with the reason.

A screened-out record travels through its batch marked `Screened`; the wrapped job only ever
sees the other items: its batch ids, bodies, idempotency keys and reconciliation are computed
on them, so a screened row is never part of an upload, and succeeded + failed + skipped still
equals the lines read. A dry run settles screened rows the same way (`settle_dry_run`), so
they are never counted as would-be sends.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cxone_outbound.dialability.timezones import ZoneResult
from cxone_outbound.dialability.verdict import Reason, Verdict, VerdictKind
from cxone_outbound.dialability.zone_fill import InvalidZone, ZoneCell, ZoneFill
from cxone_outbound.dnc import DncScreen
from cxone_outbound.engine import Batch, Item, Outcome, Record, RecordError, RunContext
from cxone_outbound.engine.job import Job, WrappingJob
from cxone_outbound.engine.results import SafeCsvWriter
from cxone_outbound.jobs.check import (
    DIALABILITY_CSV,
    REPORT_HEADER,
    Checker,
    VerdictTally,
    verdict_row,
)
from cxone_outbound.jobs.preview.eligibility import SuppressionEntry, SuppressionIndex
from cxone_outbound.phones import PhoneNormalizer

__all__ = [
    "NO_TIME_ZONE_CSV",
    "SCRUBBED_CSV",
    "Screened",
    "ScreeningJob",
    "TimeZoneCell",
    "read_tenant_dnc",
]

SCRUBBED_CSV = "scrubbed.csv"
NO_TIME_ZONE_CSV = "no-time-zone.csv"


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
class Screened:
    """The payload of a screened-out item (the wrapped job's payload set aside)."""

    phone: str
    dnc_source: str | None = None
    verdict: Verdict | None = None

    @property
    def reason(self) -> str:
        """The skip reason: `DNC:<source>` for a DNC match alone, else `BLOCKED: <reasons>`."""
        if self.verdict is None:
            return f"DNC:{self.dnc_source}"
        blocking = "; ".join(str(f) for f in self.verdict.findings if f.reason.blocks)
        return f"BLOCKED: {blocking}"


@dataclass(frozen=True, slots=True)
class TimeZoneCell:
    """Where a row's time zone goes: `index` in the wrapped job's payload (a tuple row)."""

    fill: ZoneFill
    index: int


@dataclass(slots=True)
class _Note:
    """What a kept item adds to the run's files once it is sent (a verdict, a missing zone)."""

    phone: str
    verdict: Verdict | None = None
    zone: ZoneCell | None = None


class ScreeningJob(WrappingJob):
    """`inner` with screened-out records taken out before it batches, sends or reconciles.

    `facts` names the source columns of the facts a verdict reads besides the phone
    (`zip_code`, `state`, `contactId`).
    """

    def __init__(
        self,
        inner: Job,
        phone_of: Callable[[Item], str | None],
        *,
        header: Sequence[str] = (),
        screen: DncScreen | None = None,
        checker: Checker | None = None,
        time_zone: TimeZoneCell | None = None,
        facts: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(inner)
        # a screen judges each record's prepared body: a job must not settle a record before
        # `prepare` (update's early settling) behind it, whoever builds the pair
        if getattr(inner, "early_settling", False):
            inner.early_settling = False  # type: ignore[attr-defined]  # checked just above
        self.phone_of = phone_of
        self.header = list(header)
        self.screen = screen
        self.checker = checker
        self.time_zone = time_zone
        self.facts = dict(facts or {})
        # counted in this invocation (a dry run's would-be)
        self.matched: Counter[str] = Counter()  # DNC matches by source
        self.blocked: Counter[str] = Counter()  # blocking reasons of the records screened out
        self.tally = VerdictTally(checker.now) if checker is not None else None
        self._notes: dict[str, _Note] = {}  # by record key, until its batch is settled

    def options(self) -> Mapping[str, Any]:
        options = dict(self.inner.options())
        if self.screen is not None:
            options["scrub_dnc"] = self.screen.describe()
        if self.checker is not None:
            options["check"] = {"now": self.checker.now.isoformat()}
        options["time_zone"] = self.time_zone is not None
        return options

    # preparing

    def prepare(self, record: Record) -> Item | RecordError:
        item = self.inner.prepare(record)
        if isinstance(item, RecordError):
            return item
        phone = self.phone_of(item) or ""
        verdict = self._verdict(record, phone) if self.checker is not None else None
        if verdict is not None:
            dnc = next((f.detail for f in verdict.findings if f.reason is Reason.DNC), None)
        else:
            dnc = self.screen.match(phone) if self.screen is not None and phone else None
        if dnc is not None:
            self.matched[dnc] += 1
        if verdict is not None and verdict.kind is VerdictKind.BLOCKED:
            self.blocked.update(f.reason.value for f in verdict.findings if f.reason.blocks)
            return Item(record, Screened(phone, dnc, verdict))
        if dnc is not None:
            return Item(record, Screened(phone, dnc))
        later = verdict if verdict is not None and verdict.kind is VerdictKind.NOT_NOW else None
        gap = None
        if self.time_zone is not None:
            filled = self._fill_zone(item, phone, verdict.zone if verdict else None)
            if isinstance(filled, RecordError):
                return filled
            item, gap = filled
        if later is not None or gap is not None:
            self._notes[record.key] = _Note(phone, later, gap)
        return item

    def _verdict(self, record: Record, phone: str) -> Verdict:
        assert self.checker is not None
        fields = {name: record.fields.get(column, "") for name, column in self.facts.items()}
        verdict = self.checker({**fields, "phone_number": phone})
        assert self.tally is not None
        self.tally.add(verdict)
        return verdict

    def _fill_zone(self, item: Item, phone: str, found: ZoneResult | None
                   ) -> tuple[Item, ZoneCell | None] | RecordError:
        """The item with its zone in its row; the cell kept when empty (to list the row)."""
        assert self.time_zone is not None
        try:
            cell = self.time_zone.fill.cell(item.record.fields, phone or None, found)
        except InvalidZone as exc:
            return RecordError("INVALID_TIME_ZONE", str(exc), exc.column)
        at = self.time_zone.index
        row = item.payload
        item = Item(item.record, (*row[:at], cell.zone, *row[at + 1:]))
        return item, (cell if cell.gap is not None else None)

    def settle(self, item: Item) -> Outcome | None:
        """A screened record is skipped in `send`; the wrapped job settles the others."""
        return None if isinstance(item.payload, Screened) else self.inner.settle(item)

    # sending

    @staticmethod
    def _split(items: Sequence[Item]) -> tuple[list[Item], list[Item]]:
        kept = [i for i in items if not isinstance(i.payload, Screened)]
        return kept, [i for i in items if isinstance(i.payload, Screened)]

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        kept, screened = self._split(items)
        if kept:
            return self.inner.batch_id(kept, attempt)
        digest = hashlib.sha256("\n".join(i.key for i in screened).encode()).hexdigest()
        return f"dnc-{digest[:40]}-{attempt}"

    def _settle(self, items: Sequence[Item], ctx: RunContext) -> list[Outcome]:
        """Write the batch's screened and noted rows; the screened ones' skipped outcomes."""
        kept, screened = self._split(items)
        files = _Files(ctx, self.header)
        outcomes = []
        for item in screened:
            payload: Screened = item.payload
            if payload.dnc_source is not None:
                files.scrubbed.writerow([item.record.line, payload.phone, payload.dnc_source,
                                         *item.record.raw])
            if payload.verdict is not None:
                files.verdicts.writerow(self._verdict_row(item, payload.phone, payload.verdict))
            outcomes.append(Outcome.skipped(item.key, payload.reason))
        for item in kept:
            note = self._notes.pop(item.key, None)
            if note is None:
                continue
            if note.verdict is not None:
                files.verdicts.writerow(self._verdict_row(item, note.phone, note.verdict))
            if note.zone is not None and note.zone.gap is not None:
                files.no_zone.writerow([item.record.line, note.phone, note.zone.gap.value,
                                        " ".join(note.zone.candidates)])
        return outcomes

    def _verdict_row(self, item: Item, phone: str, verdict: Verdict) -> list[Any]:
        contact = item.record.fields.get(self.facts.get("contactId", ""), "")
        return verdict_row(item.record.line, contact, phone, verdict)

    def settle_dry_run(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """A dry run's screened rows: skipped and listed as on a real run, never would-send;
        then what the wrapped job settles of the others."""
        kept, _ = self._split(batch.items)
        outcomes = self._settle(batch.items, ctx)
        if kept:
            kept_batch = Batch(batch.id, kept, batch.remote_id, batch.attempt)
            outcomes += super().settle_dry_run(kept_batch, ctx)
        return outcomes

    def writes(self, batch: Batch) -> Collection[str]:
        """What the wrapped job writes of the rows not screened out (they write nothing)."""
        kept, _ = self._split(batch.items)
        return super().writes(Batch(batch.id, kept, batch.remote_id, batch.attempt)) if kept else ()

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        kept, _ = self._split(batch.items)
        outcomes = self._settle(batch.items, ctx)
        if kept:
            inner = Batch(batch.id, kept, batch.remote_id, batch.attempt)
            outcomes += await self.inner.send(inner, ctx)
            batch.remote_id = inner.remote_id
        return outcomes

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        kept, _ = self._split(batch.items)
        if kept:
            inner = Batch(batch.id, kept, batch.remote_id, batch.attempt)
            answered = await self.inner.reconcile(inner, ctx)
            if answered is None:
                return None  # sent again through `send`, which settles the screened rows
            return [*self._settle(batch.items, ctx), *answered]
        return self._settle(batch.items, ctx)

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        sections = dict(self.inner.summary_extra(ctx))
        if self.screen is not None:
            sections["dnc"] = {
                "scrubbed": sum(self.matched.values()),
                "by_source": dict(sorted(self.matched.items())),
                "file": _existing(ctx, SCRUBBED_CSV),
                "checked": self.screen.describe(),
            }
        if self.tally is not None:
            sections["check"] = {**self.tally.describe(None),
                                 "blocked_reasons": dict(self.blocked.most_common()),
                                 "file": _existing(ctx, DIALABILITY_CSV)}
        if self.time_zone is not None:
            sections["time_zone"] = {**self.time_zone.fill.describe(),
                                     "file": _existing(ctx, NO_TIME_ZONE_CSV)}
        return sections


class _Files:
    """The run's screening files, each opened when first written to (a run may have none)."""

    def __init__(self, ctx: RunContext, header: Sequence[str]) -> None:
        self._ctx = ctx
        self._header = header

    @functools.cached_property
    def scrubbed(self) -> SafeCsvWriter:
        return self._ctx.csv_output(SCRUBBED_CSV,
                                    ["line", "phone_e164", "dnc_source", *self._header])

    @functools.cached_property
    def verdicts(self) -> SafeCsvWriter:
        return self._ctx.csv_output(DIALABILITY_CSV, REPORT_HEADER)

    @functools.cached_property
    def no_zone(self) -> SafeCsvWriter:
        return self._ctx.csv_output(NO_TIME_ZONE_CSV, ["line", "phone", "reason", "candidates"])


def _existing(ctx: RunContext, name: str) -> str | None:
    path = ctx.output_path(name)
    return str(path) if path.exists() else None
