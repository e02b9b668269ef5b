"""Calling lists of the admin dialect over the shared store: a calling list is a contact list,
a record is a contact keyed by its external id (the v2 contact id when it never had one).

Rules only (no HTTP): the column mapping, the base64 CSV upload turned into an import job of kind
`admin`, the per-record upsert by external id the import worker runs, download pages, removal.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from cxone_outbound.limits import (
    ADMIN_MAX_ACTIVE_RECORDS,
    ADMIN_MAX_RECORD_CHARS,
    ADMIN_MAX_UPLOAD_BYTES,
    ADMIN_MAX_UPLOAD_RECORDS,
)
from cxone_outbound.sandbox.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.lists.contacts import Contacts
from cxone_outbound.sandbox.store.lists.csv_import import (
    STANDARD_COLUMNS,
    ContactRow,
    RowError,
    check_row,
)

MAX_UPLOAD_BYTES = ADMIN_MAX_UPLOAD_BYTES
MAX_UPLOAD_RECORDS = ADMIN_MAX_UPLOAD_RECORDS
MAX_RECORD_CHARS = ADMIN_MAX_RECORD_CHARS  # one definition with the client's checks
MAX_REMOVE = 1000
MAX_ACTIVE_RECORDS = ADMIN_MAX_ACTIVE_RECORDS
EXTERNAL_ID = "__external_id"
DEFAULT_MAPPING = {"externalIdColumn": "ExternalId", "phoneColumn": "PhoneNumber",
                   "firstNameColumn": "FirstName", "lastNameColumn": "LastName",
                   "emailColumn": "Email", "timeZoneColumn": "TimeZone", "extraDestinations": []}
TIME_ZONE = "timeZone"  # the attribute a record's `timeZoneColumn` is kept as (v2 shows it so)
# mapping key -> the canonical column of the store's import rows
CANONICAL = {"phoneColumn": "phone_number", "firstNameColumn": "first_name",
             "lastNameColumn": "last_name", "emailColumn": "email"}
UPLOAD_OPTIONS = {"skillId": int, "defaultTimeZone": str, "forceOverwrite": bool,
                  "expirationDate": str, "startSkill": bool, "sendEmail": bool, "fileName": str}
# the upload body's required fields (S1): a request without one is a 400 naming it
REQUIRED_UPLOAD = ("listFile", "forceOverwrite", "expirationDate", "startSkill", "sendEmail")
_FORMATTING = re.compile(r"[\s().\-/]")


def digits(phone: str | None) -> str:
    """A phone in CXone's "universal" format: its digits alone (formatting stripped)."""
    return "".join(ch for ch in phone or "" if ch.isdigit())


def universal_phone(cell: str, kept: str | None) -> str:
    """An uploaded phone as the store keeps it: formatting stripped, digits as `+digits`
    (the store is shared with v2, which shows E.164); the record's own phone when the
    digits are the same (a legacy spelling round-tripped through a download)."""
    if kept is not None and digits(cell) and digits(cell) == digits(kept):
        return kept
    stripped = _FORMATTING.sub("", cell.strip())
    return "+" + stripped if stripped.isdigit() else stripped


@dataclass(frozen=True)
class Upload:
    """A decoded upload: the canonical header (external id first) and its records."""

    header: tuple[str, ...]
    records: tuple[tuple[str, ...], ...]
    options: dict[str, Any]


def mapping_of(row: sqlite3.Row) -> dict[str, Any]:
    raw = row["mapping"]
    return dict(DEFAULT_MAPPING) if not raw else {**DEFAULT_MAPPING, **orjson.loads(raw)}


