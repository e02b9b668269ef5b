"""The null-injection guard and the strict casts from CRM text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.jobs.enrich.values import CastError, cast_text, is_null_like


@pytest.mark.parametrize(
    "text",
    ["", " ", "\t\n", "null", "NULL", "Null", "None", "none", "N/A", "n/a", "nan", "NaN", " NULL "],
)
def test_null_spellings_are_null_like(text: str) -> None:
    assert is_null_like(text)


@pytest.mark.parametrize("text", ["0", "n", "nil?", "nullable", "Nana", "-", "false"])
def test_data_is_not_null_like(text: str) -> None:
    assert not is_null_like(text)


@pytest.mark.parametrize(("text", "value"), [("42", 42), ("-7", -7), ("+3", 3), (" 12 ", 12)])
def test_integers_cast_strictly(text: str, value: int) -> None:
    assert cast_text("integer", text) == value


@pytest.mark.parametrize("text", ["4.2", "1e3", "12abc", "1,000", "0x10", "٣"])
def test_non_integers_are_refused(text: str) -> None:
    with pytest.raises(CastError, match="is not an integer"):
        cast_text("integer", text)


def test_decimals_keep_their_exact_digits() -> None:
    value = cast_text("decimal", "1234567.0100")
    assert value == Decimal("1234567.01") and isinstance(value, Decimal)


def test_decimals_the_wire_cannot_carry_exactly_are_refused_not_rounded() -> None:
    with pytest.raises(CastError, match="more precision"):
        cast_text("decimal", "0.1000000000000000055511151231257827")


def test_integers_beyond_64_bits_are_refused() -> None:
    assert cast_text("integer", str(2**63 - 1)) == 2**63 - 1
    with pytest.raises(CastError, match="64-bit"):
        cast_text("integer", str(2**63))


@pytest.mark.parametrize("text", ["abc", "Infinity", "1.2.3", "sNaN"])
def test_non_finite_or_malformed_decimals_are_refused(text: str) -> None:
    with pytest.raises(CastError):
        cast_text("decimal", text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("y", True),
        ("N", False),
    ],
)
def test_booleans_accept_the_documented_spellings(text: str, value: bool) -> None:
    assert cast_text("boolean", text) is value


@pytest.mark.parametrize("text", ["2", "on", "off", "t", "maybe"])
def test_other_boolean_spellings_are_refused(text: str) -> None:
    with pytest.raises(CastError, match="is not a boolean"):
        cast_text("boolean", text)


def test_dates_are_parsed_with_the_declared_format_and_sent_as_iso() -> None:
    assert cast_text("date", "31/01/2024", "%d/%m/%Y") == "2024-01-31"


def test_a_format_with_a_time_of_day_sends_an_iso_datetime() -> None:
    assert cast_text("date", "2024-01-31 08:05", "%Y-%m-%d %H:%M") == "2024-01-31T08:05:00"


@pytest.mark.parametrize("text", ["2024-01-31", "31/13/2024", "30/02/2024"])
def test_dates_not_matching_the_format_are_refused(text: str) -> None:
    with pytest.raises(CastError, match="does not match the date format"):
        cast_text("date", text, "%d/%m/%Y")


def test_strings_pass_unchanged() -> None:
    assert cast_text("string", "  Mixed Case ") == "  Mixed Case "


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_any_integer_round_trips(n: int) -> None:
    assert cast_text("integer", str(n)) == n


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_double_written_as_text_round_trips(f: float) -> None:
    assert cast_text("decimal", repr(f)) == Decimal(repr(f))
