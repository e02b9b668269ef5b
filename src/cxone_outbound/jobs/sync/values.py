"""Whether a value a row would write already holds in the list: the comparison of a sync.

A false "unchanged" would lose an update, a false "changed" only costs a request; so every rule
here errs towards "changed". Values are compared as one canonical text, the way the list gives
them back: a typed value read (`42`, `true`, `1.5`) holds against the text a CSV row sends only
when that text is its own spelling (`"42"`, `"true"`, `"1.5"`), never a near one (`"042"`,
`"True"`, `"1.50"`), which the API would store as the same value but which we do not guess at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

ATTRIBUTES = "attributes"


def digits(phone: str) -> str:
    """A phone's digits alone: how the admin dialect keeps it ("universal" format)."""
    return "".join(ch for ch in phone if ch.isdigit())


def canonical(value: Any) -> str | None:
    """A value as one text (JSON's booleans, integers in digits, the shortest repr of a double);
    None for no value or a value no attribute holds (an object, a list, NaN)."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = float(value)
        return repr(number) if math.isfinite(number) else None
    return str(value)


def value_holds(sent: Any, current: Any) -> bool:
    """Whether writing `sent` would leave `current` as it is (no value never holds)."""
    if type(sent) is str and type(current) is str:  # the common case, without the detour
        return sent == current
    text = canonical(sent)
    return text is not None and text == canonical(current)


def phone_holds(sent: str, current: Any, *, as_digits: bool) -> bool:
    """Whether a phone written would leave the list's as it is: the same text, or, where the
    API keeps phones as their digits (`capabilities.phones_as_digits`), the same digits."""
    if not isinstance(current, str) or not sent:
        return False
    if as_digits:
        return bool(digits(sent)) and digits(sent) == digits(current)
    return sent == current


def writes_hold(
    writes: Mapping[str, Any], current: Mapping[str, Any], *, phones_as_digits: bool = False
) -> bool:
    """Whether every value of a row's writes (an update's body: contact fields by their PATCH
    names, attributes under `attributes`) already holds in `current` (the same shape)."""
    for name, sent in writes.items():
        if name == ATTRIBUTES:
            held: Mapping[str, Any] = current.get(ATTRIBUTES) or {}
            if not isinstance(sent, Mapping) or not all(
                value_holds(v, held.get(k)) for k, v in sent.items()
            ):
                return False
        elif name == "phone":
            if not phone_holds(str(sent), current.get("phone"), as_digits=phones_as_digits):
                return False
        elif not value_holds(sent, current.get(name)):
            return False
    return bool(writes)
