"""The demo's workload: contacts to import, changes, a CRM extract, suppressions, config files.

Pure and seeded: functions take a `random.Random` and return rows or text; `demo.files` writes
them. Each file carries the mess an outbound team really receives, in known proportions, so
the demo shows what every job does with it (records failing by design are part of the show).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cxone_outbound.demo.names import FIRST_NAMES, LAST_NAMES
from cxone_outbound.demo.phones import (
    JUNK_PHONES,
    Phone,
    pick_region,
    toll_free_phone,
    valid_phone,
    write_foreign_national,
    write_readable,
    write_trunk_zero,
)

CONTACT_COLUMNS = (
    "phone_number", "first_name", "last_name", "email", "region", "segment", "lead_batch",
)
UPDATE_COLUMNS = ("contactId", "email", "segment")
CRM_COLUMNS = (
    "CXone ID", "Account Status", "Priority", "Balance", "VIP", "Last Purchase", "Owner",
)
SEGMENTS = ("retail", "smb", "enterprise", "public")
DUPLICATE_POOL = 10_000
"""Earlier numbers a duplicate row is drawn from: a uniform sample of every clean number so far,
so generating a million contacts does not keep a million parsed numbers."""
LIST_SCHEMA: tuple[tuple[str, str], ...] = (
    ("region", "string"),
    ("segment", "string"),
    ("lead_batch", "string"),
    ("crm_account_status", "string"),
    ("priority_score", "integer"),
    ("balance", "decimal"),
    ("vip", "boolean"),
    ("last_purchase_date", "date"),
)
"""The demo list's attributes: the import's extra columns and the enrichment's targets."""


@dataclass(frozen=True, slots=True)
class Mix:
    """How many of every 1,000 contact rows are of each kind (the rest are clean)."""

    junk_phone: int = 12  # unreadable, or E.164-shaped but no number at all
    foreign_national: int = 15  # `020 7946 0958`: unreadable without its region
    trunk_zero: int = 25  # `+44020...`: imported as is, normalised by sanitise
    toll_free: int = 10  # valid, but the directive blocks toll-free lines
    duplicate: int = 30  # a number seen before, written another way
    missing_last_name: int = 5
    bad_email: int = 10


@dataclass(frozen=True, slots=True)
class Contact:
    """A generated contact row and the number behind it (None for junk)."""

    row: tuple[str, ...]
    phone: Phone | None
    kind: str


T = TypeVar("T")


