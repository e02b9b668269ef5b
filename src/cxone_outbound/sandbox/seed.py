"""Realistic seed contacts: names, emails, phones of several countries, a few duplicates by case.

Stored phones are E.164 (the API requires it); `raw_seed_records` also gives the messy original
forms (national and international spellings, some junk) for building CSVs that exercise cleaning.
"""

from __future__ import annotations

import random

from cxone_outbound.sandbox.csv_import import ContactRow

FIRST = ("Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Inès", "Jonas",
         "Kofi", "Lena", "Mateo", "Nadia", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tomás")
LAST = ("Silva", "Müller", "Smith", "Dubois", "Rossi", "Kowalski", "Nakamura", "Okafor",
        "García", "Johansson", "Patel", "O'Brien", "Novak", "Lefèvre", "Schmidt", "Brown")
DOMAINS = ("example.com", "example.org", "mail.example.net", "corp.example")
SEGMENTS = ("gold", "silver", "bronze", "trial")

# (country calling code, national number: fixed start + random digits, national prefix)
COUNTRIES = (
    ("1", "201", 7, ""),
    ("1", "416", 7, ""),
    ("44", "7700", 6, "0"),
    ("33", "6", 8, "0"),
    ("49", "151", 8, "0"),
    ("61", "4", 8, "0"),
    ("34", "6", 8, ""),
)


def _phone(rng: random.Random, index: int) -> tuple[str, str]:
    """An E.164 phone and a messy (national or spaced international) spelling of it."""
    cc, start, digits, prefix = COUNTRIES[index % len(COUNTRIES)]
    national = start + str(rng.randrange(10 ** (digits - 1), 10**digits))
    e164 = f"+{cc}{national}"
    style = rng.randrange(4)
    if style == 0:
        messy = e164
    elif style == 1:
        messy = f"00{cc} {national[:3]} {national[3:]}"
    elif style == 2 and cc == "1":
        messy = f"({national[:3]}) {national[3:6]}-{national[6:]}"
    elif style == 2:
        messy = f"{prefix}{national}"
    else:
        messy = f"+{cc}-{national[:3]}-{national[3:]}"
    return e164, messy


def raw_seed_records(count: int, rng: random.Random) -> list[dict[str, str]]:
    """`count` records as a CSV source would hold them; about 3% carry junk phones."""
    out = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        e164, messy = _phone(rng, i)
        if rng.random() < 0.03:
            messy = rng.choice(("n/a", "12", "+0000", "call me", ""))
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@{rng.choice(DOMAINS)}"
        out.append({"phone_number": messy, "e164": e164, "first_name": first, "last_name": last,
                    "email": email, "segment": rng.choice(SEGMENTS)})
    return out


def seed_rows(count: int, rng: random.Random) -> list[ContactRow]:
    """`count` valid contacts with distinct E.164 phones (the junk ones are left out)."""
    rows: list[ContactRow] = []
    seen: set[str] = set()
    index = 0
    while len(rows) < count:
        rec = raw_seed_records(1, rng)[0]
        e164, _ = _phone(rng, index)
        index += 1
        if e164 in seen:
            continue
        seen.add(e164)
        rows.append(ContactRow(row=len(rows) + 1, phone=e164, first_name=rec["first_name"],
                               last_name=rec["last_name"], email=rec["email"],
                               attributes={"segment": rec["segment"]}))
    return rows
