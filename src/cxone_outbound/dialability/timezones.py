"""A record's IANA time zone: from its ZIP code when it has one, else from its phone.

ZIP codes come from the `zipcodes` package (USPS data with an IANA zone per ZIP, maintained and
shipped as a package: no download at run time). Phones use libphonenumber's own area-code table
(`phonenumbers.timezone`). An area code that spans zones (605: Denver and North Dakota/Center,
800 numbers: the whole plan) is `ambiguous`: the record gets no zone and says why, rather than
a guess that could put a call at 7:00 local.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers.phonenumberutil import is_number_type_geographical

from cxone_outbound.dialability.geo_states import US_STATES, state_of_number
from cxone_outbound.dialability.zip_data import load_zip_rows
from cxone_outbound.phones.metadata import classify

__all__ = ["US_STATES", "ZipInfo", "ZoneFinder", "ZoneResult", "ZoneStatus", "is_iana_zone",
           "zip_index"]

_ZIP = re.compile(r"^\s*(\d{5})(?:[-\s]?\d{4})?\s*$")
_UNKNOWN_ZONE = "Etc/Unknown"
PHONE_MEMO = 8_192
"""Entries of each per-number memo: a list's numbers are mostly distinct, so a larger memo buys
few hits for its memory (65,536 entries held ~12 MB each); per-prefix memos stay larger."""


class ZoneStatus(StrEnum):
    OK = "ok"
    AMBIGUOUS = "ambiguous"  # the evidence names several zones: none is chosen
    UNKNOWN = "unknown"  # no evidence (no ZIP, an unreadable phone, a zone we cannot load)


@dataclass(frozen=True, slots=True)
class ZipInfo:
    zone: str | None
    state: str
    area_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ZoneResult:
    """A time zone and where it came from; `candidates` lists the zones of an ambiguous one."""

    status: ZoneStatus
    zone: str | None = None
    source: str | None = None  # "zip" or "phone"
    state: str | None = None  # the US state (or territory) a ZIP or an area code names
    candidates: tuple[str, ...] = ()
    states: tuple[str, ...] = ()  # the states an area code serves, when not one

    @property
    def tzinfo(self) -> ZoneInfo | None:
        return ZoneInfo(self.zone) if self.zone else None


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@functools.cache
def is_iana_zone(zone: str) -> bool:
    if zone not in _known_zones():
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@functools.cache
def zip_index() -> Mapping[str, ZipInfo]:
    """ZIP code -> (IANA zone or None, state), built once from the `zipcodes` package (through
    its compact on-disk reduction, `zip_data`: the package's own objects weigh ~140 MB).

    A few USPS rows carry no zone or a name that is not an IANA zone: those ZIPs get None and
    the record falls back to its phone.
    """
    shared: dict[ZipInfo, ZipInfo] = {}  # 42k ZIPs, fewer than 2k distinct answers
    index: dict[str, ZipInfo] = {}
    for zip_code, (zone, state, codes) in load_zip_rows().items():
        info = ZipInfo(zone if is_iana_zone(zone) else None, state, codes)
        index[zip_code] = shared.setdefault(info, info)
    return index


def area_code_states(zips: Mapping[str, ZipInfo]) -> Mapping[str, frozenset[str]]:
    """US area code -> the states whose ZIPs it serves (several near a border)."""
    states: dict[str, set[str]] = {}
    for info in zips.values():
        for code in info.area_codes:
            states.setdefault(code, set()).add(info.state)
    return {code: frozenset(found) for code, found in states.items()}


@functools.cache
def _equivalent(zones: tuple[str, ...]) -> bool:
    """True when the zones keep one UTC offset at every hour of the coming two years: then
    they are one local time under several names (Europe/London and Europe/Jersey)."""
    infos = [ZoneInfo(z) for z in zones]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hour in range(0, 2 * 366 * 24):
        moment = start + timedelta(hours=hour)
        offsets = {moment.astimezone(info).utcoffset() for info in infos}
        if len(offsets) > 1:
            return False
    return True


class ZoneFinder:
    """Finds each record's zone; ZIP lookups and phone lookups are memoised."""

    def __init__(self, *, zips: Mapping[str, ZipInfo] | None = None) -> None:
        self._zips = zips
        self._area_states: Mapping[str, frozenset[str]] | None = None

    @property
    def zips(self) -> Mapping[str, ZipInfo]:
        if self._zips is None:
            self._zips = zip_index()
        return self._zips

    def by_zip(self, raw: str | None) -> ZoneResult | None:
        """The zone a US ZIP (5 digits, or ZIP+4) names; None when there is no usable ZIP."""
        if not raw:
            return None
        match = _ZIP.match(raw)
        if match is None:
            return None
        info = self.zips.get(match.group(1))
        if info is None or info.zone is None:
            return None
        return ZoneResult(ZoneStatus.OK, info.zone, "zip", info.state)

    def by_phone(self, e164: str | None) -> ZoneResult:
        if not e164:
            return ZoneResult(ZoneStatus.UNKNOWN, source="phone")
        return _phone_zone(e164)

    def find(self, *, zip_code: str | None, e164: str | None) -> ZoneResult:
        """The ZIP's zone when the ZIP is known, else the phone's (ambiguous or unknown: no zone).

        A ZIP names a place, an area code a numbering plan: the ZIP wins, and its state is kept
        for state calling rules even where the phone decides nothing.
        """
        found = self.by_zip(zip_code)
        if found is not None:
            return found
        result = self.by_phone(e164)
        states = self.phone_states(e164)
        if len(states) == 1:
            return replace(result, state=states[0])
        return replace(result, states=states)

    def phone_states(self, e164: str | None) -> tuple[str, ...]:
        """The US state a +1 number is from: libphonenumber's geocoder ("Chicago, IL", "South
        Dakota") first; else every state whose ZIPs its area code serves (several near a
        border); none for other countries."""
        if not e164 or not e164.startswith("+1") or len(e164) < 5:
            return ()
        state = _geocoded_state(e164)
        if state is not None:
            return (state,)
        if self._area_states is None:
            self._area_states = area_code_states(self.zips)
        return tuple(sorted(self._area_states.get(e164[2:5], ())))


@functools.lru_cache(maxsize=PHONE_MEMO)
def _geocoded_state(e164: str) -> str | None:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) != "US":
        return None
    return state_of_number(number)  # the geocoder's answer, from its +1 prefixes alone


