"""The rows of an import: which columns are import fields, and each row checked and shaped.

Checked against the API's own limits (`limits.py`) before anything is sent, so a row over a
limit fails alone. A cell carrying the result files' formula guard (`'` before `= + - @`, tab or
CR, as in a sanitise restore.csv) is read without it (`engine.results.unguard_cell`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from cxone_outbound.engine import Item, Record, RecordError
from cxone_outbound.engine.results import unguard_cell
from cxone_outbound.limits import (
    MAX_ATTRIBUTE_CHARS,
    MAX_CSV_FIELD_CHARS,
    MAX_EMAIL_CHARS,
    first_too_long,
    record_chars,
)
from cxone_outbound.phones import PhoneNormalizer

IMPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "phone_number": ("phone", "phoneNumber", "mobile", "msisdn"),
    "first_name": ("firstName", "given_name", "forename"),
    "last_name": ("lastName", "surname", "family_name"),
    "email": ("email_address", "e-mail", "mail"),
}
"""The import header's fields and the spellings read as them; other columns are attributes."""

DEFAULT_REQUIRED = ("phone_number", "first_name", "last_name")
"""The fields a row must fill unless `--require` says otherwise (the phone always)."""

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _spelling(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).casefold()


_FIELD_BY_SPELLING = {
    _spelling(name): field for field, aliases in IMPORT_FIELDS.items() for name in (field, *aliases)
}


def parse_required(values: Sequence[str]) -> tuple[str, ...]:
    """`--require` values (comma-separated, any spelling of an import field) as field names.

    The phone is always required, named or not: a contact is keyed by it. Raises ValueError
    naming an unknown field.
    """
    fields = {"phone_number"}
    for value in values:
        for name in filter(None, (part.strip() for part in value.split(","))):
            field = _FIELD_BY_SPELLING.get(_spelling(name))
            if field is None:
                known = ", ".join(IMPORT_FIELDS)
                raise ValueError(f"--require: {name!r} is not an import field ({known})")
            fields.add(field)
    return tuple(f for f in IMPORT_FIELDS if f in fields)


def check_attribute_columns(columns: Sequence[str]) -> None:
    """The attribute columns as the API's import header takes them, or ValueError saying why.

    The server refuses a whole import whose header has an empty or duplicate name (after
    trimming spaces): better refused before anything is sent than every chunk failing.
    """
    seen: set[str] = set()
    for index, column in enumerate(columns, start=1):
        name = unguard_cell(column).strip()
        if not name:
            raise ValueError(f"attribute column {index} has no name: name it or remove it")
        if name in seen or name in IMPORT_FIELDS:
            raise ValueError(f"the column name {name!r} appears twice in the import header")
        seen.add(name)


class ImportRows:
    """Checks a row and shapes it as the import header's columns (phone, names, email, then
    the attribute columns), or says why it cannot be imported."""

    def __init__(
        self,
        default_region: str | None,
        required: Sequence[str],
        attribute_columns: Sequence[str] = (),
        max_record: int | None = None,
    ) -> None:
        self.default_region = default_region
        self.required = tuple(required)
        self._attributes = list(attribute_columns)
        self._max_record = max_record  # the admin dialect's (external id, then the row)
        self._phones = PhoneNormalizer()

    def phone(self, raw: str) -> str | RecordError:
        text = raw.strip()
        if _E164.match(text):
            return text
        if not text:
            return RecordError("MISSING_PHONE", "phone_number is required", "phone_number")
        if self.default_region:
            result = self._phones(text, self.default_region)
            if result.ok and result.e164:
                return result.e164
            return RecordError(
                "INVALID_PHONE", f"{raw!r}: {result.detail or result.reason}", "phone_number"
            )
        return RecordError(
            "INVALID_E164",
            f"{raw!r} is not E.164 (+ and up to 15 digits); use --default-region for national",
            "phone_number",
        )

    def prepare(self, record: Record) -> Item | RecordError:
        # Per row, so written for speed (issue 15): no copy of the record's fields, a cell
        # unguarded only when it starts with the guard quote, lengths checked in one pass.
        get = record.fields.get
        phone_cell = get("phone_number", "")
        phone = self.phone(unguard_cell(phone_cell) if phone_cell[:1] == "'" else phone_cell)
        if isinstance(phone, RecordError):
            return phone
        first, last, email = get("first_name", ""), get("last_name", ""), get("email", "")
        if "'" in (first[:1], last[:1], email[:1]):
            first, last, email = unguard_cell(first), unguard_cell(last), unguard_cell(email)
        first, last, email = first.strip(), last.strip(), email.strip()
        if not (first and last and email):
            required = self.required
            for name, value in (("first_name", first), ("last_name", last), ("email", email)):
                if not value and name in required:
                    return RecordError(f"MISSING_{name.upper()}", f"{name} is required", name)
        if email and (len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email)):
            return RecordError("INVALID_EMAIL", f"{email!r} is not an email address", "email")
        attributes = [
            unguard_cell(v) if (v := get(c, ""))[:1] == "'" else v for c in self._attributes
        ]
        if attributes and max(map(len, attributes)) > MAX_ATTRIBUTE_CHARS:
            return _too_long(dict(zip(self._attributes, attributes, strict=True)),
                             MAX_ATTRIBUTE_CHARS)
        if len(first) > MAX_CSV_FIELD_CHARS or len(last) > MAX_CSV_FIELD_CHARS:
            return _too_long({"first_name": first, "last_name": last}, MAX_CSV_FIELD_CHARS)
        row = (phone, first, last, email, *attributes)
        if self._max_record is not None and record_chars((phone, *row)) > self._max_record:
            return RecordError(
                "RECORD_TOO_LONG",
                f"the record is over {self._max_record} characters (with its external id)",
            )
        return Item(record, row)


def _too_long(values: Mapping[str, str], limit: int) -> RecordError:
    name = first_too_long(values, limit)
    assert name is not None
    return RecordError(
        "FIELD_TOO_LONG", f"{len(values[name]):,} characters; the API takes {limit:,}", name
    )
