"""ZoneFill: the time zone an import sends: the row's own, else its ZIP's, else its phone's."""

from __future__ import annotations

import pytest

from cxone_outbound.dialability.timezones import ZoneFinder, ZoneStatus
from cxone_outbound.dialability.zone_fill import InvalidZone, ZoneFill, own_zone_column


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
