"""The US state of a +1 number as libphonenumber's English geocoder names it, from a reduction.

Importing `phonenumbers.geocoder` loads the whole world's place names (about 90 MB: the largest
part of a check's memory). A state needs only the geocoder's +1 prefixes (about 32k, at most 7
digits) with their English names reduced to state codes; `data_cache` has a child process write
that to the user's cache folder once per phonenumbers version, and the run reads 0.5 MB.
`state_of_number` gives `state_of_description(geocoder.description_for_number(n, "en"))`
(tests/dialability holds it to the geocoder's own answer).

    python -m cxone_outbound.dialability.geo_states PATH   # what the child runs
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import is_number_type_geographical

from cxone_outbound.dialability.data_cache import (
    cache_file,
    load_reduction,
    read_json,
    write_json,
)

__all__ = ["US_STATES", "state_of_description", "state_of_number"]

US_STATES: Mapping[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH",
    "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "washington d.c.": "DC",
    "district of columbia": "DC", "puerto rico": "PR", "guam": "GU",
    "u.s. virgin islands": "VI", "american samoa": "AS", "northern mariana islands": "MP",
}
"""State names as libphonenumber's English geocoder writes them, and their USPS codes."""
_STATE_CODES = frozenset(US_STATES.values())


def state_of_description(text: str) -> str | None:
    """The state a geocoder description names ("Chicago, IL", "South Dakota"), if any."""
    text = text.strip()
    _, comma, code = text.rpartition(",")
    if comma and code.strip() in _STATE_CODES:
        return code.strip()
    return US_STATES.get(text.lower())


def _reduced() -> dict[str, str]:
    """Every +1 prefix of the geocoder with an English name: its state code, or "" for a name
    that is no state (it still hides a shorter prefix, as in the geocoder's own lookup)."""
    from phonenumbers.geodata import GEOCODE_DATA  # the 90 MB this module exists to avoid

    return {prefix: state_of_description(names["en"]) or ""
            for prefix, names in GEOCODE_DATA.items() if prefix.startswith("1") and "en" in names}


def cache_path() -> Path:
    return cache_file(f"us-states-{phonenumbers.__version__}.json")


def _read(path: Path) -> dict[str, str] | None:
    raw: Any = read_json(path)
    if not isinstance(raw, dict) or not raw:
        return None
    return {str(prefix): sys.intern(str(state)) for prefix, state in raw.items()}


@functools.cache
def prefix_states(path: Path | None = None) -> tuple[Mapping[str, str], int]:
    """+1 prefix -> state code ("" for none), and the longest prefix."""
    table = load_reduction(path or cache_path(), __name__, _read, _reduced)
    return table, max(map(len, table))


def state_of_number(number: phonenumbers.PhoneNumber) -> str | None:
    """`state_of_description(geocoder.description_for_number(number, "en"))` for a number of
    the US region, without the geocoder: a number of no known type, or of a type that is not
    geographical, is described by its country ("United States": no state); a geographical one
    by its longest +1 prefix that has a name, else by its country again."""
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN or not is_number_type_geographical(
            kind, number.country_code or 0):
        return None
    digits = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
    table, longest = prefix_states()
    for size in range(min(longest, len(digits)), 0, -1):
        state = table.get(digits[:size])
        if state is not None:
            return state or None
    return None


if __name__ == "__main__":
    write_json(Path(sys.argv[1]), _reduced())
