"""Reading calling lists as published, paging them, and verifying an upload by reading back.

An upload job answers only `isComplete`/`isCancelled` (CXONE-REAL.md): no counts, no row
results. So what an upload did is read from the list afterwards — its counters and its records
— and a row is `succeeded` only when the list holds it as sent (`ReadBack`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.paging import PAGE_MAX, JsonCall, pages
from cxone_outbound.client.admin.places import SeenPlaces
from cxone_outbound.client.admin.records import ListColumns, same_value
from cxone_outbound.client.api import seg
from cxone_outbound.client.errors import SchemaDrift
from cxone_outbound.client.models import RowError

PAGE_SIZE = PAGE_MAX  # S2: at most 100 a page (a larger `top` is capped by the server)
NOT_APPLIED = "NOT_APPLIED"  # not in the list as sent, not counted invalid: send again
REJECTED = "REJECTED"  # counted invalid by the list: its content was refused

RECORD_PARAMS = {"finalized": "false", "includeRecords": "true"}


def record_pages(call: JsonCall, list_id: str, *, page_size: int = PAGE_SIZE,
                 skip: int = 0) -> AsyncIterator[list[Mapping[str, Any]]]:
    """A calling list's records (`resultSet.contactRecords`), page by page from `skip`."""
    return pages(call, "lists", f"lists/call-lists/{seg(list_id)}", contract.LIST_RECORDS,
                 params=RECORD_PARAMS, page_size=page_size, skip=skip)


@dataclass(frozen=True, slots=True)
class ListCounters:
    """A list's published counters (`totalRecords`, `validRecords`, `invalidRecords`)."""

    total: int
    valid: int
    invalid: int


def list_counters(body: Any) -> ListCounters:
    """The counters of a `GET /lists/call-lists/{id}` reply, else `SchemaDrift`."""
    found = contract.read(contract.LIST, body)
    values: list[int] = []
    for key in ("totalRecords", "validRecords", "invalidRecords"):
        value = found.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise SchemaDrift(contract.LIST.endpoint, expected=contract.LIST.keys, seen=found,
                              where=f"{key} (not an integer)")
        values.append(value)
    return ListCounters(*values)


def list_skill(body: Any) -> int | None:
    """The list's first skill id (`skills[]`; its items are not published: an integer or an
    object with `skillId` is read, anything else is None)."""
    found = contract.read(contract.LIST, body)
    skills = found.get("skills")
    first = skills[0] if isinstance(skills, list) and skills else None
    if isinstance(first, Mapping):
        first = first.get("skillId")
    return first if isinstance(first, int) and not isinstance(first, bool) else None


class ReadBack:
    """What an upload sent, checked off against the list's records as they are read.

    Holds only the upload's own rows (external id -> the last row sent for it; the file's last
    row for an id wins), never the list.
    """

    def __init__(self, rows: Sequence[Mapping[str, str]], columns: ListColumns) -> None:
        self.columns = columns
        self._pending: dict[str, Mapping[str, str]] = {}
        self._rows_of: dict[str, list[int]] = {}
        for number, row in enumerate(rows, start=1):
            external = row[columns.external_id]
            self._pending[external] = row
            self._rows_of.setdefault(external, []).append(number)
        self.sent = len(rows)
        self.duplicated = len(self._pending) < len(rows)  # an external id sent more than once

    @property
    def done(self) -> bool:
        return not self._pending

    @property
    def pending(self) -> int:
        """How many of the upload's external ids are not seen as sent yet."""
        return len(self._pending)

    def pending_ids(self) -> list[str]:
        return list(self._pending)

    def see(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Check off the rows these records hold as sent (empty cells are not compared: a
        tenant may leave such a field as it was)."""
        for record in records:
            external = record.get(self.columns.external_id)
            sent = self._pending.get(str(external)) if external is not None else None
            if sent is not None and all(
                    same_value(value, record.get(column), phone=column == self.columns.phone)
                    for column, value in sent.items() if value != ""):
                del self._pending[str(external)]

    def row_errors(self, before: ListCounters, after: ListCounters) -> list[RowError]:
        """A failure per row not seen as sent: `REJECTED` when the list counted at least that
        many rows invalid, else `NOT_APPLIED` (the counters cannot say which row it was)."""
        missing = sorted(n for e in self._pending for n in self._rows_of[e])
        rejected = after.invalid - before.invalid >= len(self._pending) > 0
        code = REJECTED if rejected else NOT_APPLIED
        message = ("the list counted the row invalid" if rejected else
                   "the row is not in the list as sent after the upload job completed")
        return [RowError(row=n, code=code, message=message) for n in missing]


async def read_back(
    check: ReadBack,
    call: JsonCall,
    list_id: str,
    *,
    start: int,
    refused: int | None = None,
    places: SeenPlaces | None = None,
) -> None:
    """Read the list's records from `start` to the end; stop as soon as no row of the upload
    is pending. Rows still pending after that pass may have rewritten older records:

    - with no external id sent twice, when exactly as many rows are pending as `refused` (how
      many more rows the list counts invalid since before the upload), they are the refused
      ones (a refused row is never in the list): nothing more is read;
    - `places` (where this client's reads saw each record) gives the pages to look at for the
      others; when it has seen the whole list, a row on none of them is in none of them;
    - otherwise the list is read again from its start (what it always did: at every upload with
      a refused row, the whole list, quadratic in its size).

    Nothing is ever taken for written by these rules: a row is `succeeded` only when seen.
    """
    start = max(0, start)
    if await _read_on(check, call, list_id, start, places) or start == 0:
        return
    if not check.duplicated and refused is not None and check.pending == refused:
        return
    if places is not None:
        for skip in places.windows(list_id, check.pending_ids()):
            async for records in record_pages(call, list_id, skip=skip):
                check.see(records)  # one page: the one ending where the record was seen
                break
            if check.done:
                return
        through = places.whole_through(list_id)
        if through is not None and through >= start:
            return
    await _read_on(check, call, list_id, 0, places)


async def _read_on(
    check: ReadBack, call: JsonCall, list_id: str, skip: int, places: SeenPlaces | None
) -> bool:
    """Read from `skip` until no row is pending or the list ends, noting every record's place;
    whether no row is pending."""
    read = 0
    async for records in record_pages(call, list_id, skip=skip):
        if places is not None:
            external = check.columns.external_id
            places.saw(list_id, skip + read, (_text(r.get(external)) for r in records))
        read += len(records)
        check.see(records)
        if check.done:
            break
    if places is not None:
        places.passed(list_id, skip, skip + read)
    return check.done


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
