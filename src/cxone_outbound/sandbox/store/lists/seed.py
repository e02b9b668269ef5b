"""Realistic seed contacts: names, emails, and phones of several countries.

Two kinds of list: `clean` (every phone E.164 and distinct: what the API itself would accept) and
`mixed` (what real calling lists hold and the sanitise job exists for: the same numbers in
national, `00`/`011` international, spaced and punctuated spellings, some junk, and a few
numbers spelled twice). Phones are kept as written, so within a list a phone is unique by its
exact text: two spellings of one number are two contacts.
"""

from __future__ import annotations

import random
from typing import Literal

from cxone_outbound.sandbox.store.lists.csv_import import ContactRow

PhoneMix = Literal["clean", "mixed"]
PHONE_MIXES: tuple[PhoneMix, ...] = ("clean", "mixed")

FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Inès", "Jonas",
         "Kofi", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tomás")
LAST = ("Silva", "Müller", "Smith", "Dubois", "Rossi", "Kowalski", "Nakamura", "Okafor",
        "García", "Johansson", "Patel", "O'Brien", "Novak", "Lefèvre", "Schmidt", "Brown")
DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example")
SEGMENTS = ("gold", "silver", "bronze", "trial")

# (country calling code, national number: fixed start + random digits, national prefix)
COUNTRIES = (
    ("1", "201", 7, "1"),
    ("1", "416", 7, "1"),
    ("44", "7700", 6, "0"),
    ("33", "6", 8, "0"),
    ("49", "151", 8, "0"),
    ("61", "4", 8, "0"),
    ("34", "6", 8, ""),
)
JUNK_RATE = 0.03
DUPLICATE_RATE = 0.02


def _number(rng: random.Random, index: int) -> tuple[str, str, str]:
    """(calling code, national significant number, national prefix) of a new number."""
    cc, start, digits, prefix = COUNTRIES[index % len(COUNTRIES)]
    return cc, start + str(rng.randrange(10 ** (digits - 1), 10**digits)), prefix


def spell(rng: random.Random, cc: str, national: str, prefix: str) -> str:
    """One of the ways a person or a legacy system writes the number."""
    style = rng.randrange(7)
    if style == 0:
        return f"+{cc}{national}"
    if style == 1:
        return f"00{cc} {national[:3]} {national[3:]}"
    if style == 2 and cc == "1":
        return f"1-{national[:3]}-{national[3:6]}-{national[6:]}"
    if style == 2:  # dialled from North America
        return f"011 {cc} {national}"
    if style == 3 and cc == "1":
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    if style == 3:
        return f"{prefix}{national}"
    if style == 4:
        return f"+{cc} {national[:3]} {national[3:]}"
    if style == 5:
        return f"+{cc}-{national[:3]}-{national[3:]}"
    if cc == "1":
        return f"{national[:3]}.{national[3:6]}.{national[6:]}"
    return f"{prefix}{national[:4]}.{national[4:]}"


def junk(rng: random.Random) -> str:
    """A phone field no dialler can use (words, too few digits, a bad calling code)."""
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(("n/a", "N/A", "none", "call me", "?", "unknown", "-", "tbd"))
    if kind == 1:
        return str(rng.randrange(10, 99_999))
    if kind == 2:
        return f"+0{rng.randrange(10**6, 10**9)}"
    if kind == 3:
        return f"+999 {rng.randrange(10**6, 10**8)}"
    if kind == 4:
        return f"555-{rng.choice(('CALL', 'HELP', 'SHOP'))}"
    return f"{rng.randrange(100, 999)} {rng.randrange(100, 999)} ext. {rng.randrange(1, 99)}"


def seed_rows(count: int, rng: random.Random, mix: PhoneMix = "clean") -> list[ContactRow]:
    """`count` contacts whose phones are distinct as written (the list's uniqueness key)."""
    rows: list[ContactRow] = []
    seen: set[str] = set()
    earlier: list[tuple[str, str, str]] = []
    index = 0
    while len(rows) < count:
        index += 1
        first, last = rng.choice(FIRST), rng.choice(LAST)
        number = _number(rng, index)
        roll = rng.random()
        if mix == "clean":
            phone = f"+{number[0]}{number[1]}"
        elif roll < JUNK_RATE:
            phone = junk(rng)
        elif roll < JUNK_RATE + DUPLICATE_RATE and earlier:
            phone = spell(rng, *rng.choice(earlier))  # the same number, another spelling
        else:
            phone = spell(rng, *number)
            earlier.append(number)
        if phone in seen:
            continue
        seen.add(phone)
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{index}@{rng.choice(DOMAINS)}"
        rows.append(ContactRow(row=len(rows) + 1, phone=phone, first_name=first, last_name=last,
                               email=email, attributes={"segment": rng.choice(SEGMENTS)}))
    return rows
