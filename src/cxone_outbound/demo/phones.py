"""Realistic phone numbers for the demo workload: valid numbers per region, written messily.

Pure: every choice comes from the `random.Random` passed in, so a seed gives the same numbers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

# Where the demo's contacts live, and how many of every 100 live there. ES and IT are outside the
# demo directive's allowed regions: the sanitise plan purges them.
REGION_WEIGHTS: dict[str, int] = {
    "US": 44, "CA": 8, "GB": 15, "DE": 10, "FR": 10, "AU": 9, "ES": 2, "IT": 2,
}
NANP_AREA_CODES: dict[str, tuple[int, ...]] = {
    "US": (212, 213, 305, 312, 404, 415, 512, 617, 646, 702, 713, 718, 206, 303, 602),
    "CA": (416, 514, 604, 403, 613, 902, 780, 647),
}
TOLL_FREE_PREFIXES = (800, 888, 877, 866)


@dataclass(frozen=True, slots=True)
class Phone:
    """A valid number: its region and its parsed form (written out by `write_*`)."""

    region: str
    number: phonenumbers.PhoneNumber

    @property
    def e164(self) -> str:
        return phonenumbers.format_number(self.number, PhoneNumberFormat.E164)

    @property
    def national_significant(self) -> str:
        return phonenumbers.national_significant_number(self.number)


def pick_region(rng: random.Random) -> str:
    regions = list(REGION_WEIGHTS)
    return rng.choices(regions, weights=[REGION_WEIGHTS[r] for r in regions])[0]


def _nanp(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    area = rng.choice(NANP_AREA_CODES[region])
    exchange = rng.randrange(201, 999)
    if exchange % 100 == 11 or exchange == 555:  # N11 service codes and the fictional 555
        exchange += 1
    return phonenumbers.PhoneNumber(
        country_code=1, national_number=int(f"{area}{exchange:03d}{rng.randrange(10000):04d}")
    )


def _varied(rng: random.Random, region: str) -> phonenumbers.PhoneNumber:
    kind = rng.choice((PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE))
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None or not phonenumbers.is_valid_number(example):
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    assert example is not None, region
    digits = str(example.national_number)
    keep = max(2, len(digits) - 6)
    tail = "".join(str(rng.randrange(10)) for _ in range(len(digits) - keep))
    return phonenumbers.PhoneNumber(
        country_code=example.country_code, national_number=int(digits[:keep] + tail)
    )


def valid_phone(rng: random.Random, region: str) -> Phone:
    """A number libphonenumber holds valid for `region` (a few draws, then its example)."""
    for _ in range(8):
        number = _nanp(rng, region) if region in NANP_AREA_CODES else _varied(rng, region)
        if phonenumbers.is_valid_number(number):
            return Phone(region, number)
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    assert example is not None, region
    return Phone(region, example)


def toll_free_phone(rng: random.Random) -> Phone:
    """A US toll-free number (the demo directive blocks that line type)."""
    prefix = rng.choice(TOLL_FREE_PREFIXES)
    number = phonenumbers.PhoneNumber(
        country_code=1,
        national_number=int(f"{prefix}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"),
    )
    return Phone("US", number)


def write_readable(rng: random.Random, phone: Phone) -> str:
    """How a CRM or a spreadsheet holds a number that `cxo import --default-region US` reads."""
    styles: Sequence[str] = ("e164", "international", "e164", "intl00")
    if phone.number.country_code == 1:
        styles = ("e164", "international", "national", "dashes", "dots", "one_dashes")
    style = rng.choice(styles)
    nsn = phone.national_significant
    cc = phone.number.country_code
    if style == "international":
        return phonenumbers.format_number(phone.number, PhoneNumberFormat.INTERNATIONAL)
    if style == "intl00":
        return f"00{cc} {nsn}"
    if style == "national":
        return phonenumbers.format_number(phone.number, PhoneNumberFormat.NATIONAL)
    if style == "dashes":
        return f"{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}"
    if style == "dots":
        return f"{nsn[:3]}.{nsn[3:6]}.{nsn[6:]}"
    if style == "one_dashes":
        return f"1-{nsn[:3]}-{nsn[3:6]}-{nsn[6:]}"
    return phone.e164


def write_foreign_national(phone: Phone) -> str:
    """A non-NANP number in its own national format: unreadable with a US default region."""
    return phonenumbers.format_number(phone.number, PhoneNumberFormat.NATIONAL)


def write_trunk_zero(phone: Phone) -> str:
    """`+44 (0)20...` typed without the brackets: E.164-shaped, so it reaches the list as is,
    and the sanitise plan normalises it (`+44020...` -> `+4420...`)."""
    return f"+{phone.number.country_code}0{phone.national_significant}"


JUNK_PHONES: tuple[str, ...] = (
    "", "n/a", "TBD", "12345", "call after 5pm", "+999 123 4567", "0000000000", "+9991234567",
    "+12", "555-0100", "+1212555", "+3300000000000",
)
"""Phones no one can dial: refused at import, or (E.164-shaped ones) purged by the plan."""
