"""phonenumbers' parse replayed exactly for plain text, against metadata compiled once (`metadata`).

Why: `phonenumbers` is pure Python and generic. Per number its `parse` walks the text character
by character through a Unicode digit table, recompiles every metadata pattern it touches (its
pattern cache is off by default) and validation classifies a number twice. Lists are mostly
plain text (ASCII digits and `+-.()/ `), so for such text this module replays the same steps
in the same order against patterns compiled once. Anything else (letters, extensions,
RFC 3966, other scripts' digits), and any surprise, is left to `phonenumbers` itself.

Exactness is the contract: tests/phones/test_phones.py compares every field against the public
phonenumbers calls on a large generated corpus.
"""

from __future__ import annotations

import re

from phonenumbers import NumberParseException
from phonenumbers import phonenumberutil as _pnu

from cxone_outbound.phones.metadata import (
    _CC_TO_REGIONS,
    _MAX_CC,
    _MAX_NSN,
    _MIN_NSN,
    _SUPPORTED_REGIONS,
    _VR,
    _for_code,
    _for_region,
    _Metadata,
)

__all__ = ["read_plain"]


# The one private piece reused as is: phonenumbers' own viability pattern. If a release drops
# it, plain reading is off and every number goes through `phonenumbers.parse`.
_VIABLE: re.Pattern[str] | None = getattr(_pnu, "_VALID_PHONE_NUMBER_PATTERN", None)

# Text made only of these characters can hold no letters, extension or RFC 3966 part, so
# parse's extraction and normalisation reduce to strips and a digit filter.
_PLAIN = re.compile(r"[0-9+\-.()/ ]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")


class _Unread(Exception):
    """A parse failure, with phonenumbers' `NumberParseException` error type."""

    def __init__(self, error_type: int) -> None:
        super().__init__(error_type)
        self.error_type = error_type


def _extract_country_code(digits: str) -> tuple[int, str]:
    if not digits or digits[0] == "0":
        return 0, digits
    for size in range(1, min(len(digits), _MAX_CC) + 1):
        code = int(digits[:size])
        if code in _CC_TO_REGIONS:
            return code, digits[size:]
    return 0, digits


def _country_code(number: str, default: _Metadata | None) -> tuple[int, str]:
    """phonenumbers' _maybe_extract_country_code for plain text: (code, rest) or (0, '')."""
    if not number:
        return 0, ""
    if number[0] == "+":
        digits = _NOT_DIGIT.sub("", number.lstrip("+"))
        international = True
    else:
        digits = _NOT_DIGIT.sub("", number)
        international = False
        idd = default.idd if default is not None else None
        match = idd.match(digits) if idd is not None else None
        if match is not None:
            # an international prefix followed by a 0 is not one
            after = digits[match.end() :]
            if not after or after[0] != "0":
                digits, international = after, True
    if international:
        if len(digits) <= _MIN_NSN:
            raise _Unread(NumberParseException.TOO_SHORT_AFTER_IDD)
        code, rest = _extract_country_code(digits)
        if code:
            return code, rest
        raise _Unread(NumberParseException.INVALID_COUNTRY_CODE)
    if default is not None:
        code_text = str(default.country_code)
        if digits.startswith(code_text):
            national = default.strip_national_prefix(digits[len(code_text) :])
            if (
                not default.general_match(digits) and default.general_match(national)
            ) or default.length_check(digits) == _VR.TOO_LONG:
                return default.country_code, national
    return 0, ""


def _read(text: str, region: str | None) -> tuple[int, str]:
    # phonenumbers.parse, step by step, for plain text (see _PLAIN)
    number = text.rstrip("+-.()/ ").lstrip("-.()/ ")
    if len(number) < _MIN_NSN or _VIABLE is None or _VIABLE.fullmatch(number) is None:
        raise _Unread(NumberParseException.NOT_A_NUMBER)
    if region not in _SUPPORTED_REGIONS and number[0] != "+":
        raise _Unread(NumberParseException.INVALID_COUNTRY_CODE)
    default = _for_region(region) if region is not None else None
    try:
        code, national = _country_code(number, default)
    except _Unread as exc:
        if exc.error_type != NumberParseException.INVALID_COUNTRY_CODE or number[0] != "+":
            raise
        code, national = _country_code(number.lstrip("+"), default)
        if code == 0:
            raise
    if code:
        metadata = _for_code(code)
    else:
        national = _NOT_DIGIT.sub("", number)
        metadata = default
        code = default.country_code if default is not None else 0
    if len(national) < _MIN_NSN:
        raise _Unread(NumberParseException.TOO_SHORT_NSN)
    if metadata is not None:
        stripped = metadata.strip_national_prefix(national)
        if metadata.length_check(stripped) not in (
            _VR.TOO_SHORT,
            _VR.IS_POSSIBLE_LOCAL_ONLY,
            _VR.INVALID_LENGTH,
        ):
            national = stripped
    if len(national) < _MIN_NSN:
        raise _Unread(NumberParseException.TOO_SHORT_NSN)
    if len(national) > _MAX_NSN:
        raise _Unread(NumberParseException.TOO_LONG)
    # ASCII digits: the national significant number phonenumbers rebuilds from its integer and
    # italian leading zeros is this very string
    return code, national


def read_plain(text: str, region: str | None) -> tuple[int, str] | int | None:
    """`phonenumbers.parse(text, region)` for plain text: (country code, national significant
    number), or the `NumberParseException` error type it would raise.

    None when the text is not plain (letters, extensions, other digits, RFC 3966) or the
    replay meets anything unexpected: the caller then asks phonenumbers itself. `region` must
    already be upper case, as phonenumbers' own lookups make it.
    """
    if _PLAIN.fullmatch(text) is None or (region is not None and region not in _SUPPORTED_REGIONS):
        return None
    try:
        return _read(text, region)
    except _Unread as exc:
        return exc.error_type
    except Exception:  # a metadata shape this replay does not know: let phonenumbers decide
        return None
