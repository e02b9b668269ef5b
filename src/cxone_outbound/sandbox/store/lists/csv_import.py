"""Decoding and checking an import body: gzip, UTF-8, header row, row limits; then row by row.

Body-level problems are refused at once (400/413); row-level problems become row errors of the
job while the good rows are imported.
"""

from __future__ import annotations

import csv
import io
import zlib
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.limits import MAX_CSV_FIELD_CHARS
from cxone_outbound.limits import MAX_IMPORT_BYTES as MAX_IMPORT_BYTES
from cxone_outbound.limits import MAX_IMPORT_ROWS as MAX_IMPORT_ROWS
from cxone_outbound.sandbox.errors import PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.store.validation import coerce_attribute, is_e164, is_email

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
    records: tuple[tuple[str, ...], ...]


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
        records: list[tuple[str, ...]] = []
        for record in reader:
            if any(len(cell) > MAX_CSV_FIELD_CHARS for cell in record):
                raise csv.Error(f"field larger than field limit ({MAX_CSV_FIELD_CHARS})")
            records.append(tuple(record))
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
    return ImportFile(header=header, records=tuple(records))


def check_row(
    number: int, header: tuple[str, ...], record: tuple[str, ...], schema: dict[str, str],
    kept_phone: str | None = None,
) -> ContactRow | list[RowError]:
    """One record as a contact to upsert, or its row errors. Unknown columns are strings.

    The phone must be E.164, unless it is `kept_phone` (the legacy spelling the record already
    holds, re-uploaded unchanged: not a change, so not refused)."""
    if len(record) != len(header):
        return [RowError(number, None, "RAGGED_ROW",
                         f"has {len(record)} columns, header has {len(header)}")]
    values = dict(zip(header, record, strict=True))
    errors: list[RowError] = []
    phone = values["phone_number"].strip()
    if kept_phone is not None and kept_phone in (phone, values["phone_number"]):
        phone = kept_phone
    elif not is_e164(phone):
        errors.append(RowError(number, "phone_number", "INVALID_E164",
                               "phone_number must be E.164"))
    email = values.get("email", "").strip()
    if email and not is_email(email):
        errors.append(RowError(number, "email", "INVALID_EMAIL", "email is not a valid address"))
    attributes: dict[str, Any] = {}
    for name, value in values.items():
        if name in STANDARD_COLUMNS or value == "":
            continue
        try:
            attributes[name] = coerce_attribute(value, schema.get(name, "string"))
        except ValueError as exc:
            errors.append(RowError(number, name, "INVALID_TYPE", f"{name}: {exc}"))
    if errors:
        return errors
    return ContactRow(
        row=number,
        phone=phone,
        first_name=values.get("first_name") or None,
        last_name=values.get("last_name") or None,
        email=email or None,
        attributes=attributes,
    )
