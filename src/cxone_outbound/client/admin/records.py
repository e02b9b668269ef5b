"""Calling-list records and upload files: the pure translations between the two dialects.

A contact of the jobs is a calling-list record keyed by its external id. The v2 import header
(`phone_number,first_name,last_name,email,<attributes>`) becomes an upload file whose
`externalId` is the E.164 phone (unique within a list, as the v2 contract's contacts are), so a
re-upload of a row updates the same record.
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxone_outbound.client.models import Contact


def text_of(item: Mapping[str, Any], *names: str) -> str | None:
    """The first of `names` that `item` holds a non-empty value for, as text: answers of the
    Admin API name one thing several ways (`jobId`/`id`, `resultCode`/`code`)."""
    for name in names:
        value = item.get(name)
        if value is not None and value != "":
            return str(value)
    return None


MAX_UPLOAD_RECORDS = 500_000  # help pages: at most 500,000 records per list
MAX_UPLOAD_BYTES = 256 * 1024 * 1024  # help pages: files up to 256 MB
V2_IMPORT_COLUMNS = ("phone_number", "first_name", "last_name", "email")


@dataclass(frozen=True)
class ListColumns:
    """A calling list's column mapping: which upload column holds what."""

    external_id: str = "ExternalId"
    phone: str = "PhoneNumber"
    first_name: str | None = "FirstName"
    last_name: str | None = "LastName"
    email: str | None = "Email"

    @classmethod
    def from_list(cls, body: Mapping[str, Any]) -> ListColumns:
        """The mapping in a list object (defaults where it is silent)."""
        def text(name: str) -> str | None:
            value = body.get(name)
            return value if isinstance(value, str) and value else None

        default = cls()
        phone = default.phone
        mappings = body.get("destinationMappings")
        if isinstance(mappings, list) and mappings and isinstance(mappings[0], Mapping):
            phone = str(mappings[0].get("fieldValue") or phone)
        return cls(
            external_id=text("externalIdColumn") or default.external_id,
            phone=phone,
            first_name=text("firstNameColumn") or default.first_name,
            last_name=text("lastNameColumn") or default.last_name,
            email=text("emailColumn") or default.email,
        )

    @property
    def standard(self) -> list[str]:
        named = [self.external_id, self.phone, self.first_name, self.last_name, self.email]
        return [c for c in named if c]

    def by_contact_field(self) -> dict[str, str]:
        pairs = {"phone": self.phone, "first_name": self.first_name,
                 "last_name": self.last_name, "email": self.email}
        return {k: v for k, v in pairs.items() if v}


def contact_from_record(record: Mapping[str, Any], list_id: str, columns: ListColumns) -> Contact:
    """A calling-list record (`{"externalId", "fields": {column: value}}`) as a `Contact`."""
    fields = record.get("fields")
    values: dict[str, Any] = dict(fields) if isinstance(fields, Mapping) else {
        k: v for k, v in record.items() if k != "externalId"
    }
    known: dict[str, Any] = {"id": str(record.get("externalId") or
                                       values.get(columns.external_id) or ""),
                             "contact_list_id": list_id}
    values.pop(columns.external_id, None)
    for name, column in columns.by_contact_field().items():
        value = values.pop(column, None)
        known[name] = None if value in (None, "") else str(value)
    return Contact.model_validate({**known, "attributes": values})


def upload_row(contact: Contact, columns: ListColumns) -> dict[str, str]:
    """A record of an upload file from a contact (every column: a re-upload may replace all)."""
    row = {columns.external_id: contact.id}
    for name, column in columns.by_contact_field().items():
        value = getattr(contact, name)
        row[column] = "" if value is None else str(value)
    for name, value in contact.attributes.items():
        row[name] = "" if value is None else str(value)
    return row


def render_upload(rows: Sequence[Mapping[str, str]], columns: ListColumns) -> bytes:
    """A UTF-8 CSV of upload rows: the mapped columns, then every attribute seen, in order."""
    header = columns.standard
    for row in rows:
        header.extend(c for c in row if c not in header)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def v2_import_to_upload(body: bytes, columns: ListColumns, *, gzipped: bool) -> bytes:
    """A v2 import body (CSV, maybe gzip) as an upload file, each row keyed by its phone.

    Rows keep their order, so the upload job's row numbers are the import's.
    """
    text = (gzip.decompress(body) if gzipped else body).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rename = dict(zip(V2_IMPORT_COLUMNS, [columns.phone, columns.first_name, columns.last_name,
                                          columns.email], strict=True))
    rows: list[dict[str, str]] = []
    for raw in reader:
        row = {columns.external_id: (raw.get("phone_number") or "").strip()}
        for name, value in raw.items():
            if name is None:
                continue
            target = rename.get(name, name)
            if target:
                row[target] = value or ""
        rows.append(row)
    return render_upload(rows, columns)


def upload_body(file: bytes, *, file_name: str, extra: Mapping[str, Any] | None = None) -> dict[
    str, Any
]:
    """The JSON body of `POST /lists/call-lists/{listId}/upload`."""
    return {
        "listFile": base64.b64encode(file).decode("ascii"),
        "fileName": file_name,
        "forceOverwrite": False,
        "startSkill": False,
        **(extra or {}),
    }


def chunks_within_limits(rows: Sequence[Mapping[str, str]]) -> Iterable[list[Mapping[str, str]]]:
    """Rows cut into upload files under the record and size limits."""
    chunk: list[Mapping[str, str]] = []
    size = 0
    for row in rows:
        row_size = sum(len(v) + 1 for v in row.values()) * 4  # UTF-8 upper bound
        if chunk and (len(chunk) >= MAX_UPLOAD_RECORDS or size + row_size > MAX_UPLOAD_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += row_size
    if chunk:
        yield chunk