@dataclass(slots=True)
class Reservoir(Generic[T]):
    """A uniform sample of at most `size` of the items offered so far (Algorithm R), in fixed
    memory whatever their number; seeded by the `random.Random` it is handed."""

    rng: random.Random
    size: int
    items: list[T] = field(default_factory=list)
    seen: int = 0

    def offer(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.size:
            self.items[slot] = item


def sample(rng: random.Random, items: Iterable[T], size: int) -> list[T]:
    """`size` items drawn uniformly from a stream read once (all of them if it holds fewer)."""
    reservoir: Reservoir[T] = Reservoir(rng, size)
    for item in items:
        reservoir.offer(item)
    return reservoir.items


def _email(rng: random.Random, first: str, last: str, bad: bool) -> str:
    if bad:
        return rng.choice((f"{first.lower()}@", f"{first}.{last}", "n/a@", "@example.com"))
    if rng.random() < 0.12:
        return ""
    domain = rng.choice(("example.com", "example.org", "mail.example.net"))
    return f"{first.lower()}.{last.lower().replace(' ', '')}{rng.randrange(100)}@{domain}"


def contacts(rng: random.Random, count: int, batch: str, mix: Mix = Mix()) -> Iterator[Contact]:
    """`count` contact rows (`CONTACT_COLUMNS`), messy in the proportions of `mix`."""
    seen: Reservoir[Phone] = Reservoir(rng, DUPLICATE_POOL)
    for _ in range(count):
        roll = rng.randrange(1000)
        kind = "clean"
        phone: Phone | None
        if (roll := roll - mix.junk_phone) < 0:
            kind, phone, text = "junk_phone", None, rng.choice(JUNK_PHONES)
        elif (roll := roll - mix.foreign_national) < 0:
            region = rng.choice(("GB", "DE", "FR", "AU"))
            kind, phone = "foreign_national", valid_phone(rng, region)
            text = write_foreign_national(phone)
        elif (roll := roll - mix.trunk_zero) < 0:
            region = rng.choice(("GB", "DE", "FR", "AU"))
            kind, phone = "trunk_zero", valid_phone(rng, region)
            text = write_trunk_zero(phone)
        elif (roll := roll - mix.toll_free) < 0:
            kind, phone = "toll_free", toll_free_phone(rng)
            text = write_readable(rng, phone)
        elif (roll := roll - mix.duplicate) < 0 and seen.items:
            kind, phone = "duplicate", rng.choice(seen.items)
            text = write_readable(rng, phone)
        else:
            phone = valid_phone(rng, pick_region(rng))
            text = write_readable(rng, phone)
        if phone is not None and kind == "clean":
            seen.offer(phone)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.randrange(1000) < mix.missing_last_name:
            kind, last = "missing_last_name", ""
        bad_email = rng.randrange(1000) < mix.bad_email
        if bad_email:
            kind = "bad_email"
        email = _email(rng, first, last or "x", bad_email)
        region = phone.region if phone is not None else rng.choice(("US", ""))
        row = (text, first, last, email, region, rng.choice(SEGMENTS), batch)
        yield Contact(row, phone, kind)


def update_rows(
    rng: random.Random, contact_ids: Iterable[str], count: int, unknown_share: float = 0.02
) -> list[tuple[str, str, str]]:
    """`count` changes (`UPDATE_COLUMNS`) to existing contacts, a few to ids no list has; the
    ids are read once, as a stream (a list of a million is never held)."""
    rows: list[tuple[str, str, str]] = []
    picks = sample(rng, contact_ids, count)
    for contact_id in picks:
        if rng.random() < unknown_share:
            contact_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        email = f"updated{rng.randrange(10**6)}@example.com" if rng.random() < 0.6 else ""
        segment = rng.choice(SEGMENTS) if not email or rng.random() < 0.5 else ""
        rows.append((contact_id, email, segment))
    return rows


_STATUS_CELLS = ("a", "A ", " c", "x", "active", "churned", "", "N/A", "null", "a", "c", "a")
_VIP_CELLS = ("yes", "no", "Y", "n", "1", "0", "", "maybe", "TRUE", "false")


def _priority(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.80:
        return str(rng.randrange(1, 10))
    return rng.choice(("", "5.5", "high", "N/A", "  3 ", "1e3"))


def _balance(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.75:
        return f"{rng.randrange(0, 500_000) / 100:.2f}"
    return rng.choice(("", "nan", "1,234.50", "-12.00", "0", "None"))


def _date(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2019, 2026)}"
    return rng.choice(("", "31/02/2024", "2024-03-01", "yesterday", "00/00/0000"))


def crm_rows(
    rng: random.Random, contact_ids: Iterable[str], share: float = 0.6
) -> Iterator[tuple[str, ...]]:
    """A CRM extract (`CRM_COLUMNS`) for `share` of the contacts: gaps, null-likes, junk, a few
    rows without an id and a few repeated contacts (refused by design). Rows are made as the
    ids stream by, to be written as they come."""
    for contact_id in contact_ids:
        if rng.random() >= share:
            continue
        key = contact_id
        roll = rng.random()
        if roll < 0.003:
            key = ""
        row = (
            key,
            rng.choice(_STATUS_CELLS),
            _priority(rng),
            _balance(rng),
            rng.choice(_VIP_CELLS),
            _date(rng),
            rng.choice(("Dana", "Lee", "Sam", "", "Alex")),
        )
        yield row
        if roll > 0.997:
            yield row  # the same contact twice: only the first is sent


def suppression_phones(rng: random.Random, phones: Iterable[str], share: float = 0.01) -> list[str]:
    """Numbers of the list to suppress; some written with a trunk zero (`+44020...`), as
    another system stored them: preview planning must still match them."""
    picked = [p for p in phones if rng.random() < share]
    written: list[str] = []
    for phone in picked:
        if not phone.startswith("+1") and rng.random() < 0.3:
            country = 2 if phone[1:3] in ("44", "49", "33", "61", "34", "39") else 1
            phone = f"{phone[: 1 + country]}0{phone[1 + country :]}"
        written.append(phone)
    return written


def disposable_entries(rng: random.Random, phones: Iterable[str], count: int) -> list[str]:
    """Disposable (burner) numbers seen in the list, for the directive's disposable file."""
    return sample(rng, (p for p in phones if p.startswith(("+1", "+44"))), count)


MAPPING_TOML = """\
# How the CRM extract's columns become contact attributes (see docs/mapping.md).
[key]
column = "CXone ID"

[[field]]
column = "Account Status"
attribute = "crm_account_status"
transforms = ["trim", "lower"]
map = { a = "active", c = "churned", x = "" }
default = "unknown"

[[field]]
column = "Priority"
attribute = "priority_score"
type = "integer"
transforms = ["trim"]

[[field]]
column = "Balance"
attribute = "balance"
type = "decimal"

[[field]]
column = "VIP"
attribute = "vip"
type = "boolean"
default = false

[[field]]
column = "Last Purchase"
attribute = "last_purchase_date"
type = "date"
format = "%d/%m/%Y"
"""

DIRECTIVE_TOML = """\
# What `cxo sanitize` keeps (see docs/directive.md).
[sanitize]
default_region = "US"
allowed_regions = ["US", "CA", "GB", "DE", "FR", "AU"]
blocked_line_types = ["toll_free", "premium_rate"]
disposable_file = "disposable.txt"
"""

PREVIEW_QUEUE = "q-renewals"
PREVIEW_TOML = f"""\
# The preview campaign's configuration (see docs/preview.md); flags win over this file.
name = "Spring renewals (demo)"
[dialingRules]
maxAttempts = 3
callbackEnabled = true
[previewSettings]
previewDialingMode = "timed"
previewTimeoutSeconds = 30
agentPromptEnabled = true
[[agentDirectives]]
queueId = "{PREVIEW_QUEUE}"
skillRequirement = "retention"
agentCount = 6
"""
PREVIEW_TOML_ADMIN = "\n".join(
    line for line in PREVIEW_TOML.split("[[agentDirectives]]")[0].splitlines()
    if not line.startswith(("name =", "agentPromptEnabled ="))) + "\n"
"""On a real tenant agents are assigned to the skill in CXone itself (no directives to send),
a campaign's name has no published write, and a preview's only settings are the skill's
published delivery preferences (no agent prompt)."""


def preview_toml(dialect: str) -> str:
    """The preview configuration the dialect can hold (see `PREVIEW_TOML_ADMIN`)."""
    return PREVIEW_TOML_ADMIN if dialect == "admin" else PREVIEW_TOML


def disposable_text(entries: Sequence[str]) -> str:
    lines = ["# burner numbers reported by the fraud team", *entries]
    return "\n".join(lines) + "\n"
