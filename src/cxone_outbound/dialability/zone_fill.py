"""The time zone an import sends with each record: the row's own, else its ZIP's, else its phone's.

The dialer schedules a record by the list's time-zone column; without it, a tenant falls back to
one default zone for the whole list, which puts calls at the wrong local hour. A zone is never
guessed: an area code across zones (`ambiguous`) or no evidence at all (`unknown`) leaves the
cell empty, and those rows are counted and listed with the reason, so the gap is a known one.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.dialability.timezones import ZoneFinder, ZoneResult, ZoneStatus, is_iana_zone

__all__ = ["TIME_ZONE_ATTRIBUTE", "InvalidZone", "ZoneCell", "ZoneFill", "own_zone_column"]

TIME_ZONE_ATTRIBUTE = "timeZone"
"""The import body's column holding a record's IANA zone (v2: an attribute; admin: renamed to
the list's `timeZoneColumn`)."""

_OWN_SPELLINGS = frozenset({"timezone", "tz", "ianazone", "ianatimezone"})


def _spelling(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).casefold()


def own_zone_column(columns: Sequence[str]) -> str | None:
    """The source column that already holds a record's zone (`time_zone`, `timeZone`, `tz`)."""
    return next((c for c in columns if _spelling(c) in _OWN_SPELLINGS), None)


class InvalidZone(ValueError):
    """A record's own time-zone cell that names no IANA zone; `column` is where it was."""

    def __init__(self, message: str, column: str | None) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True, slots=True)
class ZoneCell:
    """What goes in a record's time-zone cell, and why: `gap` says why it is empty."""

    zone: str
    source: str  # "column", "zip", "phone"; "" when empty
    gap: ZoneStatus | None = None
    candidates: tuple[str, ...] = ()


@functools.lru_cache(maxsize=4_096)
def _cell_of(found: ZoneResult) -> ZoneCell:
    """The cell a zone result gives (a few hundred distinct ones: made once each)."""
    if found.status is ZoneStatus.OK and found.zone:
        return ZoneCell(found.zone, found.source or "phone")
    return ZoneCell("", "", found.status, found.candidates)


def _answer(found: ZoneResult) -> tuple[ZoneCell, str | None]:
    """A zone result's cell and the name of its gap (None when filled)."""
    cell = _cell_of(found)
    return cell, None if cell.gap is None else cell.gap.value


_NO_ZIP = (ZoneCell("", ""), None)  # a ZIP cell that names no zone: the phone decides
_MEMO_SIZE = 65_536


class ZoneFill:
    """Decides each record's zone and counts where the zones came from and why some are empty."""

    def __init__(self, finder: ZoneFinder, *, own_column: str | None = None,
                 zip_column: str | None = None) -> None:
        self.finder = finder
        self.own_column = own_column
        self.zip_column = zip_column
        self.by_source: Counter[str] = Counter()
        self.empty: Counter[str] = Counter()
        self._by_zip: dict[str, tuple[ZoneCell, str | None]] = {}
        self._by_phone: dict[str, tuple[ZoneCell, str | None]] = {}

    def cell(self, fields: Mapping[str, str], e164: str | None,
             found: ZoneResult | None = None) -> ZoneCell:
        """The record's cell; `found` is a zone already looked up for it (by a verdict).

        A zone of the record's own column wins, but only a real IANA name: a typo there would
        schedule calls in the wrong zone, so the row fails instead (`InvalidZone`).
        """
        own = fields.get(self.own_column, "").strip() if self.own_column else ""
        if own:
            if not is_iana_zone(own):
                raise InvalidZone(f"{own!r} is not an IANA time zone (e.g. America/Chicago)",
                                  self.own_column)
            self.by_source["column"] += 1
            return ZoneCell(own, "column")
        if found is None:
            zip_code = fields.get(self.zip_column) if self.zip_column else None
            cell, gap = self._looked_up(zip_code, e164)
        else:
            cell = _cell_of(found)
            gap = None if cell.gap is None else cell.gap.value
        if gap is None:
            self.by_source[cell.source] += 1
        else:
            self.empty[gap] += 1
        return cell

    def _looked_up(self, zip_code: str | None, e164: str | None) -> tuple[ZoneCell, str | None]:
        """The cell a ZIP, else a phone, gives (and its gap's name), memoised by what decides
        it (issue 15: an import asks for every row): the ZIP cell's own text, and for a
        canonical +1 number its area code and exchange (`timezones._phone_zone` decides by
        them alone), else the whole number. Bounded: cleared when full."""
        if zip_code:
            cached = self._by_zip.get(zip_code)
            if cached is None:
                found = self.finder.by_zip(zip_code)
                cached = self._by_zip[zip_code] = (_answer(found) if found is not None
                                                   else _NO_ZIP)
                if len(self._by_zip) > _MEMO_SIZE:
                    self._by_zip.clear()
            if cached is not _NO_ZIP:
                return cached
        if not e164:
            key = ""
        elif len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():
            key = e164[:8]
        else:
            key = e164
        answer = self._by_phone.get(key)
        if answer is None:
            answer = self._by_phone[key] = _answer(self.finder.by_phone(e164))
            if len(self._by_phone) > _MEMO_SIZE:
                self._by_phone.clear()
        return answer

    def describe(self) -> dict[str, Any]:
        """The summary's `time_zone` section: filled by source, left empty by reason."""
        return {
            "column": TIME_ZONE_ATTRIBUTE,
            "filled": sum(self.by_source.values()),
            "filled_by_source": dict(sorted(self.by_source.items())),
            "left_empty": sum(self.empty.values()),
            "left_empty_by_reason": dict(sorted(self.empty.items())),
        }