def check_mapping(query: dict[str, str | None], body: object) -> dict[str, Any]:
    """The column mapping of a create call, or a 400 naming what is missing."""
    if not isinstance(body, dict) or set(body) - {"destinationMappings"}:
        raise ValidationFailed("body must be {\"destinationMappings\": [...]}",
                               code="UNKNOWN_FIELD")
    destinations = body.get("destinationMappings")
    if not isinstance(destinations, list) or not destinations:
        raise ValidationFailed("destinationMappings must be a non-empty array",
                               field="destinationMappings", code="INVALID_VALUE")
    columns: list[str] = []
    for i, item in enumerate(destinations):
        value = item.get("fieldValue") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise ValidationFailed(f"destinationMappings[{i}].fieldValue must name a column",
                                   field=f"destinationMappings[{i}]", code="INVALID_VALUE")
        columns.append(value)
    external = query.get("externalIdColumn")
    if not external:
        raise ValidationFailed("externalIdColumn is required", field="externalIdColumn",
                               code="INVALID_VALUE")
    mapping = {"externalIdColumn": external, "phoneColumn": columns[0],
               "extraDestinations": columns[1:],
               "firstNameColumn": query.get("firstNameColumn") or None,
               "lastNameColumn": query.get("lastNameColumn") or None,
               "emailColumn": query.get("emailColumn") or None,
               "timeZoneColumn": query.get("timeZoneColumn") or None}
    named = [c for c in (external, *columns, mapping["firstNameColumn"],
                         mapping["lastNameColumn"], mapping["emailColumn"],
                         mapping["timeZoneColumn"]) if c]
    if len(set(named)) != len(named):
        raise ValidationFailed("a column is mapped twice", code="INVALID_VALUE")
    return mapping


def decode_upload(body: dict[str, Any], mapping: dict[str, Any]) -> Upload:
    """Base64 CSV → canonical rows; 400 for a bad file or header, 413 over the limits."""
    for name in REQUIRED_UPLOAD:
        if body.get(name) is None:
            raise ValidationFailed(f"{name} is required", field=name, code="VALIDATION_ERROR")
    options: dict[str, Any] = {}
    for name, type_ in UPLOAD_OPTIONS.items():
        if body.get(name) is not None:
            if not isinstance(body[name], type_) or isinstance(body[name], bool) != (
                    type_ is bool):
                raise ValidationFailed(f"{name} must be a {type_.__name__}", field=name,
                                       code="INVALID_TYPE")
            options[name] = body[name]
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", options["expirationDate"]):
            raise ValueError(options["expirationDate"])
        date.fromisoformat(options["expirationDate"])
    except ValueError:
        raise ValidationFailed("expirationDate must be a date YYYY-MM-DD",
                               field="expirationDate", code="INVALID_VALUE") from None
    data = body.get("listFile")
    if not isinstance(data, str) or not data:
        raise ValidationFailed("listFile must be a base64 string", field="listFile",
                               code="INVALID_FILE")
    if len(data) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise PayloadTooLarge(f"listFile is over {MAX_UPLOAD_BYTES} bytes")
    try:
        text = base64.b64decode(data, validate=True).decode("utf-8-sig")
    except (binascii.Error, ValueError):
        raise ValidationFailed("listFile is not base64 of a UTF-8 file", field="listFile",
                               code="INVALID_FILE") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        records = []
        for record in reader:
            records.append(record)
            if len(records) > MAX_UPLOAD_RECORDS:
                raise PayloadTooLarge(f"listFile has more than {MAX_UPLOAD_RECORDS} records")
    except csv.Error as exc:
        raise ValidationFailed(f"listFile is not a CSV: {exc}", field="listFile",
                               code="INVALID_FILE") from None
    for key in ("externalIdColumn", "phoneColumn"):
        if mapping[key] not in header:
            raise ValidationFailed(f"the file has no {mapping[key]} column", field=key,
                                   code="MISSING_HEADER")
    if len(set(header)) != len(header) or "" in header:
        raise ValidationFailed("the header has empty or duplicate column names",
                               code="MISSING_HEADER")
    rename = {mapping["externalIdColumn"]: EXTERNAL_ID}
    rename |= {mapping[k]: v for k, v in CANONICAL.items() if mapping.get(k)}
    if mapping.get("timeZoneColumn"):
        rename[mapping["timeZoneColumn"]] = TIME_ZONE
    canonical = tuple(rename.get(h, h) for h in header)
    clash = [h for h in header if h not in rename and h in STANDARD_COLUMNS]
    if clash:
        raise ValidationFailed(f"column {clash[0]} is reserved", code="MISSING_HEADER")
    return Upload(canonical, tuple(tuple(r) for r in records), options)


