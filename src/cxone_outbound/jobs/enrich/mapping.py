"""The enrichment mapping: which CRM column feeds which list attribute, typed and transformed.

A mapping is declared in TOML (see docs/mapping.md), loaded into frozen value objects here and
checked twice before anything is sent: against the list's attribute schema (names and types)
and against the CSV header (every column it reads must exist). Every problem is one line that
names the column and the attribute, so a bad mapping is fixed without reading a traceback.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from cxone_outbound.jobs.enrich.values import (
    ATTRIBUTE_TYPES,
    AttributeType,
    CastError,
    Value,
    cast_text,
)

Transform = Literal["trim", "lower", "upper"]

TRANSFORMS: tuple[Transform, ...] = ("trim", "lower", "upper")
DEFAULT_KEY_COLUMN = "contactId"

_FIELD_KEYS = frozenset(
    {"column", "attribute", "type", "format", "transforms", "map", "default", "required"}
)
_KEY_KEYS = frozenset({"column"})
_TOP_KEYS = frozenset({"key", "field"})


class MappingError(ValueError):
    """A mapping that cannot be used: the message is one line naming the column and attribute."""


@dataclass(frozen=True)
class FieldMapping:
    """One CRM column mapped to one list attribute."""

    column: str
    attribute: str
    type: AttributeType = "string"
    date_format: str | None = None  # strptime format of the CRM text; required for dates
    transforms: tuple[Transform, ...] = ()
    value_map: Mapping[str, str] = field(default_factory=dict)
    default: Value | None = None  # already typed; used when the CRM value is missing
    required: bool = False

    @property
    def label(self) -> str:
        """How errors name this field."""
        return f"column {self.column!r} -> attribute {self.attribute!r}"


@dataclass(frozen=True)
class EnrichmentMapping:
    """A whole mapping: the key column holding the contact id, and the attribute fields."""

    fields: tuple[FieldMapping, ...]
    key_column: str = DEFAULT_KEY_COLUMN

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(f.attribute for f in self.fields)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every CSV column the mapping reads, key first, without repeats."""
        seen: dict[str, None] = {self.key_column: None}
        for f in self.fields:
            seen.setdefault(f.column, None)
        return tuple(seen)


def load_mapping(path: Path) -> EnrichmentMapping:
    """Read and check a TOML mapping file; any problem is a `MappingError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read mapping file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: mapping file is not UTF-8 text") from exc
    try:
        return parse_mapping(text)
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from exc


def parse_mapping(text: str) -> EnrichmentMapping:
    """Parse mapping TOML text into an `EnrichmentMapping`, checking every entry."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"not valid TOML: {exc}") from exc
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise MappingError(f"unknown top-level key {unknown[0]!r} (expected [key] and [[field]])")
    key_column = _parse_key(doc.get("key", {}))
    raw_fields = doc.get("field")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise MappingError("no [[field]] entries: map at least one column to an attribute")
    fields = tuple(_parse_field(i, raw) for i, raw in enumerate(raw_fields, start=1))
    seen: dict[str, FieldMapping] = {}
    for f in fields:
        if f.attribute in seen:
            raise MappingError(
                f"{f.label}: attribute {f.attribute!r} is already fed by column "
                f"{seen[f.attribute].column!r}"
            )
        seen[f.attribute] = f
    return EnrichmentMapping(fields=fields, key_column=key_column)


def _parse_key(raw: object) -> str:
    if not isinstance(raw, dict):
        raise MappingError('[key] must be a table, e.g. [key] column = "contactId"')
    unknown = sorted(set(raw) - _KEY_KEYS)
    if unknown:
        raise MappingError(f"[key]: unknown key {unknown[0]!r} (expected 'column')")
    column = raw.get("column", DEFAULT_KEY_COLUMN)
    if not isinstance(column, str) or not column.strip():
        raise MappingError("[key]: column must be a non-empty string")
    return column


