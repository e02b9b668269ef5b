"""DNC numbers as 64-bit keys: one line of a registry download or internal list, read or refused.

A key is the E.164 number's digits as an integer (`+12125550101` -> 12125550101): E.164 never
starts with 0 after the `+` and has at most 15 digits, so the mapping is one-to-one and fits in
50 bits. That leaves the top bits of an int64 free for a source index while sorting (compile.py).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_KEY", "LineRefused", "key_of_e164", "parse_dnc_line"]

MAX_KEY = 10**15 - 1  # 15 digits: the longest E.164 number
_DROP = b" \t-.()/,"  # separators seen in registry and CRM exports ("212,5550101" is the FTC's)
_NANP_LEADING = frozenset(b"23456789")


@dataclass(frozen=True, slots=True)
class LineRefused:
    """Why a line is not a number (the compile report names the line)."""

    reason: str


def _nanp(digits: bytes) -> int | LineRefused:
    """10 NANP digits as a key, refusing area codes or exchanges that cannot exist."""
    if digits[0] not in _NANP_LEADING:
        return LineRefused("a US area code starts with 2-9")
    if digits[3] not in _NANP_LEADING:
        return LineRefused("a US exchange starts with 2-9")
    return 10_000_000_000 + int(digits)


def parse_dnc_line(raw: bytes) -> int | LineRefused | None:
    """One line: its key, `None` for a blank or comment line, or why it is refused.

    Accepts 10-digit US numbers (`2125550101`, `(212) 555-0101`, `212,5550101`), the same with
    a leading 1, and E.164 (`+442079460000`). `#` starts a comment; CR and spaces are ignored.
    """
    text = raw.split(b"#", 1)[0].strip()
    if not text:
        return None
    if len(text) == 10 and text.isdigit():  # the registry's own shape: the fast path
        return _nanp(text)
    plus = text.startswith(b"+")
    digits = (text[1:] if plus else text).translate(None, _DROP)
    if not digits.isdigit() or not digits.isascii():
        return LineRefused("not a phone number (digits, optionally + and punctuation)")
    if plus:
        if digits[0] == ord("0"):
            return LineRefused("E.164 numbers do not start with +0")
        if digits[0] == ord("1"):
            if len(digits) != 11:
                return LineRefused("a +1 number has 10 digits after the +1")
            return _nanp(digits[1:])
        if not 7 <= len(digits) <= 15:
            return LineRefused("E.164 numbers have 7 to 15 digits")
        return int(digits)
    if len(digits) == 11 and digits[0] == ord("1"):
        return _nanp(digits[1:])
    if len(digits) == 10:
        return _nanp(digits)
    return LineRefused("not a 10-digit US number nor E.164 (+ and country code)")


def key_of_e164(e164: str) -> int | None:
    """The key of an E.164 string (`+12125550101`), or None when it is not one."""
    if len(e164) < 2 or e164[0] != "+":
        return None
    digits = e164[1:]
    if not (digits.isascii() and digits.isdigit()) or digits[0] == "0" or len(digits) > 15:
        return None
    return int(digits)
