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

from cxone_outbound.client.errors import ConfigurationError, SchemaDrift, ValidationError
from cxone_outbound.client.models import Contact
from cxone_outbound.limits import ADMIN_MAX_UPLOAD_BYTES, ADMIN_MAX_UPLOAD_RECORDS


def text_of(item: Mapping[str, Any], *names: str) -> str | None:
    """The first of `names` that `item` holds a non-empty value for, as text: answers of the
    Admin API name one thing several ways (`jobId`/`id`, `resultCode`/`code`)."""
    for name in names:
        value = item.get(name)
        if value is not None and value != "":
            return str(value)
    return None


MAX_UPLOAD_RECORDS = ADMIN_MAX_UPLOAD_RECORDS
MAX_UPLOAD_BYTES = ADMIN_MAX_UPLOAD_BYTES
V2_IMPORT_COLUMNS = ("phone_number", "first_name", "last_name", "email")
TIME_ZONE_FIELD = "timeZone"
"""The attribute a contact's IANA time zone travels as (v2), kept in the list's
`timeZoneColumn` on this dialect."""
ANY_COLUMN = "*"
_ROLES = {"externalId": "external_id", "phone": "phone", "firstName": "first_name",
          "lastName": "last_name", "email": "email", "timeZone": "time_zone"}


def digits(phone: str | None) -> str:
    """A phone in CXone's "universal" format: its digits alone (how a tenant stores it)."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


@dataclass(frozen=True)
class ListColumns:
    """A calling list's column mapping: which upload column holds what.

    A tenant does not return it (`GET /lists/call-lists/{id}` has no mapping), so the tool
    remembers the one it created (admin.mappings) or is told it (`list_columns`). `attributes`
    names the other columns the list carries; `None` means any column (said by the user).
    """

    external_id: str = "ExternalId"
    phone: str = "PhoneNumber"
    first_name: str | None = "FirstName"
    last_name: str | None = "LastName"
    email: str | None = "Email"
    attributes: frozenset[str] | None = frozenset()
    time_zone: str | None = None  # the list's `timeZoneColumn`

    @classmethod
    def parse(cls, spec: str) -> ListColumns:
        """`externalId=ExternalId,phone=PhoneNumber,firstName=..,attributes=tier;region` (or
        `attributes=*`): the mapping of a list the tool did not create."""
        values: dict[str, Any] = {"first_name": None, "last_name": None, "email": None,
                                  "time_zone": None}
        attributes: frozenset[str] | None = frozenset()
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            role, _, column = (x.strip() for x in part.partition("="))
            if role == "attributes":
                names = frozenset(n.strip() for n in column.split(";") if n.strip())
                attributes = None if ANY_COLUMN in names else names
            elif role in _ROLES and column:
                values[_ROLES[role]] = column
            else:
                raise ValueError(f"list columns: {part!r} is not role=column "
                                 f"({', '.join([*_ROLES, 'attributes'])})")
        if "external_id" not in values or "phone" not in values:
            raise ValueError("list columns: externalId= and phone= are required")
        return cls(**values, attributes=attributes)

    def to_json(self) -> dict[str, Any]:
        return {"externalId": self.external_id, "phone": self.phone,
                "firstName": self.first_name, "lastName": self.last_name, "email": self.email,
                "timeZone": self.time_zone,
                "attributes": None if self.attributes is None else sorted(self.attributes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListColumns:
        attributes = data.get("attributes")
        return cls(external_id=str(data["externalId"]), phone=str(data["phone"]),
                   first_name=data.get("firstName"), last_name=data.get("lastName"),
                   email=data.get("email"), time_zone=data.get("timeZone"),
                   attributes=None if attributes is None else frozenset(attributes))

    @property
    def standard(self) -> list[str]:
        named = [self.external_id, self.phone, self.first_name, self.last_name, self.email,
                 self.time_zone]
        return [c for c in named if c]

    def by_contact_field(self) -> dict[str, str]:
        pairs = {"phone": self.phone, "first_name": self.first_name,
                 "last_name": self.last_name, "email": self.email}
        return {k: v for k, v in pairs.items() if v}

    def uncarried(self, columns: Iterable[str]) -> list[str]:
        """The columns this list cannot carry (sending them would drop them silently)."""
        if self.attributes is None:
            return []
        known = set(self.standard) | self.attributes
        if self.time_zone:
            known.add(TIME_ZONE_FIELD)
        return sorted({c for c in columns if c not in known})

    def to_upload(self, field: str) -> str:
        """The upload column of a contact's attribute (the time zone's is the list's own)."""
        return self.time_zone if field == TIME_ZONE_FIELD and self.time_zone else field


