"""A record's zone: the ZIP's when known, else the phone's; never a guess between zones."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxone_outbound.dialability import timezones, zip_data
from cxone_outbound.dialability.timezones import ZipInfo, ZoneFinder, ZoneStatus, zip_index


def test_a_zip_code_names_its_zone_and_state() -> None:
    found = ZoneFinder().find(zip_code="32801", e164="+12125550101")
    assert (found.status, found.zone, found.source, found.state) == (
        ZoneStatus.OK, "America/New_York", "zip", "FL")


def test_zip_plus_four_is_read() -> None:
    assert ZoneFinder().find(zip_code="94105-1234", e164=None).zone == "America/Los_Angeles"


def test_without_a_usable_zip_the_phone_decides() -> None:
    finder = ZoneFinder()
    for zip_code in (None, "", "00000", "ABCDE"):
        found = finder.find(zip_code=zip_code, e164="+13125550101")
        assert (found.zone, found.source, found.state) == ("America/Chicago", "phone", "IL")


def test_an_area_code_spanning_zones_is_ambiguous_not_guessed() -> None:
    found = ZoneFinder().find(zip_code=None, e164="+16055550101")  # South Dakota: two zones
    assert found.status is ZoneStatus.AMBIGUOUS and found.zone is None
    assert set(found.candidates) == {"America/Denver", "America/North_Dakota/Center"}
    assert found.state == "SD"


def test_zones_that_keep_one_local_time_are_one_zone() -> None:
    found = ZoneFinder().find(zip_code=None, e164="+447911123456")  # London and its islands
    assert found.status is ZoneStatus.OK and found.zone is not None
    assert len(found.candidates) > 1


def test_no_evidence_is_unknown() -> None:
    assert ZoneFinder().find(zip_code=None, e164=None).status is ZoneStatus.UNKNOWN


def test_a_zip_row_without_a_real_zone_falls_back_to_the_phone() -> None:
    finder = ZoneFinder(zips={"12345": ZipInfo(None, "NY")})
    found = finder.find(zip_code="12345", e164="+12125550101")
    assert (found.source, found.zone) == ("phone", "America/New_York")


def test_the_shipped_zip_data_has_only_loadable_zones() -> None:
    index = zip_index()
    assert len(index) > 40_000
    assert index["10001"].zone == "America/New_York"


# The fast path (`_phone_zone` on canonical E.164, by area code and exchange for +1) must give
# libphonenumber's own answer, which `_parsed_phone_zone` asks for number by number.

@settings(max_examples=400, deadline=None)
@given(st.integers(200, 999), st.integers(0, 999), st.integers(0, 9999))
def test_a_nanp_numbers_zone_is_libphonenumbers_own(npa: int, nxx: int, line: int) -> None:
    e164 = f"+1{npa}{nxx:03d}{line:04d}"
    assert timezones._phone_zone(e164) == timezones._parsed_phone_zone(e164)


@pytest.mark.parametrize("e164", [
    "+447911123456", "+442079460958", "+33612345678", "+4930123456", "+74951234567",
    "+79161234567", "+61212345678", "+5511912345678", "+819012345678", "+999123456789",
    "+18005550101", "+16055550101", "+12125550101",
])
def test_an_international_numbers_zone_is_libphonenumbers_own(e164: str) -> None:
    assert timezones._phone_zone(e164) == timezones._parsed_phone_zone(e164)


def test_the_cached_zip_data_equals_the_package_reduced_in_process(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "zip-index.tsv"
    rows = zip_data.load_zip_rows(cache)
    assert cache.exists()  # written by the child process
    assert rows == zip_data._reduced()
    assert zip_data.load_zip_rows(cache) == rows  # and read back as it was


def test_a_damaged_zip_cache_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "zip-index.tsv"
    cache.write_text('{"10001": "not a row"}')
    assert zip_data.load_zip_rows(cache)["10001"][1] == "NY"
