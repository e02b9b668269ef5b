"""The check job: a verdict for every record of a file or a list, before anything is dialled.

It runs on the engine like every job (journal, resume, results, progress, audit), but sends
nothing: each record's verdict goes to `dialability.csv` in the run folder (the record's line,
phone, E.164, verdict, every reason, zone and where it came from, state, and the next callable
time), and the run's summary counts verdicts, reasons and callable-now records by time zone.
A record the source could not read fails, as in every job; every other record succeeds (its
verdict was made), so succeeded + failed + skipped is still every line read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.dialability.verdict import DncLookup, Verdict, VerdictKind, check_record
from cxone_outbound.dialability.windows import CallingPolicy
from cxone_outbound.engine.job import BaseJob, RunContext
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError
from cxone_outbound.phones import PhoneNormalizer, PhoneResult
from cxone_outbound.phones import Reason as PhoneReason

__all__ = [
    "CHECK_FIELDS",
    "DIALABILITY_CSV",
    "REPORT_HEADER",
    "CheckJob",
    "Checker",
    "VerdictTally",
    "fact_columns",
    "judge_phone",
    "verdict_row",
]

CHECK_FIELDS: Mapping[str, Sequence[str]] = {
    "phone_number": ("phone", "phone_number", "phonenumber", "mobile", "telephone"),
    "zip_code": ("zip", "zip_code", "zipcode", "postal_code", "postcode"),
    "state": ("state", "state_code", "province"),
    "contactId": ("contact_id", "id"),
}
"""Canonical fields of a check's input and the header names that mean them."""


def fact_columns(columns: Sequence[str]) -> dict[str, str]:
    """Which of a source's columns hold a check's facts besides the phone (`zip_code`,
    `state`, `contactId`): for a job (an import) whose own aliases do not name them."""
    def spelling(name: str) -> str:
        return name.replace("_", "").replace("-", "").replace(" ", "").casefold()

    by_spelling = {spelling(c): c for c in reversed(columns)}  # the first spelling wins
    found: dict[str, str] = {}
    for fact, aliases in CHECK_FIELDS.items():
        if fact == "phone_number":
            continue
        column = next((by_spelling[spelling(a)] for a in (fact, *aliases)
                       if spelling(a) in by_spelling), None)
        if column is not None:
            found[fact] = column
    return found

DIALABILITY_CSV = "dialability.csv"
REPORT_HEADER = ["line", "contact_id", "phone", "e164", "verdict", "reasons", "time_zone",
                 "zone_source", "state", "callable_at"]


@dataclass
class Checker:
    """Everything a verdict depends on, fixed for a run: policy, lookups, filters and `now`."""

    policy: CallingPolicy
    now: datetime
    normalizer: PhoneNormalizer = field(default_factory=PhoneNormalizer)
    finder: ZoneFinder = field(default_factory=ZoneFinder)
    dnc: DncLookup | None = None
    allowed_regions: Collection[str] = ()
    blocked_line_types: Collection[str] = ()

    def __call__(self, fields: Mapping[str, str]) -> Verdict:
        return check_record(
            fields.get("phone_number"),
            zip_code=fields.get("zip_code"),
            state=fields.get("state"),
            normalizer=self.normalizer,
            finder=self.finder,
            policy=self.policy,
            now=self.now,
            dnc=self.dnc,
            allowed_regions=self.allowed_regions,
            blocked_line_types=self.blocked_line_types,
        )


def judge_phone(checker: Checker, result: PhoneResult, attributes: Mapping[str, Any]
                ) -> tuple[PhoneResult, Verdict | None]:
    """A screened phone judged as well (sanitise `--check`): a blocked verdict rejects it as
    `not_dialable`, naming every blocking reason; a phone already rejected is not judged."""
    if not result.ok or result.e164 is None:
        return result, None
    texts = {str(k): str(v) for k, v in attributes.items() if v is not None}
    facts = {fact: texts[column] for fact, column in fact_columns(list(texts)).items()}
    verdict = checker({**facts, "phone_number": result.e164})
    if verdict.kind is not VerdictKind.BLOCKED:
        return result, verdict
    blocking = "; ".join(str(f) for f in verdict.findings if f.reason.blocks)
    return result.rejected(PhoneReason.NOT_DIALABLE, blocking), verdict


class CheckJob(BaseJob):
    """Judges every record; writes dialability.csv; counts verdicts, reasons, zones."""

    name = "check"
    batch_size = 500
    concurrency = 1

    def __init__(self, checker: Checker, *, describe: Callable[[], Mapping[str, Any]] | None = None
                 ) -> None:
        self.checker = checker
        self._describe = describe
        self.tally = VerdictTally(checker.now)

    def options(self) -> Mapping[str, Any]:
        return {
            "now": self.checker.now.isoformat(),
            **(dict(self._describe()) if self._describe else {}),
        }

    def prepare(self, record: Record) -> Item | RecordError:
        return Item(record, record.fields)

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        out = ctx.csv_output(DIALABILITY_CSV, REPORT_HEADER)
        outcomes = []
        for item in batch.items:
            verdict = self.checker(item.payload)
            out.writerow(verdict_row(item.record.line, item.payload.get("contactId", ""),
                                     item.payload.get("phone_number", ""), verdict))
            self.tally.add(verdict)
            outcomes.append(Outcome.succeeded(item.key, reason=verdict.kind.value))
        return outcomes

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        return {"check": self.tally.describe(ctx.output_path(DIALABILITY_CSV))}


def verdict_row(line: int, contact_id: str, phone: str, verdict: Verdict) -> list[Any]:
    """A row of dialability.csv (`REPORT_HEADER`): the same for `cxo check` and inline checks."""
    zone = verdict.zone
    zone_name = _zone_name(verdict)
    return [
        line,
        contact_id,
        phone,
        verdict.e164 or "",
        verdict.kind.value,
        "; ".join(str(f) for f in verdict.findings),
        " ".join(zone.candidates) if zone and not zone.zone else zone_name,
        zone.source if zone and zone.source else "",
        " ".join(verdict.states),
        f"{verdict.callable_at:%Y-%m-%dT%H:%M:%SZ}" if verdict.callable_at else "",
    ]


@dataclass
class VerdictTally:
    """A run's verdicts counted: the summary's `check` section, which the HTML report charts."""

    now: datetime
    verdicts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    records_by_zone: Counter[str] = field(default_factory=Counter)
    callable_now_by_zone: Counter[str] = field(default_factory=Counter)

    def add(self, verdict: Verdict) -> None:
        zone_name = _zone_name(verdict)
        self.verdicts[verdict.kind.value] += 1
        self.reasons.update(f.reason.value for f in verdict.findings)
        self.records_by_zone[zone_name] += 1
        if verdict.kind is VerdictKind.DIALABLE:
            self.callable_now_by_zone[zone_name] += 1

    def describe(self, file: Path | None) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "verdicts": {kind.value: self.verdicts.get(kind.value, 0) for kind in VerdictKind},
            "reasons": dict(self.reasons.most_common()),
            "records_by_zone": dict(self.records_by_zone.most_common()),
            "callable_now_by_zone": dict(self.callable_now_by_zone.most_common()),
            "file": str(file) if file is not None else None,
        }


def _zone_name(verdict: Verdict) -> str:
    """The record's zone, `ambiguous` (the candidates are in the CSV) or `unknown`."""
    zone = verdict.zone
    if zone is not None and zone.zone:
        return zone.zone
    return "ambiguous" if zone is not None and zone.candidates else "unknown"
