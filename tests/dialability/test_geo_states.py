"""A +1 number's state comes from the geocoder's +1 prefixes alone, as the geocoder says it."""

from __future__ import annotations

from pathlib import Path

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import geocoder

from cxone_outbound.dialability import geo_states


def _geocoder_state(e164: str) -> str | None:
    number = phonenumbers.parse(e164, None)
    return geo_states.state_of_description(geocoder.description_for_number(number, "en"))


@settings(max_examples=600, deadline=None)
@given(st.integers(200, 999), st.integers(0, 999), st.integers(0, 9999))
def test_a_us_numbers_state_is_the_geocoders_own(npa: int, nxx: int, line: int) -> None:
    number = phonenumbers.parse(f"+1{npa}{nxx:03d}{line:04d}", None)
    if phonenumbers.region_code_for_number(number) != "US":
        return
    assert geo_states.state_of_number(number) == _geocoder_state(f"+1{npa}{nxx:03d}{line:04d}")


def test_known_numbers_name_their_states() -> None:
    states = {e164: geo_states.state_of_number(phonenumbers.parse(e164, None))
              for e164 in ("+13125550101", "+16055550101", "+12125550101", "+18005550101")}
    assert states == {"+13125550101": "IL", "+16055550101": "SD", "+12125550101": "NY",
                      "+18005550101": None}  # toll-free: described by its country alone


def test_the_cached_reduction_equals_the_geocoder_reduced_in_process(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "us-states.json"
    table, longest = geo_states.prefix_states(cache)
    assert cache.exists()  # written by the child process
    assert table == geo_states._reduced()
    assert longest == 7


def test_a_damaged_reduction_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "us-states.json"
    cache.write_text("[1, 2]")
    table, _ = geo_states.prefix_states(cache)
    assert table["1312"] == "IL"