class CallingLists:
    """Lists, records and removal as the admin dialect sees them."""

    def __init__(self, db: Database, contacts: Contacts) -> None:
        self.db = db
        self.contacts = contacts
        self.max_active_records = MAX_ACTIVE_RECORDS

    # lists -----------------------------------------------------------------------------------

    def _row_by_seq(self, tenant_id: str, list_ref: str) -> sqlite3.Row:
        """A list by its integer id (or, for removeProspects, its name)."""
        if list_ref.isdigit():
            row = self.db.conn.execute("SELECT * FROM lists WHERE seq = ? AND tenant_id = ?",
                                       (int(list_ref), tenant_id)).fetchone()
        else:
            row = self.db.conn.execute("SELECT * FROM lists WHERE name = ? AND tenant_id = ?"
                                       " ORDER BY seq LIMIT 1", (list_ref, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"calling list {list_ref} not found")
        return row  # type: ignore[no-any-return]  # sqlite3.Row from fetchone is Any

    def note_skill(self, list_uuid: str, skill_id: int) -> None:
        """Remember the skill an upload attached the list's records to (its `skills[]`)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM lists WHERE id = ?", (list_uuid,)).fetchone()
            mapping = {**mapping_of(row), "skillId": skill_id}
            conn.execute("UPDATE lists SET mapping = ? WHERE id = ?",
                         (orjson.dumps(mapping).decode(), list_uuid))

    def list_uuid(self, tenant_id: str, list_ref: str) -> str:
        return str(self._row_by_seq(tenant_id, list_ref)["id"])

    def create(self, tenant_id: str, name: str | None, mapping: dict[str, Any]) -> int:
        created = self.contacts.create_list(tenant_id, name, [])
        with self.db.transaction() as conn:
            conn.execute("UPDATE lists SET mapping = ? WHERE id = ?",
                         (orjson.dumps(mapping).decode(), created["id"]))
        return int(self.db.conn.execute("SELECT seq FROM lists WHERE id = ?",
                                        (created["id"],)).fetchone()[0])

    def counters(self, row: sqlite3.Row) -> dict[str, int]:
        """The list's counters: records stored (valid) and upload rows it refused (invalid)."""
        valid = self.contacts.positions.count(row["id"])
        invalid = int(self.db.conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT e.job_id, e.row FROM import_row_errors e"
            " JOIN import_jobs j ON j.id = e.job_id WHERE j.list_id = ? AND j.kind = 'admin'"
            " AND e.row > 0)", (row["id"],)).fetchone()[0])
        return {"totalRecords": valid + invalid, "validRecords": valid,
                "invalidRecords": invalid}

    def _dates(self, row: sqlite3.Row) -> dict[str, Any]:
        last = self.db.conn.execute(
            "SELECT MAX(completed_at) FROM import_jobs WHERE list_id = ? AND kind = 'admin'",
            (row["id"],)).fetchone()[0]
        return {"createDate": row["created_at"], "uploadDate": last, "updateDate": last,
                "removeDate": None}

    def _skills(self, row: sqlite3.Row) -> list[dict[str, Any]]:
        """The skill uploads named (S1 publishes `skills[]` without its items: ours)."""
        skill = mapping_of(row).get("skillId")
        return [] if skill is None else [{"skillId": skill}]

    def render(self, row: sqlite3.Row) -> dict[str, Any]:
        """A row of `GET /lists/call-lists` (S1's fields, nothing else)."""
        counts = self.counters(row)
        return {"listId": row["seq"], "listName": row["name"],
                "prospectiveContactCount": counts["validRecords"], "status": "Active",
                **counts, "finalizedRecords": 0, **self._dates(row),
                "skills": self._skills(row)}

    def get(self, tenant_id: str, list_ref: str, *, with_records: bool = False, skip: int = 0,
            top: int = 0) -> dict[str, Any]:
        """`GET /lists/call-lists/{listId}`: S1's `resultSet` (no mapping, no listId)."""
        row = self._row_by_seq(tenant_id, list_ref)
        counts = self.counters(row)
        result: dict[str, Any] = {
            "listName": row["name"], "lastPollTime": None,
            "prospectiveContactCount": counts["validRecords"], "status": "Active", **counts,
            "finalizedRecords": 0, **self._dates(row), "listExpirationDate": None,
            "skills": self._skills(row)}
        if with_records:
            result["contactRecords"] = self.records(row, skip, top)
        return {"resultSet": result}

    def page(self, tenant_id: str, skip: int, top: int) -> tuple[list[dict[str, Any]], int]:
        total = self.db.conn.execute("SELECT COUNT(*) FROM lists WHERE tenant_id = ?",
                                     (tenant_id,)).fetchone()[0]
        rows = self.db.conn.execute("SELECT * FROM lists WHERE tenant_id = ? ORDER BY seq"
                                    " LIMIT ? OFFSET ?", (tenant_id, top, skip)).fetchall()
        return [self.render(r) for r in rows], int(total)

    def records(self, row: sqlite3.Row, skip: int, top: int) -> list[dict[str, Any]]:
        """A page of records, each keyed by the list's own column names as uploaded (the
        record's fields are not published: ours), the phone in digits ("universal")."""
        mapping = mapping_of(row)
        out = []
        for c in self.contacts.positions.page(row["id"], skip, top):  # by key, not OFFSET
            record: dict[str, Any] = {mapping["externalIdColumn"]: c["external_id"] or c["id"],
                                      mapping["phoneColumn"]: digits(c["phone"])}
            for key, column in (("firstNameColumn", "first_name"),
                                ("lastNameColumn", "last_name"), ("emailColumn", "email")):
                if mapping.get(key):
                    record[mapping[key]] = c[column]
            attributes = orjson.loads(c["attributes"])
            if mapping.get("timeZoneColumn") and TIME_ZONE in attributes:
                attributes[mapping["timeZoneColumn"]] = attributes.pop(TIME_ZONE)
            record.update(attributes)
            out.append(record)
        return out

    def active_records(self, tenant_id: str) -> int:
        """Records counted against the business unit's limit: list records and DNC records."""
        return int(self.db.conn.execute(
            "SELECT (SELECT COUNT(*) FROM contacts WHERE tenant_id = ?)"
            " + (SELECT COUNT(*) FROM suppressions WHERE tenant_id = ?)",
            (tenant_id, tenant_id)).fetchone()[0])

    def delete(self, tenant_id: str, list_ref: str) -> int:
        row = self._row_by_seq(tenant_id, list_ref)
        if row["is_default"]:
            raise Conflict("the tenant's default list cannot be deleted")
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM contacts WHERE list_id = ?", (row["id"],))
            conn.execute("DELETE FROM lists WHERE seq = ?", (row["seq"],))
        return int(row["seq"])

    # records ---------------------------------------------------------------------------------

    def _by_external_id(self, list_id: str, external_id: str) -> sqlite3.Row | None:
        """The record keyed `external_id` (or, never given one, whose id it is).

        Two indexed probes, not one `external_id = ? OR id = ?`: SQLite answers the OR by
        scanning the whole list, which made every upload O(rows x list size).
        """
        row = self.db.conn.execute(
            "SELECT * FROM contacts WHERE list_id = ? AND external_id = ?", (list_id, external_id)
        ).fetchone()
        if row is None:
            row = self.contacts.by_id(external_id, " AND list_id = ? AND external_id IS NULL",
                                      (list_id,))
        return row  # type: ignore[no-any-return]  # sqlite3.Row from fetchone is Any

    def remove(self, tenant_id: str, list_ref: str, body: object) -> dict[str, Any]:
        items = body.get("prospectsToRemove") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise ValidationFailed("prospectsToRemove must be an array",
                                   field="prospectsToRemove", code="INVALID_TYPE")
        if len(items) > MAX_REMOVE:
            raise PayloadTooLarge(f"at most {MAX_REMOVE} prospects per call")
        row = self._row_by_seq(tenant_id, list_ref)
        done: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for item in items:
            external = item.get("externalId") if isinstance(item, dict) else None
            if isinstance(external, int) and not isinstance(external, bool):
                external = str(external)  # S1 types it as a number
            if not isinstance(external, str) or not external:
                failed.append({"externalId": external, "resultCode": "INVALID_VALUE"})
                continue
            contact = self._by_external_id(row["id"], external)
            if contact is None:
                failed.append({"externalId": external, "resultCode": "NOT_FOUND"})
                continue
            self.contacts.delete_contact(tenant_id, contact["id"])
            done.append({"externalId": external, "resultCode": "SUCCESS"})
        return {"successfulRecords": done, "failedRecords": failed}

    def apply_rows(self, conn: sqlite3.Connection, tenant_id: str, list_id: str,
                   header: tuple[str, ...], chunk: Sequence[Sequence[str]], start: int,
                   schema: dict[str, str]) -> tuple[int, list[RowError], list[str | None]]:
        """Upsert a chunk of an upload by external id: (applied, errors, their external ids)."""
        list_row = conn.execute("SELECT * FROM lists WHERE id = ?", (list_id,)).fetchone()
        back = {v: list_row and mapping_of(list_row).get(k) for k, v in CANONICAL.items()}
        applied = 0
        errors: list[RowError] = []
        owners: list[str | None] = []
        ext_index = header.index(EXTERNAL_ID)
        rest = tuple(h for h in header if h != EXTERNAL_ID)
        phone_index = rest.index("phone_number")
        room: int | None = None  # counted at the chunk's first new record: a re-upload never
        for offset, record in enumerate(chunk):
            number = start + offset + 1
            if not any(cell.strip() for cell in record):
                continue
            external = record[ext_index].strip() if len(record) == len(header) else None
            problems: list[RowError] = []
            if len(record) == len(header) and not external:
                problems = [RowError(number, EXTERNAL_ID, "MISSING_EXTERNAL_ID",
                                     "the external id is empty")]
            elif sum(len(c) for c in record) + len(record) - 1 > MAX_RECORD_CHARS:
                problems = [RowError(number, None, "RECORD_TOO_LONG",
                                     f"record is over {MAX_RECORD_CHARS} characters")]
            else:
                values = [c for i, c in enumerate(record) if i != ext_index]
                current = self._by_external_id(list_id, str(external))
                kept = current["phone"] if current is not None else None
                if len(record) == len(header):
                    values[phone_index] = universal_phone(values[phone_index], kept)
                checked = check_row(number, rest, tuple(values), schema, kept
                                    ) if len(record) == len(header) else check_row(
                    number, header, tuple(record), schema)
                if isinstance(checked, ContactRow) and current is None:
                    if room is None:
                        room = self.max_active_records - self.active_records(tenant_id)
                    if room <= 0:
                        continue  # over the business unit's limit: the record is not applied
                if isinstance(checked, ContactRow):
                    problems = self._upsert(conn, tenant_id, list_id, str(external), checked,
                                            current)
                    if current is None and not problems and room is not None:
                        room -= 1
                else:
                    problems = checked
            for p in problems:
                field = back.get(p.field or "") or p.field
                if p.field == EXTERNAL_ID and list_row is not None:
                    field = mapping_of(list_row)["externalIdColumn"]
                message = p.message.replace("phone_number", str(field or "phone"))
                errors.append(RowError(p.row, field, p.code, message))
                owners.append(external)
            if not problems:
                applied += 1
        return applied, errors, owners

    def _upsert(self, conn: sqlite3.Connection, tenant_id: str, list_id: str, external: str,
                r: ContactRow, current: sqlite3.Row | None) -> list[RowError]:
        clash = conn.execute("SELECT id FROM contacts WHERE list_id = ? AND phone = ?",
                             (list_id, r.phone)).fetchone()
        if clash is not None and (current is None or clash["id"] != current["id"]):
            return [RowError(r.row, "phone_number", "DUPLICATE_PHONE",
                             f"another record of the list has phone {r.phone}")]
        now = self.db.now()
        if current is None:
            self.contacts.insert_row(conn, tenant_id, list_id, r, now, external)
            return []
        attributes = orjson.loads(current["attributes"]) | r.attributes
        conn.execute(
            "UPDATE contacts SET phone = ?, first_name = COALESCE(?, first_name),"
            " last_name = COALESCE(?, last_name), email = COALESCE(?, email), attributes = ?,"
            " updated_at = ?, writes = writes + 1, external_id = ? WHERE seq = ?",
            (r.phone, r.first_name, r.last_name, r.email, orjson.dumps(attributes).decode(), now,
             external, current["seq"]))
        return []
