"""Pure checks of field values: E.164 phones, emails, attribute values against a list schema."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from cxone_outbound.limits import MAX_ATTRIBUTE_CHARS, MAX_EMAIL_CHARS, MAX_NAME_CHARS
from cxone_outbound.sandbox.errors import ValidationFailed

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
FIELD_TYPES = ("string", "integer", "decimal", "boolean", "date")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
MAX_STRING = MAX_ATTRIBUTE_CHARS  # one definition with the client's checks (limits.py)
MAX_RAW_PHONE = 64

Scalar = str | int | float | bool | None


def is_e164(phone: object) -> bool:
    return isinstance(phone, str) and E164.match(phone) is not None


def is_email(value: object) -> bool:
    return (isinstance(value, str) and len(value) <= MAX_EMAIL_CHARS
            and EMAIL.match(value) is not None)


def check_phone(value: object, field: str = "phone") -> str:
    """The phone if it is E.164, else a 400 naming the field."""
    if not is_e164(value):
        raise ValidationFailed(f"{field} must be E.164 (e.g. +14155550100)", field=field,
                               code="INVALID_E164")
    assert isinstance(value, str)
    return value


def check_raw_phone(value: object, field: str = "phone") -> str:
    """A phone kept exactly as written (setup data only: legacy lists hold national spellings,
    punctuation and junk), any string of at most 64 characters; else a 400."""
    if not isinstance(value, str) or len(value) > MAX_RAW_PHONE:
        raise ValidationFailed(f"{field} must be a string of at most {MAX_RAW_PHONE} characters",
                               field=field, code="INVALID_VALUE")
    return value


def check_email(value: object, field: str = "email") -> str | None:
    """The email ("" and None clear it), else a 400."""
    if value is None or value == "":
        return None
    if not is_email(value):
        raise ValidationFailed(f"{field} is not a valid email address", field=field,
                               code="INVALID_EMAIL")
    assert isinstance(value, str)
    return value


def check_name(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", field=field, code="INVALID_TYPE")
    if len(value) > MAX_NAME_CHARS:
        raise ValidationFailed(f"{field} is longer than {MAX_NAME_CHARS} characters", field=field,
                               code="TOO_LONG")
    return value


def coerce_attribute(value: object, type_: str) -> Scalar:
    """`value` as the schema type wants it (JSON or CSV text), or ValueError. None clears."""
    if value is None:
        return None
    if type_ == "string":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError("expected a string")
        text = str(value)
        if len(text) > MAX_STRING:
            raise ValueError("string too long")
        return text
    if type_ == "integer":
        if isinstance(value, bool):
            raise ValueError("expected an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
            return int(value)
        raise ValueError("expected an integer")
    if type_ == "decimal":
        if isinstance(value, bool):
            raise ValueError("expected a decimal")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise ValueError("expected a decimal") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError("expected a finite decimal")
            return number
        raise ValueError("expected a decimal")
    if type_ == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError("expected a boolean")
    if type_ == "date":
        if isinstance(value, str):
            try:
                if "T" in value:
                    datetime.fromisoformat(value.replace("Z", "+00:00"))
                else:
                    date.fromisoformat(value)
            except ValueError:
                raise ValueError("expected an ISO 8601 date") from None
            return value
        raise ValueError("expected an ISO 8601 date")
    raise ValueError(f"unknown type {type_}")


def check_schema_fields(raw: object) -> list[dict[str, str]]:
    """A list schema's `fields` from a request body, validated."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("schema.fields must be an array", field="schema.fields",
                               code="INVALID_TYPE")
    fields: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"schema.fields[{i}]"
        if not isinstance(item, dict):
            raise ValidationFailed(f"{where} must be an object", field=where, code="INVALID_TYPE")
        unknown = set(item) - {"name", "type"}
        if unknown:
            raise ValidationFailed(f"{where} has unknown fields: {sorted(unknown)}",
                                   field=where, code="UNKNOWN_FIELD")
        name = item.get("name")
        type_ = item.get("type", "string")
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            raise ValidationFailed(f"{where}.name must be an identifier", field=f"{where}.name",
                                   code="INVALID_VALUE")
        if type_ not in FIELD_TYPES:
            raise ValidationFailed(f"{where}.type must be one of {', '.join(FIELD_TYPES)}",
                                   field=f"{where}.type", code="INVALID_VALUE")
        if name in seen:
            raise ValidationFailed(f"duplicate field {name}", field=f"{where}.name",
                                   code="DUPLICATE_FIELD")
        seen.add(name)
        fields.append({"name": name, "type": str(type_)})
    return fields


def require_object(body: object, what: str = "body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed(f"{what} must be a JSON object", code="INVALID_TYPE")
    return body


def reject_unknown(body: dict[str, Any], allowed: set[str] | frozenset[str],
                   where: str = "") -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ValidationFailed(f"unknown field: {prefix}{unknown[0]}", field=prefix + unknown[0],
                               code="UNKNOWN_FIELD")


def check_int(value: object, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        else:
            raise ValidationFailed(f"{field} must be an integer", field=field, code="INVALID_TYPE")
    if not low <= value <= high:
        raise ValidationFailed(f"{field} must be between {low} and {high}", field=field,
                               code="OUT_OF_RANGE")
    return value