def contact_from_record(record: Mapping[str, Any], list_id: str, columns: ListColumns,
                        *, endpoint: str = "GET /lists/call-lists/{listId}") -> Contact:
    """A calling-list record (keyed by the list's column names) as a `Contact`.

    The record's fields are not published: a record without the external id and the phone
    under the list's columns is a shape we do not know (`SchemaDrift`), never an empty contact.
    """
    external = record.get(columns.external_id)
    phone = record.get(columns.phone)
    if external in (None, "") or phone is None:
        raise SchemaDrift(endpoint, expected={columns.external_id, columns.phone}, seen=record,
                          where="a record of contactRecords")
    values = {k: v for k, v in record.items() if k != columns.external_id}
    known: dict[str, Any] = {"id": str(external), "contact_list_id": list_id}
    for name, column in columns.by_contact_field().items():
        value = values.pop(column, None)
        known[name] = None if value in (None, "") else str(value)
    if columns.time_zone and columns.time_zone in values:  # an attribute, as v2 shows it
        values[TIME_ZONE_FIELD] = values.pop(columns.time_zone)
    return Contact.model_validate({**known, "attributes": values})


def upload_row(contact: Contact, columns: ListColumns) -> dict[str, str]:
    """A record of an upload file from a contact (every column: a re-upload may replace all)."""
    row = {columns.external_id: contact.id}
    for name, column in columns.by_contact_field().items():
        value = getattr(contact, name)
        row[column] = "" if value is None else text_value(value)
    for name, value in contact.attributes.items():
        row[columns.to_upload(name)] = "" if value is None else text_value(value)
    return row


def text_value(value: Any) -> str:
    """A value as upload text (JSON's spelling for booleans, as read back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def same_value(sent: str, seen: Any, *, phone: bool = False) -> bool:
    """Whether a value read back is the one uploaded: phones by digits, numbers and booleans
    by value (a tenant returns them typed), text as is."""
    if phone:
        return digits(sent) == digits(str(seen or ""))
    if seen is None:
        return sent == ""
    if isinstance(seen, bool):
        return sent.strip().lower() == ("true" if seen else "false")
    if isinstance(seen, int | float):
        try:
            return float(sent) == float(seen)
        except ValueError:
            return False
    return str(seen).strip() == sent.strip()


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
    names = [n for n in reader.fieldnames or () if n not in V2_IMPORT_COLUMNS]
    if TIME_ZONE_FIELD in names and not columns.time_zone:
        raise ConfigurationError(
            "the calling list's mapping names no time-zone column (timeZoneColumn), so the "
            f"records' {TIME_ZONE_FIELD} would not reach the dialer: lists cxo creates map one "
            "(TimeZone); for another list add timeZone=COLUMN to list_columns, or import with "
            "--no-time-zone. Nothing was sent")
    refused = columns.uncarried(names)
    if refused:
        raise ValidationError(
            f"the calling list's mapping cannot carry the column(s) {', '.join(refused)}: map "
            "them (list_columns attributes=...) or leave them out; nothing was sent",
            status=400, code="UNMAPPED_COLUMN", field=refused[0])
    rename = dict(zip(V2_IMPORT_COLUMNS, [columns.phone, columns.first_name, columns.last_name,
                                          columns.email], strict=True))
    rows: list[dict[str, str]] = []
    for raw in reader:
        row = {columns.external_id: (raw.get("phone_number") or "").strip()}
        for name, value in raw.items():
            if name is None:
                continue
            target = rename[name] if name in rename else columns.to_upload(name)
            if target:
                row[target] = value or ""
        rows.append(row)
    return render_upload(rows, columns)


@dataclass(frozen=True)
class UploadOptions:
    """The upload body's settings besides the file (S1: the last four are required)."""

    expiration_date: str  # YYYY-MM-DD: when the records expire
    skill_id: int | None = None  # the dialing skill the records are attached to
    force_overwrite: bool = False
    start_skill: bool = False  # never: a human presses go (S2)
    send_email: bool = False


def upload_body(file: bytes, *, file_name: str, options: UploadOptions) -> dict[str, Any]:
    """The JSON body of `POST /lists/call-lists/{listId}/upload`."""
    body: dict[str, Any] = {
        "listFile": base64.b64encode(file).decode("ascii"),
        "fileName": file_name,
        "forceOverwrite": options.force_overwrite,
        "expirationDate": options.expiration_date,
        "startSkill": options.start_skill,
        "sendEmail": options.send_email,
    }
    if options.skill_id is not None:
        body["skillId"] = options.skill_id
    return body


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
