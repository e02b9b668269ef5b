"""A CRM row through the mapping: the attributes to send, and what happened to each one.

The order is fixed and documented in docs/mapping.md: null guard, transforms in their declared
order, value map, null guard again (a map may produce nothing), cast. A missing value takes the
field's default; a value that fails its cast does not (that would hide bad data), it is dropped
and counted, and a required field that ends up without a value rejects the whole row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cxone_outbound.jobs.enrich.mapping import EnrichmentMapping, FieldMapping
from cxone_outbound.jobs.enrich.values import CastError, Value, cast_text, is_null_like


class Status(StrEnum):
    """What became of one attribute of one row."""

    VALUE = "value"  # the row's own value, sent
    DEFAULT = "default"  # the row had none; the field's default is sent
    NULL = "null"  # the row had none (empty or a null spelling) and there is no default
    INVALID = "invalid"  # the row's value failed its cast; not sent

    @property
    def sent(self) -> bool:
        return self in (Status.VALUE, Status.DEFAULT)


@dataclass(frozen=True)
class RowResult:
    """One row after the mapping: what to send, per-attribute status, and why it may not go."""

    row_number: int  # 1-based, counting data rows after the header
    contact_id: str | None
    attributes: Mapping[str, Value]
    statuses: Mapping[str, Status]
    problems: tuple[str, ...]  # per-attribute reasons (invalid values), reported, not fatal
    rejection: str | None  # set when the row is not sent at all

    @property
    def sendable(self) -> bool:
        return self.rejection is None and bool(self.attributes)


def apply_field(f: FieldMapping, raw: str | None) -> tuple[Status, Value | None, str | None]:
    """One field of one row: (status, the value to send or None, the reason when invalid)."""
    if raw is None or is_null_like(raw):
        return _missing(f)
    text = raw
    for step in f.transforms:
        if step == "trim":
            text = text.strip()
        elif step == "lower":
            text = text.lower()
        else:
            text = text.upper()
    text = f.value_map.get(text, text)
    if is_null_like(text):
        return _missing(f)
    try:
        return Status.VALUE, cast_text(f.type, text, f.date_format), None
    except CastError as exc:
        return Status.INVALID, None, f"{f.label}: {exc}"


def _missing(f: FieldMapping) -> tuple[Status, Value | None, str | None]:
    if f.default is not None:
        return Status.DEFAULT, f.default, None
    return Status.NULL, None, None


def apply_mapping(
    mapping: EnrichmentMapping, row: Mapping[str, str | None], row_number: int
) -> RowResult:
    """Map one CSV row (column -> text) to the contact's attributes."""
    raw_key = row.get(mapping.key_column)
    contact_id = None if raw_key is None or is_null_like(raw_key) else raw_key.strip()
    attributes: dict[str, Value] = {}
    statuses: dict[str, Status] = {}
    problems: list[str] = []
    rejection: str | None = None
    for f in mapping.fields:
        status, value, reason = apply_field(f, row.get(f.column))
        statuses[f.attribute] = status
        if value is not None:
            attributes[f.attribute] = value
        if reason is not None:
            problems.append(reason)
        if rejection is None and f.required and not status.sent:
            rejection = reason if reason is not None else f"{f.label}: required value is empty"
    if contact_id is None:
        rejection = f"no contact id in key column {mapping.key_column!r}"
    return RowResult(
        row_number=row_number,
        contact_id=contact_id,
        attributes=attributes,
        statuses=statuses,
        problems=tuple(problems),
        rejection=rejection,
    )
