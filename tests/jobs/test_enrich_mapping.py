"""The mapping file: loading, its one-line errors, and its checks against schema and header."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cxone_outbound.jobs.enrich.mapping import (
    MappingError,
    check_header,
    load_mapping,
    parse_mapping,
    validate_against_schema,
)

FULL = """
[key]
column = "crm_id"

[[field]]
column = "Status"
attribute = "crm_account_status"
transforms = ["trim", "lower"]
map = { a = "active", c = "churned" }
default = "unknown"

[[field]]
column = "Score"
attribute = "priority_score"
type = "integer"
required = true

[[field]]
column = "Balance"
attribute = "balance"
type = "decimal"
default = 0.1

[[field]]
column = "VIP"
attribute = "vip"
type = "boolean"
default = false

[[field]]
column = "LastBuy"
attribute = "last_purchase_date"
type = "date"
format = "%d/%m/%Y"
"""

SCHEMA = {
    "fields": [
        {"name": "crm_account_status", "type": "string"},
        {"name": "priority_score", "type": "integer"},
        {"name": "balance", "type": "decimal"},
        {"name": "vip", "type": "boolean"},
        {"name": "last_purchase_date", "type": "date"},
    ]
}


def one_line(exc: pytest.ExceptionInfo[MappingError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_a_full_mapping_loads_every_declared_setting() -> None:
    m = parse_mapping(FULL)
    assert m.key_column == "crm_id"
    status, score, balance, vip, last = m.fields
    assert (status.column, status.attribute, status.type) == (
        "Status",
        "crm_account_status",
        "string",
    )
    assert status.transforms == ("trim", "lower")
    assert status.value_map == {"a": "active", "c": "churned"}
    assert status.default == "unknown"
    assert score.required and score.type == "integer" and score.default is None
    assert balance.default == Decimal("0.1")
    assert vip.default is False
    assert last.date_format == "%d/%m/%Y"
    assert m.columns == ("crm_id", "Status", "Score", "Balance", "VIP", "LastBuy")


def test_the_key_column_defaults_to_contact_id_and_attribute_to_the_column() -> None:
    m = parse_mapping('[[field]]\ncolumn = "tier"\n')
    assert m.key_column == "contactId"
    assert m.fields[0].attribute == "tier"
    assert m.fields[0].type == "string"


def test_a_date_default_may_be_a_toml_date() -> None:
    m = parse_mapping(
        '[[field]]\ncolumn = "d"\ntype = "date"\nformat = "%Y%m%d"\ndefault = 2024-01-31\n'
    )
    assert m.fields[0].default == "2024-01-31"


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        (
            '[[field]]\ncolumn = "score"\ntype = "int"\n',
            "column 'score' -> attribute 'score': unknown type 'int'",
        ),
        (
            '[[field]]\ncolumn = "d"\ntype = "date"\n',
            "column 'd' -> attribute 'd': a date needs 'format'",
        ),
        ('[[field]]\ncolumn = "s"\nformat = "%Y"\n', "'format' applies to dates only"),
        (
            '[[field]]\ncolumn = "s"\ntransforms = ["title"]\n',
            "column 's' -> attribute 's': 'transforms' must be",
        ),
        (
            '[[field]]\ncolumn = "s"\ncolour = "red"\n',
            "column 's' -> attribute 's': unknown key 'colour'",
        ),
        (
            '[[field]]\ncolumn = "n"\ntype = "integer"\ndefault = "ten"\n',
            "column 'n' -> attribute 'n': default 'ten'",
        ),
        (
            '[[field]]\ncolumn = "b"\ntype = "boolean"\ndefault = 3\n',
            "column 'b' -> attribute 'b': default 3",
        ),
        ('[[field]]\ncolumn = "r"\nrequired = "yes"\n', "'required' must be true or false"),
        (
            '[[field]]\ncolumn = "a"\nattribute = "x"\n[[field]]\ncolumn = "b"\nattribute = "x"\n',
            "column 'b' -> attribute 'x': attribute 'x' is already fed by column 'a'",
        ),
        ('[[field]]\nattribute = "x"\n', "field #1: 'column' must be a non-empty string"),
        ('[key]\ncolumn = "id"\n', "no [[field]] entries"),
        ('[keys]\ncolumn = "id"\n', "unknown top-level key 'keys'"),
        ("[[field]\n", "not valid TOML"),
    ],
)
def test_a_bad_mapping_is_one_line_naming_the_culprit(toml: str, fragment: str) -> None:
    with pytest.raises(MappingError) as exc:
        parse_mapping(toml)
    assert fragment in one_line(exc)


def test_load_mapping_names_the_file_in_its_error(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[field]]\ncolumn = "x"\ntype = "float"\n')
    with pytest.raises(MappingError) as exc:
        load_mapping(path)
    assert one_line(exc).startswith(f"{path}: column 'x'")


def test_load_mapping_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read mapping file"):
        load_mapping(tmp_path / "absent.toml")


def test_a_mapping_matching_the_schema_validates() -> None:
    validate_against_schema(parse_mapping(FULL), SCHEMA)


def test_an_attribute_missing_from_the_schema_names_column_and_attribute() -> None:
    schema = {"fields": [f for f in SCHEMA["fields"] if f["name"] != "vip"]}
    with pytest.raises(MappingError) as exc:
        validate_against_schema(parse_mapping(FULL), schema)
    assert "column 'VIP' -> attribute 'vip': the list has no attribute 'vip'" in one_line(exc)


def test_a_type_mismatch_names_column_attribute_and_both_types() -> None:
    schema = {
        "fields": [
            *SCHEMA["fields"][:1],
            {"name": "priority_score", "type": "string"},
            *SCHEMA["fields"][2:],
        ]
    }
    with pytest.raises(MappingError) as exc:
        validate_against_schema(parse_mapping(FULL), schema)
    assert one_line(exc) == (
        "column 'Score' -> attribute 'priority_score': type mismatch, "
        "the mapping says integer but the list schema says string"
    )


def test_a_header_without_a_mapped_column_is_refused() -> None:
    m = parse_mapping(FULL)
    with pytest.raises(MappingError, match="column 'LastBuy' -> attribute 'last_purchase_date'"):
        check_header(m, ["crm_id", "Status", "Score", "Balance", "VIP"])


def test_a_header_without_the_key_column_is_refused() -> None:
    with pytest.raises(MappingError, match="key column 'crm_id' is not in the CSV header"):
        check_header(parse_mapping(FULL), ["Status", "Score", "Balance", "VIP", "LastBuy"])


def test_the_documented_example_mapping_loads() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "mapping.md").read_text()
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    m = parse_mapping(example)
    assert m.key_column == "cxone_contact_id"
    assert [f.attribute for f in m.fields] == [
        "crm_account_status",
        "priority_score",
        "balance",
        "vip",
        "last_purchase_date",
    ]
