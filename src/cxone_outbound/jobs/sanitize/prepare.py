"""Before a sanitise run: read the whole list, screen its phones, decide each contact's action
(`PlanBuilder`: duplicates need the whole list), and refuse a plan whose list has changed since
(a purge must delete only what the plan judged).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.client.models import Contact
from cxone_outbound.jobs.check import Checker, VerdictTally, judge_phone
from cxone_outbound.jobs.list_snapshot import ListSnapshot, as_snapshot
from cxone_outbound.jobs.sanitize.directive import Directive
from cxone_outbound.jobs.sanitize.plan import DUPLICATE, Plan, list_fingerprint
from cxone_outbound.phones import (
    LineTypeLookup,
    PhoneNormalizer,
    PhoneResult,
    as_written,
    screen_phones,
)


class ListChangedError(Exception):
    """The list is not the one the plan was made from: applying it could delete the wrong data."""


async def fetch_contacts(client: Any, list_id: str, *, page_size: int = 1000) -> list[Contact]:
    """Every contact of a list, following `nextPageUri` to the end (in memory: small lists)."""
    contacts: list[Contact] = []
    async for page in client.iter_contact_pages(list_id, page_size=page_size):
        contacts.extend(page)
    return contacts


async def read_list(
    client: Any, list_id: str, snapshot: ListSnapshot, *, page_size: int = 1000
) -> ListSnapshot:
    """Every contact of a list into `snapshot`, page by page: memory stays one page."""
    async for page in client.iter_contact_pages(list_id, page_size=page_size):
        snapshot.add(page)
    return snapshot


SCREEN_PAGE = 10_000  # contacts screened (and their lookups batched) at a time


async def plan_list(
    list_id: str,
    contacts: Sequence[Contact] | ListSnapshot,
    directive: Directive,
    *,
    lookup: LineTypeLookup | None = None,
    path: Path | None = None,
    digits_only: bool = False,
    checker: Checker | None = None,
) -> Plan:
    """The plan for a list, a page at a time: each distinct raw phone of a page screened once
    (a bounded memo across pages, lookups batched); entries kept at `path` (memory if None).

    `digits_only` (`capabilities.phones_as_digits`): the API shows a phone as its digits, the
    country code included ("universal" format); a digits-only phone that does not read as a
    number of the default region is read as `+digits` (`phones.as_written`), and a phone whose
    digits are its E.164 number's is already right.

    `checker` (`--check POLICY`): a contact whose verdict is `blocked` is purged like any bad
    number (`not_dialable`, every blocking reason in its detail); the plan keeps the counts.
    """
    snapshot = as_snapshot(contacts)
    normaliser = PhoneNormalizer(directive.default_region)
    policy = directive.policy()
    builder = PlanBuilder(list_id, directive.describe(), path=path, digits_only=digits_only)
    tally = VerdictTally(checker.now) if checker is not None else None
    records = snapshot.records(SCREEN_PAGE) if checker is not None else None
    for pairs in snapshot.pairs(SCREEN_PAGE):
        distinct = list(dict.fromkeys(phone for _, phone in pairs))
        read = [as_written(r, normaliser) for r in distinct] if digits_only else distinct
        screened = await screen_phones(read, normaliser, policy, lookup)
        by_raw: dict[str, PhoneResult] = dict(zip(distinct, screened, strict=True))
        results = [by_raw[phone] for _, phone in pairs]
        if checker is not None and records is not None and tally is not None:
            results = [_judged(checker, tally, r, next(records)[1]) for r in results]
        builder.add((cid, phone, r) for (cid, phone), r in zip(pairs, results, strict=True))
    plan = builder.finish(snapshot.fingerprint())
    if tally is not None:  # kept with the plan: an applied plan's run reports its verdicts
        plan.directive = {**plan.directive, "check": tally.describe(None)}
    return plan


def _judged(checker: Checker, tally: VerdictTally, result: PhoneResult,
            contact: Mapping[str, Any]) -> PhoneResult:
    judged, verdict = judge_phone(checker, result, contact.get("attributes") or {})
    if verdict is not None:
        tally.add(verdict)
    return judged


def verify_unchanged(plan: Plan, contacts: Sequence[Contact] | ListSnapshot) -> None:
    """Refuse a plan whose list has changed (ids or phones) since it was made."""
    snapshot = as_snapshot(contacts)
    if snapshot.fingerprint() != plan.list_fingerprint:
        raise ListChangedError(
            f"list {plan.list_id} changed since the plan was made ({len(snapshot)} contacts now, "
            f"{plan.total} planned); make a new plan"
        )


class PlanBuilder:
    """Makes a plan a page at a time: each contact's screening now, duplicates at the end.

    When several contacts reach the same E.164 number, the one already written that way keeps
    it (else the first in list order) and the others are purged as duplicates: the API keeps
    phones unique within a list, so their PATCH could only fail. That needs the whole list, so
    it is decided by SQLite once every page is in.
    """

    def __init__(self, list_id: str, directive: Mapping[str, Any], *,
                 path: Path | None = None, digits_only: bool = False) -> None:
        self.plan = Plan(list_id, "", directive, path=path)
        self._db = self.plan._db
        # `digits_only`: the API shows phones as their digits (admin), so a phone whose digits
        # are its E.164 number's is written as it should be — else a clean list would be
        # re-uploaded on every run
        # an entry's phone is already its E.164 number as text or, the parameter set, by its
        # digits: `(raw = e164 OR (? = 1 AND '+' || raw = e164))` below
        self._digits = 1 if digits_only else 0

    def add(self, screened: Iterable[tuple[str, str, PhoneResult]]) -> None:
        """(contact id, raw phone, its screening) in list order."""
        rows = []
        for cid, raw, result in screened:
            rows.append((
                cid, raw, result.e164, None if result.ok else str(result.reason),
                "" if result.ok else result.detail, result.region,
                result.line_type.value if result.e164 else None, 1 if result.ok else 0,
            ))
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO entries (contact_id, raw, e164, reason, detail, region, line_type, ok)"
            " VALUES (?,?,?,?,?,?,?,?)",
            rows,
        )
        self._db.execute("COMMIT")

    def finish(self, list_fingerprint: str) -> Plan:
        db = self._db
        db.execute("BEGIN")
        db.execute(
            "CREATE TEMP TABLE keeper AS SELECT e164, contact_id FROM ("
            " SELECT e164, contact_id, row_number() OVER"
            " (PARTITION BY e164 ORDER BY (raw = e164 OR (? = 1 AND '+' || raw = e164)) DESC,"
            " seq) AS n"
            " FROM entries WHERE ok = 1) WHERE n = 1", (self._digits,)
        )
        db.execute("CREATE UNIQUE INDEX temp.keeper_e164 ON keeper (e164)")
        db.execute("UPDATE entries SET action = 'purge', rank = 2 WHERE ok = 0")
        db.execute(
            "UPDATE entries SET action = 'purge', rank = 2, reason = ?,"
            " duplicate_of = keeper.contact_id, detail = 'same number as contact '"
            " || keeper.contact_id FROM keeper"
            " WHERE entries.ok = 1 AND keeper.e164 = entries.e164"
            " AND keeper.contact_id != entries.contact_id",
            (DUPLICATE,),
        )
        db.execute(
            "UPDATE entries SET action = CASE WHEN (raw = e164 OR (? = 1 AND '+' || raw = e164))"
            " THEN 'unchanged' ELSE 'normalise' END, rank = CASE WHEN (raw = e164 OR"
            " (? = 1 AND '+' || raw = e164)) THEN 0 ELSE 1 END WHERE action IS NULL",
            (self._digits, self._digits)
        )
        db.execute("DROP TABLE keeper")
        db.execute("COMMIT")
        self.plan.list_fingerprint = list_fingerprint
        self.plan.seal()
        return self.plan


def make_plan(
    list_id: str,
    contacts: Sequence[tuple[str, str | None]],
    screen: Callable[[str], PhoneResult],
    directive: Mapping[str, Any],
    *,
    digits_only: bool = False,
) -> Plan:
    """Decide every contact of a list, given as (contact id, raw phone) in list order.

    `digits_only`: the API returns phones as their digits (admin), so a phone whose digits are
    its E.164 number's is as it should be — else a clean list would be re-uploaded every run.

    `screen` normalises and judges one raw phone (a memoised `PhoneNormalizer` + policy).
    """
    builder = PlanBuilder(list_id, directive, digits_only=digits_only)
    builder.add((cid, phone or "", screen(phone or "")) for cid, phone in contacts)
    return builder.finish(list_fingerprint(contacts))