_CANONICAL_E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def _phone_zone(e164: str) -> ZoneResult:
    """A number's zone as libphonenumber's `time_zones_for_number` gives it. A canonical E.164
    string (what an import holds) takes the fast path: the same decisions (type by
    `phones.metadata.classify`, then the longest prefix of libphonenumber's zone table) without
    parsing, as an import decides a zone for every row; anything else is parsed."""
    if len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():  # most rows
        return _nanp_zone(e164[2:8])
    if _CANONICAL_E164.match(e164):
        return _zone_of(_table_zones(e164[1:]))
    return _parsed_phone_zone(e164)


@functools.lru_cache(maxsize=65_536)
def _nanp_zone(npa_nxx: str) -> ZoneResult:
    """A +1 number's zone by its area code and exchange alone: in libphonenumber's data both
    the type of a NANP number and its zone (zone keys are at most `1NPANXX`) are decided by
    them, so a list's numbers share a few thousand answers (tests/dialability checks the
    equality against libphonenumber's own)."""
    return _zone_of(_table_zones(f"1{npa_nxx}0000"))


@functools.lru_cache(maxsize=PHONE_MEMO)
def _parsed_phone_zone(e164: str) -> ZoneResult:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ZoneResult(ZoneStatus.UNKNOWN, source="phone")
    from phonenumbers import timezone as phone_timezones  # loaded when a phone needs a zone

    return _zone_of(tuple(phone_timezones.time_zones_for_number(number)))


def _table_zones(digits: str) -> tuple[str, ...]:
    """`time_zones_for_number` of the number `+digits`, read from the tables directly."""
    table, longest = _zone_table()
    country_code, national = _split_country_code(digits)
    if not country_code:
        return ()
    _, kind = classify(country_code, national)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return ()
    if not is_number_type_geographical(kind, country_code):
        digits = str(country_code)  # the country's zones, as libphonenumber gives them
    for size in range(min(longest, len(digits)), 0, -1):
        zones = table.get(digits[:size])
        if zones is not None:
            return tuple(zones)
    return ()


@functools.cache
def _zone_table() -> tuple[Mapping[str, Sequence[str]], int]:
    """libphonenumber's prefix -> zones table and its longest prefix (not in its stubs)."""
    from phonenumbers import timezone as phone_timezones  # loaded when a phone needs a zone

    table: Mapping[str, Sequence[str]] = getattr(phone_timezones, "TIMEZONE_DATA")  # noqa: B009
    longest: int = getattr(phone_timezones, "TIMEZONE_LONGEST_PREFIX")  # noqa: B009
    return table, longest


def _split_country_code(digits: str) -> tuple[int, str]:
    for size in range(1, 4):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return 0, digits


@functools.lru_cache(maxsize=4_096)
def _zone_of(zones: tuple[str, ...]) -> ZoneResult:
    """The result a number's candidate zones give: one zone (or several that keep one local
    time), ambiguous, or unknown."""
    usable = tuple(z for z in zones if z != _UNKNOWN_ZONE and is_iana_zone(z))
    if not usable:
        return ZoneResult(ZoneStatus.UNKNOWN, source="phone")
    if len(usable) > 1 and not _equivalent(usable):
        return ZoneResult(ZoneStatus.AMBIGUOUS, source="phone", candidates=usable)
    return ZoneResult(ZoneStatus.OK, usable[0], "phone", candidates=usable)