def _parse_field(index: int, raw: object) -> FieldMapping:
    where = f"field #{index}"
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: must be a table")
    column = raw.get("column")
    if not isinstance(column, str) or not column.strip():
        raise MappingError(f"{where}: 'column' must be a non-empty string")
    attribute = raw.get("attribute", column)
    if not isinstance(attribute, str) or not attribute.strip():
        raise MappingError(f"{where} (column {column!r}): 'attribute' must be a non-empty string")
    label = f"column {column!r} -> attribute {attribute!r}"
    unknown = sorted(set(raw) - _FIELD_KEYS)
    if unknown:
        raise MappingError(f"{label}: unknown key {unknown[0]!r}")

    type_ = raw.get("type", "string")
    if type_ not in ATTRIBUTE_TYPES:
        raise MappingError(
            f"{label}: unknown type {type_!r} (expected one of {', '.join(ATTRIBUTE_TYPES)})"
        )
    attr_type = cast(AttributeType, type_)

    date_format = raw.get("format")
    if attr_type == "date":
        if not isinstance(date_format, str) or "%" not in date_format:
            raise MappingError(
                f"{label}: a date needs 'format', a strptime format such as \"%d/%m/%Y\""
            )
    elif date_format is not None:
        raise MappingError(f"{label}: 'format' applies to dates only, this field is {attr_type}")

    transforms = raw.get("transforms", [])
    if not isinstance(transforms, list) or any(t not in TRANSFORMS for t in transforms):
        raise MappingError(
            f"{label}: 'transforms' must be a list of {', '.join(TRANSFORMS)}, got {transforms!r}"
        )

    value_map = raw.get("map", {})
    if not isinstance(value_map, dict) or not all(
        isinstance(v, str | int | float | bool) for v in value_map.values()
    ):
        raise MappingError(f"{label}: 'map' must be a table of CRM text to a value")
    # Map targets are written in TOML's native types for convenience; they are re-read through
    # the field's cast like any CRM text, so `true` and "yes" mean the same for a boolean.
    value_map_text = {str(k): _as_text(v) for k, v in value_map.items()}

    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise MappingError(f"{label}: 'required' must be true or false")

    draft = FieldMapping(
        column=column,
        attribute=attribute,
        type=attr_type,
        date_format=date_format if attr_type == "date" else None,
        transforms=tuple(cast(list[Transform], transforms)),
        value_map=value_map_text,
        required=required,
    )
    if "default" not in raw:
        return draft
    default = _typed_default(draft, raw["default"])
    return FieldMapping(**{**draft.__dict__, "default": default})


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed_default(f: FieldMapping, raw: Any) -> Value:
    """A default written in TOML, checked against the field's type now rather than per row."""
    if f.type == "date" and isinstance(raw, dt.date):
        return raw.isoformat()
    if f.type == "decimal" and isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, dict | list) or (isinstance(raw, bool) and f.type != "boolean"):
        raise MappingError(f"{f.label}: default {raw!r} is not a {f.type}")
    try:
        return cast_text(f.type, _as_text(raw), f.date_format)
    except CastError as exc:
        raise MappingError(f"{f.label}: default {raw!r}: {exc}") from exc


def validate_against_schema(mapping: EnrichmentMapping, schema: Mapping[str, Any]) -> None:
    """Check every mapped attribute exists in the list schema with the same type.

    `schema` is the list's schema body, `{"fields": [{"name", "type"}]}`.
    """
    raw_fields = schema.get("fields")
    if not isinstance(raw_fields, list):
        raise MappingError("list schema has no 'fields' list")
    types: dict[str, str] = {}
    for entry in raw_fields:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            types[entry["name"]] = str(entry.get("type", "string"))
    for f in mapping.fields:
        if f.attribute not in types:
            known = ", ".join(sorted(types)) or "none"
            raise MappingError(
                f"{f.label}: the list has no attribute {f.attribute!r} (it has: {known})"
            )
        if types[f.attribute] != f.type:
            raise MappingError(
                f"{f.label}: type mismatch, the mapping says {f.type} "
                f"but the list schema says {types[f.attribute]}"
            )


def check_header(mapping: EnrichmentMapping, header: Sequence[str]) -> None:
    """Check the CSV header carries every column the mapping reads."""
    present = set(header)
    if mapping.key_column not in present:
        raise MappingError(
            f"key column {mapping.key_column!r} is not in the CSV header ({_list(header)})"
        )
    for f in mapping.fields:
        if f.column not in present:
            raise MappingError(f"{f.label}: column {f.column!r} is not in the CSV header")


def _list(names: Iterable[str]) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:10])
    return shown or "empty"


__all__ = [
    "ATTRIBUTE_TYPES",
    "DEFAULT_KEY_COLUMN",
    "TRANSFORMS",
    "AttributeType",
    "EnrichmentMapping",
    "FieldMapping",
    "MappingError",
    "Transform",
    "Value",
    "check_header",
    "load_mapping",
    "parse_mapping",
    "validate_against_schema",
]
