"""Suppressions on a real tenant: the records of its do-not-call groups (CXONE-REAL.md, S1/S2).

Every reply is read through `contract` (a reply of another shape is `SchemaDrift`, never "no
groups"): `GET /dnc-groups` inside `resultSet` (`dncGroups`), a group's records paged by
`skip`/`top` inside `resultSet` (`dncRecords`, each with `formattedPhone`). Paging stops on an
empty page or when `totalRecords` is reached, never on a short page (a server may cap `top`).

New records go as integers of digits, at most 100 a call (S2), and each gets its own outcome
from `recordResults` (by position): `success: false` fails that record; an `errorCount` the
results do not account for fails every record of the call (we cannot tell which one it was),
so nothing is reported suppressed without the server saying so.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.paging import PAGE_MAX, JsonCall, pages
from cxone_outbound.client.api import seg
from cxone_outbound.client.errors import CXoneError, NotFound, SchemaDrift, ValidationError
from cxone_outbound.client.models import Suppression
from cxone_outbound.phones import normalize_phone

RESOURCE = "dnc-groups"
BATCH_MAX = 100  # S2: at most 100 records a call
_NON_DIGITS = re.compile(r"\D+")


def dnc_digits(phone: str) -> int | None:
    """A phone as the DNC API takes it: the digits of its E.164 form (of the text as written
    when it is not E.164), as an integer; None when it has no digits."""
    result = normalize_phone(phone, None)
    digits = _NON_DIGITS.sub("", result.e164 if result.ok and result.e164 else phone)
    return int(digits) if digits else None


@dataclass(frozen=True, slots=True)
class DncOutcome:
    """What the server said of one record sent: added, or refused with its message."""

    phone_number: str
    success: bool
    error: str | None = None
    formatted_phone: str | None = None


def _error_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        for key in ("message", "error_description", "errorDescription", "description", "error"):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    return str(value)


def record_outcomes(
    sent: Sequence[str], body: Any, shape: contract.Shape = contract.DNC_RECORDS_ADD
) -> list[DncOutcome]:
    """Each sent phone's outcome in a `recordResults` reply (checked against `shape`)."""
    found = contract.read(shape, body)
    results = found["recordResults"]
    if len(results) != len(sent):
        raise SchemaDrift(shape.endpoint, expected={"recordResults"}, seen=found,
                          where=f"recordResults ({len(results)} results for {len(sent)} records)")
    outcomes = [
        DncOutcome(phone, result.get("success") is True,
                   None if result.get("success") is True
                   else _error_text(result.get("error")) or "refused by the server",
                   result.get("formattedPhone") if isinstance(result.get("formattedPhone"), str)
                   else None)
        for phone, result in zip(sent, results, strict=True)
    ]
    count = found.get("errorCount")
    refused = sum(1 for o in outcomes if not o.success)
    if isinstance(count, int) and not isinstance(count, bool) and count > refused:
        note = f"the server counted {count} errors but named {refused}: unverified"
        outcomes = [o if not o.success else DncOutcome(o.phone_number, False, note)
                    for o in outcomes]
    return outcomes


def suppression_of(group: str, row: Mapping[str, Any]) -> Suppression:
    """A DNC record as a suppression. An `expiredDate` that cannot be read keeps the number
    suppressed (never expired): not dialling is the safe side."""
    phone = str(row["formattedPhone"])
    base = {"id": f"{group}:{phone}", "phoneNumber": phone, "reason": f"DNC group {group}"}
    try:
        return Suppression.model_validate({**base, "expiresAt": row.get("expiredDate") or None})
    except PydanticValidationError:
        return Suppression.model_validate(base)


class AdminDnc:
    """The DNC calls of `AdminOutboundApi` (the session call is injected)."""

    def __init__(self, call: JsonCall) -> None:
        self._call = call

    async def groups(self) -> list[str]:
        """Every DNC group's id. A reply listing fewer groups than it counts is an error: the
        unseen groups' numbers would be silently dialled."""
        body = await self._call("GET", RESOURCE, "dnc-groups")
        found = contract.read(contract.DNC_GROUPS, body)
        rows = found["dncGroups"]
        total = found.get("totalGroups")
        if isinstance(total, int) and total > len(rows):
            raise CXoneError(f"GET /dnc-groups: {total} groups counted, {len(rows)} listed; "
                             "the others' records cannot be read", body=body)
        return [str(row["dncGroupId"]) for row in rows]

    def record_pages(
        self, group: str, *, page_size: int = PAGE_MAX
    ) -> AsyncIterator[list[Mapping[str, Any]]]:
        """A group's records page by page (skip/top)."""
        return pages(self._call, RESOURCE, f"dnc-groups/{seg(group)}/records",
                     contract.DNC_RECORDS, page_size=page_size)

    async def iter_suppressions(self, *, page_size: int = PAGE_MAX) -> AsyncIterator[Suppression]:
        """Every record of every group, as a suppression (expired ones too: the caller filters)."""
        for group in await self.groups():
            async for rows in self.record_pages(group, page_size=page_size):
                for row in rows:
                    yield suppression_of(group, row)

    async def add(
        self, group: str, phones: Sequence[str], *, expires_at: datetime | None = None
    ) -> list[DncOutcome]:
        """Add phones to a group, 100 a call; an outcome per phone, in order."""
        outcomes: list[DncOutcome] = []
        for start in range(0, len(phones), BATCH_MAX):
            chunk = phones[start:start + BATCH_MAX]
            digits = [dnc_digits(p) for p in chunk]
            sendable = [p for p, d in zip(chunk, digits, strict=True) if d is not None]
            records: list[dict[str, Any]] = [
                {"phoneNumber": d} | ({"expiredDate": expires_at.isoformat()} if expires_at else {})
                for d in digits if d is not None
            ]
            answered: Iterator[DncOutcome] = iter(())
            if records:
                body = await self._call("POST", RESOURCE, f"dnc-groups/{seg(group)}/records",
                                        json={"dncGroupRecords": records})
                answered = iter(record_outcomes(sendable, body))
            outcomes += [next(answered) if d is not None
                         else DncOutcome(p, False, "no digits in the phone number")
                         for p, d in zip(chunk, digits, strict=True)]
        return outcomes

    async def create_suppression(
        self, phone_number: str, *, reason: str = "", expires_at: datetime | None = None
    ) -> Suppression:
        """One number into the first DNC group; a refusal raises with the server's message."""
        groups = await self.groups()
        if not groups:
            raise NotFound("the tenant has no DNC group to add a number to", status=404)
        [outcome] = await self.add(groups[0], [phone_number], expires_at=expires_at)
        if not outcome.success:
            raise ValidationError(
                f"DNC group {groups[0]} refused {phone_number}: {outcome.error}", status=200,
                code="DNC_RECORD_REFUSED", field="phoneNumber",
            )
        return Suppression(id=f"{groups[0]}:{phone_number}", phone_number=phone_number,
                           reason=reason, expires_at=expires_at)
