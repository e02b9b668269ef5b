"""A CRM row through the mapping: values, defaults, null guard, rejections."""

from __future__ import annotations

from decimal import Decimal

from cxone_outbound.jobs.enrich.mapping import parse_mapping
from cxone_outbound.jobs.enrich.transform import Status, apply_field, apply_mapping

MAPPING = parse_mapping(
    """
[key]
column = "id"

[[field]]
column = "status"
attribute = "crm_status"
transforms = ["trim", "lower"]
map = { a = "active", c = "churned", x = "" }
default = "unknown"

[[field]]
column = "score"
type = "integer"
required = true

[[field]]
column = "balance"
type = "decimal"

[[field]]
column = "vip"
type = "boolean"
"""
)
STATUS, SCORE, BALANCE, VIP = MAPPING.fields


def row(**cells: str) -> dict[str, str]:
    return {"id": "c-1", "status": "A", "score": "5", "balance": "1.50", "vip": "yes", **cells}


def test_a_good_row_sends_every_attribute_typed() -> None:
    result = apply_mapping(MAPPING, row(), 1)
    assert result.contact_id == "c-1"
    assert result.attributes == {
        "crm_status": "active",
        "score": 5,
        "balance": Decimal("1.50"),
        "vip": True,
    }
    assert set(result.statuses.values()) == {Status.VALUE}
    assert result.sendable and result.rejection is None


def test_transforms_run_in_order_before_the_value_map() -> None:
    assert apply_field(STATUS, "  C ") == (Status.VALUE, "churned", None)


def test_an_unmapped_value_passes_through_the_map() -> None:
    assert apply_field(STATUS, "Gold") == (Status.VALUE, "gold", None)


def test_a_null_like_value_takes_the_default() -> None:
    assert apply_field(STATUS, "N/A") == (Status.DEFAULT, "unknown", None)


def test_a_value_mapped_to_nothing_takes_the_default() -> None:
    assert apply_field(STATUS, "x") == (Status.DEFAULT, "unknown", None)


def test_a_null_like_value_without_default_is_not_sent() -> None:
    result = apply_mapping(MAPPING, row(balance="NULL"), 1)
    assert "balance" not in result.attributes
    assert result.statuses["balance"] is Status.NULL
    assert result.sendable


def test_a_value_failing_its_cast_is_dropped_and_reported_not_defaulted() -> None:
    result = apply_mapping(MAPPING, row(vip="maybe"), 1)
    assert "vip" not in result.attributes
    assert result.statuses["vip"] is Status.INVALID
    assert result.problems == (
        "column 'vip' -> attribute 'vip': 'maybe' is not a boolean (true/false, yes/no, y/n, 1/0)",
    )
    assert result.sendable


def test_a_required_value_that_is_missing_rejects_the_row() -> None:
    result = apply_mapping(MAPPING, row(score=" "), 3)
    assert result.rejection == "column 'score' -> attribute 'score': required value is empty"
    assert not result.sendable


def test_a_required_value_that_fails_its_cast_rejects_the_row_with_the_cast_reason() -> None:
    result = apply_mapping(MAPPING, row(score="5.5"), 3)
    assert result.rejection == "column 'score' -> attribute 'score': '5.5' is not an integer"


def test_a_row_without_contact_id_is_rejected() -> None:
    result = apply_mapping(MAPPING, row(id="None"), 9)
    assert result.contact_id is None
    assert result.rejection == "no contact id in key column 'id'"


def test_the_contact_id_is_trimmed() -> None:
    assert apply_mapping(MAPPING, row(id="  c-9 "), 1).contact_id == "c-9"


def test_a_row_with_nothing_to_send_is_not_sendable_but_not_rejected() -> None:
    m = parse_mapping('[[field]]\ncolumn = "tier"\n')
    result = apply_mapping(m, {"contactId": "c-1", "tier": "null"}, 1)
    assert result.rejection is None and not result.sendable


def test_a_missing_cell_counts_as_null() -> None:
    result = apply_mapping(MAPPING, {"id": "c-1", "score": "1"}, 1)
    assert result.statuses == {
        "crm_status": Status.DEFAULT,
        "score": Status.VALUE,
        "balance": Status.NULL,
        "vip": Status.NULL,
    }
