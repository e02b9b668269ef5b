"""Decoding and checking an import body: gzip, UTF-8, header row, row limits; then row by row.

Body-level problems are refused at once (400/413); row-level problems become row errors of the
job while the good rows are imported.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.limits import MAX_CSV_FIELD_CHARS
from cxone_outbound.limits import MAX_IMPORT_BYTES as MAX_IMPORT_BYTES
from cxone_outbound.limits import MAX_IMPORT_ROWS as MAX_IMPORT_ROWS
from cxone_outbound.sandbox.errors import PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.store.validation import E164, MAX_STRING, coerce_attribute, is_email

REQUIRED_COLUMN = "phone_number"
STANDARD_COLUMNS = {
    "phone_number": "phone",
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
}


@dataclass(frozen=True)
class ImportFile:
    """A decoded, checked import body: the header and the raw records (header excluded)."""

    header: tuple[str, ...]
    records: Sequence[Sequence[str]]  # as the CSV reader gave them: not copied a row at a time


@dataclass
class RowError:
    row: int
    field: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}

    def as_text(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class ContactRow:
    """One good row, ready to upsert."""

    row: int
    phone: str
    first_name: str | None
    last_name: str | None
    email: str | None
    attributes: dict[str, Any] = field(default_factory=dict)


def decompress(body: bytes, *, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """Gunzip `body`, refusing (413) to inflate past `limit` and (400) anything not gzip."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise ValidationFailed("body is not valid gzip though Content-Encoding says so",
                               code="INVALID_GZIP") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"import body is over {limit} bytes after decompression")
    if not inflater.eof:
        raise ValidationFailed("gzip body is truncated", code="INVALID_GZIP")
    return out


def parse_import(raw: bytes, *, max_rows: int = MAX_IMPORT_ROWS) -> ImportFile:
    """Decode and split a CSV body; 400 on encoding or header problems, 413 over the row limit."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"import body is over {MAX_IMPORT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"CSV is not UTF-8 (byte {exc.start})",
                               code="INVALID_ENCODING") from None
    if "\x00" in text:
        raise ValidationFailed("CSV contains NUL bytes", code="INVALID_ENCODING")
    # the limit is checked below, explicitly: the csv module's own is process-wide
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD_CHARS + 1))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header_row = next(reader, None)
        if header_row is None or not any(cell.strip() for cell in header_row):
            raise ValidationFailed("CSV has no header row", code="MISSING_HEADER")
        header = tuple(cell.strip() for cell in header_row)
        records: list[list[str]] = []
        for record in reader:
            if record and max(map(len, record)) > MAX_CSV_FIELD_CHARS:
                raise csv.Error(f"field larger than field limit ({MAX_CSV_FIELD_CHARS})")
            records.append(record)
            if len(records) > max_rows:
                raise PayloadTooLarge(f"import has more than {max_rows} rows")
    except csv.Error as exc:
        raise ValidationFailed(f"CSV is malformed: {exc}", code="MALFORMED_CSV") from None
    if REQUIRED_COLUMN not in header:
        raise ValidationFailed("header row must include phone_number", field=REQUIRED_COLUMN,
                               code="MISSING_HEADER")
    if len(set(header)) != len(header) or any(not name for name in header):
        raise ValidationFailed("header row has empty or duplicate column names",
                               code="INVALID_HEADER")
    return ImportFile(header=header, records=records)


ContactValues = tuple[str, str | None, str | None, str | None, dict[str, Any]]
"""A good row as the upsert takes it: (phone, first name, last name, email, attributes)."""


class RowChecker:
    """`check_row` prepared once for a header and a list schema: a row is read by its column
    positions, not made into a dict, and a good one is a tuple (the import worker checks every
    row of every chunk: issue 15)."""

    def __init__(self, header: tuple[str, ...], schema: dict[str, str]) -> None:
        self.header = header
        at = {name: i for i, name in enumerate(header)}
        self._phone = at["phone_number"]
        self._first, self._last, self._email = (at.get(n) for n in ("first_name", "last_name",
                                                                    "email"))
        self._attributes = [(i, name, schema.get(name, "string")) for i, name in enumerate(header)
                            if name not in STANDARD_COLUMNS]

    def check(self, number: int, record: Sequence[str],
              kept_phone: str | None = None) -> ContactValues | list[RowError]:
        """One record as a contact to upsert, or its row errors. Unknown columns are strings.

        The phone must be E.164, unless it is `kept_phone` (the legacy spelling the record
        already holds, re-uploaded unchanged: not a change, so not refused)."""
        if len(record) != len(self.header):
            return [RowError(number, None, "RAGGED_ROW",
                             f"has {len(record)} columns, header has {len(self.header)}")]
        errors: list[RowError] = []
        raw_phone = record[self._phone]
        phone = raw_phone.strip()
        if kept_phone is not None and kept_phone in (phone, raw_phone):
            phone = kept_phone
        elif E164.match(phone) is None:
            errors.append(RowError(number, "phone_number", "INVALID_E164",
                                   "phone_number must be E.164"))
        email = "" if self._email is None else record[self._email].strip()
        if email and not is_email(email):
            errors.append(RowError(number, "email", "INVALID_EMAIL",
                                   "email is not a valid address"))
        attributes: dict[str, Any] = {}
        for i, name, type_ in self._attributes:
            value = record[i]
            if value == "":
                continue
            if type_ == "string" and len(value) <= MAX_STRING:  # coerce_attribute's answer
                attributes[name] = value
                continue
            try:
                attributes[name] = coerce_attribute(value, type_)
            except ValueError as exc:
                errors.append(RowError(number, name, "INVALID_TYPE", f"{name}: {exc}"))
        if errors:
            return errors
        first = None if self._first is None else record[self._first] or None
        last = None if self._last is None else record[self._last] or None
        return phone, first, last, email or None, attributes


def check_row(
    number: int, header: tuple[str, ...], record: tuple[str, ...], schema: dict[str, str],
    kept_phone: str | None = None,
) -> ContactRow | list[RowError]:
    """One record as a contact to upsert, or its row errors (`RowChecker.check`, one row)."""
    checked = RowChecker(header, schema).check(number, record, kept_phone)
    if isinstance(checked, list):
        return checked
    phone, first, last, email, attributes = checked
    return ContactRow(row=number, phone=phone, first_name=first, last_name=last, email=email,
                      attributes=attributes)
