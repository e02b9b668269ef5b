"""ZoneFill: the time zone an import sends: the row's own, else its ZIP's, else its phone's."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from cxone_outbound.dialability.timezones import ZoneFinder, ZoneStatus
from cxone_outbound.dialability.zone_fill import (
    InvalidZone,
    ZoneCell,
    ZoneFill,
    own_zone_column,
)


def _fill(**kw: str | None) -> ZoneFill:
    return ZoneFill(ZoneFinder(), own_column=kw.get("own"), zip_column=kw.get("zip"))


def test_the_zip_code_names_the_zone_before_the_phone() -> None:
    fill = _fill(zip="zip")
    cell = fill.cell({"zip": "94105"}, "+12125550101")  # a New York number in San Francisco
    assert (cell.zone, cell.source) == ("America/Los_Angeles", "zip")


def test_without_a_zip_the_phone_names_the_zone() -> None:
    cell = _fill(zip="zip").cell({"zip": ""}, "+12125550101")
    assert (cell.zone, cell.source, cell.gap) == ("America/New_York", "phone", None)


def test_an_area_code_across_zones_is_left_empty_never_guessed() -> None:
    fill = _fill()
    cell = fill.cell({}, "+16055550101")  # South Dakota: Central and Mountain
    assert (cell.zone, cell.gap) == ("", ZoneStatus.AMBIGUOUS)
    assert set(cell.candidates) == {"America/Denver", "America/North_Dakota/Center"}
    assert fill.describe()["left_empty_by_reason"] == {"ambiguous": 1}


def test_no_evidence_leaves_the_zone_empty_as_unknown() -> None:
    cell = _fill().cell({}, None)
    assert (cell.zone, cell.gap) == ("", ZoneStatus.UNKNOWN)


def test_the_rows_own_zone_wins_when_it_is_an_iana_name() -> None:
    fill = _fill(own="tz", zip="zip")
    cell = fill.cell({"tz": " America/Phoenix ", "zip": "10001"}, "+12125550101")
    assert (cell.zone, cell.source) == ("America/Phoenix", "column")
    assert fill.describe()["filled_by_source"] == {"column": 1}


@pytest.mark.parametrize("bad", ["Eastern", "EST5EDT-ish", "America/Nowhere", "+05:00"])
def test_an_own_zone_that_is_not_an_iana_name_fails_the_row(bad: str) -> None:
    with pytest.raises(InvalidZone, match="not an IANA time zone") as raised:
        _fill(own="time_zone").cell({"time_zone": bad}, "+12125550101")
    assert raised.value.column == "time_zone"


def test_an_empty_own_zone_falls_back_to_the_evidence() -> None:
    cell = _fill(own="tz").cell({"tz": "  "}, "+12125550101")
    assert (cell.zone, cell.source) == ("America/New_York", "phone")


@pytest.mark.parametrize("columns, found", [
    (["phone", "Time Zone"], "Time Zone"),
    (["phone", "time_zone"], "time_zone"),
    (["phone", "timeZone"], "timeZone"),
    (["phone", "TZ"], "TZ"),
    (["phone", "zone_name"], None),
])
def test_a_files_own_zone_column_is_found_by_its_spellings(
    columns: list[str], found: str | None
) -> None:
    assert own_zone_column(columns) == found


def test_memoised_cells_equal_a_fresh_lookup_for_every_row_and_count_alike() -> None:
    """The memo is keyed by what decides a zone (the ZIP's text; a +1 number's area code and
    exchange; else the number): over many rows, each cell is the one a fresh look-up gives,
    and every row is counted."""
    rng = random.Random(15)
    finder = ZoneFinder()
    real_zips = sorted(finder.zips)[:: max(1, len(finder.zips) // 400)]
    zips = [*real_zips, "", "00000", "ABCDE", "9410", " 94105-1234 ", "10001 2345"]
    phones: list[str | None] = [
        None, "", "+447911123456", "+33612345678", "+819012345678", "+999123456789",
        "+18005550101", "12125550101", "+1212555010", "+1-212-555-0101",
    ]
    fill, fresh = _fill(zip="zip"), Counter[str]()
    for _ in range(6000):
        phone = (rng.choice(phones) if rng.random() < 0.05
                 else f"+1{rng.randrange(200, 1000)}{rng.randrange(1000):03d}"
                      f"{rng.randrange(10_000):04d}")
        zip_code = rng.choice(zips) if rng.random() < 0.3 else ""
        found = (zip_code and finder.by_zip(zip_code)) or finder.by_phone(phone)
        expected = ZoneCell(found.zone or "", found.source or "phone") if (
            found.status is ZoneStatus.OK and found.zone) else ZoneCell(
            "", "", found.status, found.candidates)
        fresh[expected.source or f"empty:{expected.gap}"] += 1
        assert fill.cell({"zip": zip_code}, phone) == expected, (zip_code, phone)
    described = fill.describe()
    assert described["filled"] + described["left_empty"] == 6000
    assert described["filled_by_source"] == {
        k: v for k, v in fresh.items() if not k.startswith("empty:")}
    assert described["left_empty_by_reason"] == {
        k.removeprefix("empty:"): v for k, v in fresh.items() if k.startswith("empty:")}
