"""When a row's value already holds in the list (`--changed-only`): only when it is the very
value the list would store again; anything less certain is "changed" (one request too many,
never an update lost)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.jobs.sync.values import canonical, phone_holds, value_holds, writes_hold


def test_text_holds_only_against_the_same_text() -> None:
    assert value_holds("gold", "gold")
    assert not value_holds("gold", "Gold")
    assert not value_holds("gold", " gold")


def test_text_holds_against_a_typed_value_only_in_its_own_spelling() -> None:
    assert value_holds("42", 42)
    assert not value_holds("042", 42)
    assert not value_holds("42.0", 42)
    assert value_holds("true", True)
    assert not value_holds("True", True)
    assert value_holds("1.5", 1.5)
    assert not value_holds("1.50", 1.5)
    assert not value_holds("2", 2.0)


def test_a_typed_value_holds_against_the_text_a_list_gives_back() -> None:
    assert value_holds(42, "42")
    assert value_holds(False, "false")
    assert not value_holds(1, True)  # an integer is not a boolean


def test_no_value_never_holds() -> None:
    assert not value_holds("gold", None)
    assert not value_holds(None, None)
    assert not value_holds("x", {"nested": "x"})
    assert canonical(math.nan) is None


def test_a_phone_holds_as_text_or_where_the_api_keeps_digits_as_digits() -> None:
    assert phone_holds("+12125550100", "+12125550100", as_digits=False)
    assert not phone_holds("(212) 555-0100", "+12125550100", as_digits=False)
    assert phone_holds("+1 212 555 0100", "12125550100", as_digits=True)
    assert not phone_holds("212 555 0100", "12125550100", as_digits=True)
    assert not phone_holds("n/a", "", as_digits=True)


def test_a_row_holds_only_when_every_value_it_writes_holds() -> None:
    current = {"firstName": "Ann", "attributes": {"tier": "gold", "score": 7}}
    assert writes_hold({"firstName": "Ann", "attributes": {"tier": "gold"}}, current)
    assert writes_hold({"attributes": {"score": "7"}}, current)
    assert not writes_hold({"firstName": "Ann", "attributes": {"tier": "silver"}}, current)
    assert not writes_hold({"attributes": {"region": "EU"}}, current)  # not held at all
    assert not writes_hold({"lastName": "Lee"}, current)
    assert not writes_hold({}, current)  # a row that writes nothing is not "unchanged"


def test_phones_in_a_row_follow_the_dialect() -> None:
    current = {"phone": "12125550100"}
    assert writes_hold({"phone": "+12125550100"}, current, phones_as_digits=True)
    assert not writes_hold({"phone": "+12125550100"}, current)


scalars = st.one_of(st.text(), st.integers(), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))


@given(scalars)
def test_every_value_holds_against_itself(value: object) -> None:
    assert value_holds(value, value)


@given(scalars)
def test_nothing_holds_against_a_missing_value(value: object) -> None:
    assert not value_holds(value, None)


@given(st.text(), st.text())
def test_different_texts_never_hold(a: str, b: str) -> None:
    assert value_holds(a, b) == (a == b)
