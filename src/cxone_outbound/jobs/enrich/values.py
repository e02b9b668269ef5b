"""The null-injection guard and the casts from CRM text to typed attribute values.

CRM extracts spell "no value" many ways (`""`, `"  "`, `NULL`, `None`, `N/A`, `nan`); none of
them may reach a list as if it were data. Every cast is strict: text that is not clearly a value
of the declared type is refused with the reason, never guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Literal

AttributeType = Literal["string", "integer", "decimal", "boolean", "date"]
# What the guard lets through: the typed values a list attribute may hold. Dates are already
# rendered as ISO 8601 text.
Value = str | int | Decimal | bool

ATTRIBUTE_TYPES: tuple[AttributeType, ...] = ("string", "integer", "decimal", "boolean", "date")

NULL_LIKE = frozenset({"", "null", "none", "n/a", "nan"})
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
# JSON numbers on the wire: integers are 64-bit and decimals are doubles (the sandbox and
# most JSON stacks read them so), so a value they cannot carry exactly is refused, not rounded.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%p", "%z", "%X", "%c", "%T", "%R")


class CastError(ValueError):
    """CRM text that is not a value of the declared type; the message says why."""


def is_null_like(text: str | None) -> bool:
    """True for text that means "no value": empty, blank, or a null spelling (any case)."""
    return text is None or text.strip().lower() in NULL_LIKE


def cast_text(type_: AttributeType, text: str, date_format: str | None = None) -> Value:
    """The typed value `text` stands for, or `CastError`.

    Dates are parsed with `date_format` (strptime) and rendered as ISO 8601: a date when the
    format has no time of day, a date-time otherwise.
    """
    if type_ == "string":
        return text
    stripped = text.strip()
    if type_ == "integer":
        if not _INTEGER.fullmatch(stripped):
            raise CastError(f"{text!r} is not an integer")
        whole = int(stripped)
        if not INT64_MIN <= whole <= INT64_MAX:
            raise CastError(f"{text!r} is out of the 64-bit integer range")
        return whole
    if type_ == "decimal":
        try:
            number = Decimal(stripped)
        except InvalidOperation:
            raise CastError(f"{text!r} is not a decimal number") from None
        if not number.is_finite():
            raise CastError(f"{text!r} is not a finite decimal number")
        if Decimal(repr(float(number))) != number:
            raise CastError(f"{text!r} has more precision than a decimal attribute carries")
        return number
    if type_ == "boolean":
        lowered = stripped.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise CastError(f"{text!r} is not a boolean (true/false, yes/no, y/n, 1/0)")
    if type_ == "date":
        if date_format is None:
            raise CastError("a date needs an input format")
        try:
            parsed = dt.datetime.strptime(stripped, date_format)
        except ValueError:
            raise CastError(f"{text!r} does not match the date format {date_format!r}") from None
        if any(d in date_format for d in _TIME_DIRECTIVES):
            return parsed.isoformat()
        return parsed.date().isoformat()
    raise CastError(f"unknown type {type_!r}")
