"""Contact lists and contacts: schema, upsert by phone within a list, paging, enrichment.

A list's contacts are unique by their phone's exact text. The API writes only E.164 phones, but
setup data (the control API, seeding) keeps legacy spellings as written, so `(212) 555-0100` and
`+12125550100` can be two contacts of one list: the duplicates the sanitise job resolves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from cxone_outbound.sandbox.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.store.contact_ids import ContactIds
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.lists.csv_import import ContactRow, ContactValues
from cxone_outbound.sandbox.store.lists.regions import region_for
from cxone_outbound.sandbox.store.positions import Positions
from cxone_outbound.sandbox.store.validation import (
    check_email,
    check_name,
    check_phone,
    check_schema_fields,
    coerce_attribute,
    reject_unknown,
    require_object,
)

MAX_BATCH = 100
MAX_ENRICH_BATCH = 1000
PATCHABLE = frozenset({"phone", "firstName", "lastName", "email", "attributes"})
READ_ONLY = frozenset({"id", "contactListId", "createdAt", "updatedAt"})


def render_contact(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "contactListId": row["list_id"],
        "phone": row["phone"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "attributes": orjson.loads(row["attributes"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def render_entity(row: sqlite3.Row) -> dict[str, Any]:
    """The preview tutorial's shape: every field and attribute flat under `fields`."""
    attributes = orjson.loads(row["attributes"])
    fields: dict[str, Any] = {
        "phone": row["phone"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "region": region_for(row["phone"]),
        "contactListId": row["list_id"],
    }
    fields.update(attributes)
    return {"id": row["id"], "fields": fields}


class Contacts:
    """The rules for lists and contacts of every tenant."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.positions = Positions(db.conn, "contacts", "list_id")  # pages by key, counts kept
        self.ids = ContactIds.of(db.conn)  # an id is found by its seq (issue 15)

    # lists -------------------------------------------------------------------------------

    def create_list(self, tenant_id: str, name: object, fields_raw: object,
                    *, list_id: str | None = None, is_default: bool = False) -> dict[str, Any]:
        if not isinstance(name, str) or not name.strip() or len(name) > 256:
            raise ValidationFailed("name must be a non-empty string", field="name",
                                   code="INVALID_VALUE")
        fields = check_schema_fields(fields_raw)
        new_id = list_id or self.db.new_id()
        now = self.db.now()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO lists (id, tenant_id, name, schema, is_default, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (new_id, tenant_id, name, orjson.dumps(fields).decode(), int(is_default), now))
        return self.get_list(tenant_id, new_id)

    def _list_row(self, tenant_id: str, list_id: str) -> sqlite3.Row:
        row = self.db.conn.execute(
            "SELECT * FROM lists WHERE id = ? AND tenant_id = ?", (list_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"contact list {list_id} not found", field="listId")
        return row  # type: ignore[no-any-return]  # sqlite3.Row from fetchone is Any

    def get_list(self, tenant_id: str, list_id: str) -> dict[str, Any]:
        row = self._list_row(tenant_id, list_id)
        count = self.positions.count(list_id)
        return {
            "id": row["id"],
            "name": row["name"],
            "schema": {"fields": orjson.loads(row["schema"])},
            "isDefault": bool(row["is_default"]),
            "contactCount": count,
            "createdAt": row["created_at"],
        }

    def list_lists(self, tenant_id: str) -> list[dict[str, Any]]:
        ids = [r["id"] for r in self.db.conn.execute(
            "SELECT id FROM lists WHERE tenant_id = ? ORDER BY seq", (tenant_id,))]
        return [self.get_list(tenant_id, list_id) for list_id in ids]

    def schema(self, tenant_id: str, list_id: str) -> dict[str, str]:
        """The list's attribute schema as {name: type}."""
        row = self._list_row(tenant_id, list_id)
        return {f["name"]: f["type"] for f in orjson.loads(row["schema"])}

    def extend_schema(self, tenant_id: str, list_id: str, names: Iterable[str]) -> dict[str, str]:
        """Add unknown `names` as string fields (an import's extra columns); the new schema."""
        row = self._list_row(tenant_id, list_id)
        fields: list[dict[str, str]] = orjson.loads(row["schema"])
        known = {f["name"] for f in fields}
        added = [n for n in names if n not in known]
        if added:
            fields.extend({"name": n, "type": "string"} for n in added)
            self.db.conn.execute("UPDATE lists SET schema = ? WHERE id = ?",
                                 (orjson.dumps(fields).decode(), list_id))
        return {f["name"]: f["type"] for f in fields}

    # reading contacts ----------------------------------------------------------------------

    def by_id(self, contact_id: str, and_where: str = "",
              params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        """The contact with this id (and `and_where`, e.g. " AND tenant_id = ?"), or None."""
        where, found_by = self.ids.where(contact_id)
        row: sqlite3.Row | None = self.db.conn.execute(
            f"SELECT * FROM contacts WHERE {where}{and_where}",  # noqa: S608 - fixed text
            found_by + params).fetchone()
        return row

    def _contact_row(self, tenant_id: str, contact_id: str) -> sqlite3.Row:
        row = self.by_id(contact_id, " AND tenant_id = ?", (tenant_id,))
        if row is None:
            raise NotFound(f"contact {contact_id} not found", field="contactId")
        return row

    def get_contact(self, tenant_id: str, contact_id: str) -> dict[str, Any]:
        return render_contact(self._contact_row(tenant_id, contact_id))

    def page_after(self, tenant_id: str, list_id: str, after_seq: int,
                   limit: int) -> tuple[list[sqlite3.Row], int | None]:
        """Up to `limit` contacts after `after_seq`, and the seq to continue after (None: done)."""
        self._list_row(tenant_id, list_id)
        rows = self.db.conn.execute(
            "SELECT * FROM contacts WHERE list_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (list_id, after_seq, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1]["seq"] if more and rows else None)

    def page_number(self, tenant_id: str, list_id: str, page: int,
                    limit: int) -> tuple[list[sqlite3.Row], bool]:
        """Page `page` (from 1) of `limit` contacts, and whether another page follows."""
        self._list_row(tenant_id, list_id)
        skip = (page - 1) * limit
        rows = self.positions.page(list_id, skip, limit)
        return rows, len(rows) == limit and skip + limit < self.positions.count(list_id)

    def writes(self, tenant_id: str | None, contact_id: str) -> int:
        row = self.by_id(contact_id)
        if row is None or (tenant_id is not None and row["tenant_id"] != tenant_id):
            raise NotFound(f"contact {contact_id} not found", field="contactId")
        return int(row["writes"])

    def writes_map(self, list_id: str | None = None) -> dict[str, int]:
        if list_id is None:
            cur = self.db.conn.execute("SELECT id, writes FROM contacts")
        else:
            cur = self.db.conn.execute("SELECT id, writes FROM contacts WHERE list_id = ?",
                                       (list_id,))
        return {r["id"]: int(r["writes"]) for r in cur}

    def total_writes(self) -> int:
        return int(self.db.conn.execute("SELECT COALESCE(SUM(writes), 0) FROM contacts")
                   .fetchone()[0])

    # writing contacts ----------------------------------------------------------------------

    def _apply_changes(self, conn: sqlite3.Connection, row: sqlite3.Row,
                       changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate a partial contact against `row` and its list; write it; the new contact."""
        reject_unknown(dict(changes), PATCHABLE | READ_ONLY)
        current = render_contact(row)
        for name in READ_ONLY & set(changes):
            if changes[name] != current[name]:
                raise ValidationFailed(f"{name} is read-only", field=name, code="READ_ONLY_FIELD")
        phone = current["phone"]
        if "phone" in changes and changes["phone"] != phone:  # a legacy phone may stay as is
            phone = check_phone(changes["phone"])
        values = {
            "first_name": (check_name(changes["firstName"], "firstName")
                           if "firstName" in changes else current["firstName"]),
            "last_name": (check_name(changes["lastName"], "lastName")
                          if "lastName" in changes else current["lastName"]),
            "email": check_email(changes["email"]) if "email" in changes else current["email"],
        }
        attributes = dict(current["attributes"])
        if "attributes" in changes:
            raw = changes["attributes"]
            if not isinstance(raw, dict):
                raise ValidationFailed("attributes must be an object", field="attributes",
                                       code="INVALID_TYPE")
            schema = self.schema(row["tenant_id"], row["list_id"])
            for name, value in raw.items():
                attributes.update(_checked_attribute(schema, name, value))
            attributes = {k: v for k, v in attributes.items() if v is not None}
        if phone != current["phone"]:
            clash = conn.execute("SELECT id FROM contacts WHERE list_id = ? AND phone = ?",
                                 (row["list_id"], phone)).fetchone()
            if clash is not None:
                raise Conflict(f"another contact of the list has phone {phone}", field="phone",
                               code="DUPLICATE_PHONE")
        now = self.db.now()
        conn.execute(
            "UPDATE contacts SET phone = ?, first_name = ?, last_name = ?, email = ?,"
            " attributes = ?, updated_at = ?, writes = writes + 1 WHERE seq = ?",
            (phone, values["first_name"], values["last_name"], values["email"],
             orjson.dumps(attributes).decode(), now, row["seq"]))
        current.update(phone=phone, firstName=values["first_name"],
                       lastName=values["last_name"], email=values["email"],
                       attributes=attributes, updatedAt=now)
        return current

    def update_contact(self, tenant_id: str, contact_id: str, changes: object) -> dict[str, Any]:
        """PATCH one contact: all of the change or none of it."""
        body = require_object(changes)
        with self.db.transaction() as conn:
            row = self._contact_row(tenant_id, contact_id)
            contact = self._apply_changes(conn, row, body)
            self.db.emit(tenant_id, "contact.updated", {"contact": contact})
        return contact

    def update_batch(self, tenant_id: str, list_id: str, body: object) -> dict[str, Any]:
        """Batch PATCH: each contact on its own; failures are reported, not fatal."""
        payload = require_object(body)
        reject_unknown(payload, {"contacts"})
        items = payload.get("contacts")
        if not isinstance(items, list):
            raise ValidationFailed("contacts must be an array", field="contacts",
                                   code="INVALID_TYPE")
        if len(items) > MAX_BATCH:
            raise PayloadTooLarge(f"at most {MAX_BATCH} contacts per batch", field="contacts")
        self._list_row(tenant_id, list_id)
        updated = 0
        failed: list[dict[str, Any]] = []
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item, dict) or not isinstance(item_id, str):
                failed.append({"id": item_id if isinstance(item_id, str) else None,
                               "error": "VALIDATION_ERROR", "message": "each contact needs an id"})
                continue
            changes = {k: v for k, v in item.items() if k != "id"}
            try:
                with self.db.transaction() as conn:
                    row = self._contact_row(tenant_id, item_id)
                    if row["list_id"] != list_id:
                        raise NotFound(f"contact {item_id} is not in list {list_id}")
                    contact = self._apply_changes(conn, row, changes)
                    self.db.emit(tenant_id, "contact.updated", {"contact": contact})
                updated += 1
            except (ValidationFailed, NotFound, Conflict) as exc:
                failed.append({"id": item_id, "error": exc.code, "message": exc.message}
                              | ({"field": exc.field} if exc.field else {}))
        return {"updated": updated, "failed": failed}

    def delete_contact(self, tenant_id: str, contact_id: str) -> None:
        with self.db.transaction() as conn:
            row = self._contact_row(tenant_id, contact_id)
            conn.execute("DELETE FROM contacts WHERE seq = ?", (row["seq"],))
            self.db.emit(tenant_id, "contact.deleted",
                         {"contactId": contact_id, "contactListId": row["list_id"],
                          "phone": row["phone"]})

    def insert_row(self, conn: sqlite3.Connection, tenant_id: str, list_id: str, r: ContactRow,
                   now: str, external_id: str | None = None) -> None:
        """A new contact from an import row (both dialects' imports); caller holds the tx."""
        [(seq, contact_id)] = self.ids.new_keys(conn, 1, self.db.new_ids)
        conn.execute(
            "INSERT INTO contacts (seq, id, tenant_id, list_id, phone, first_name, last_name,"
            " email, attributes, created_at, updated_at, writes, external_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (seq, contact_id, tenant_id, list_id, r.phone, r.first_name, r.last_name,
             r.email, orjson.dumps(r.attributes).decode(), now, now, external_id))

    def upsert_rows(self, conn: sqlite3.Connection, tenant_id: str, list_id: str,
                    rows: Sequence[ContactRow]) -> None:
        """Insert or update (by phone within the list) rows of an import; caller holds the tx."""
        self.upsert_many(conn, tenant_id, list_id,
                         [(r.phone, r.first_name, r.last_name, r.email, r.attributes)
                          for r in rows])

    def upsert_many(self, conn: sqlite3.Connection, tenant_id: str, list_id: str,
                    rows: Sequence[ContactValues]) -> None:
        """Insert or update (by phone within the list) rows in their order; caller holds the tx.

        The same as one SELECT and one INSERT or UPDATE a row, in three statements a chunk
        (issue 15): the phones already in the list are read at once, a phone met again is
        merged in Python into what it will become (names kept unless given, attributes
        merged, one write counted each time), then new rows are inserted in their first
        order and changed ones updated.
        """
        now = self.db.now()
        existing = {
            phone: [None, None, None, orjson.loads(attributes), 0, seq]
            for phone, seq, attributes in conn.execute(
                "SELECT phone, seq, attributes FROM contacts WHERE list_id = ?"
                " AND phone IN (SELECT value FROM json_each(?))",
                (list_id, orjson.dumps([r[0] for r in rows]).decode()))
        }
        changed: dict[str, list[Any]] = {}  # phone -> [first, last, email, attrs, writes, seq]
        added: dict[str, list[Any]] = {}  # phone -> the same, seq None (in first order)
        for phone, first, last, email, attributes in rows:
            target = added.get(phone) or changed.get(phone)
            if target is None and phone in existing:
                target = changed[phone] = existing[phone]
            if target is None:
                added[phone] = [first, last, email, dict(attributes), 1, None]
                continue
            if first is not None:
                target[0] = first
            if last is not None:
                target[1] = last
            if email is not None:
                target[2] = email
            target[3].update(attributes)
            target[4] += 1
        dumps = orjson.dumps
        keys = self.ids.new_keys(conn, len(added), self.db.new_ids)
        conn.executemany(
            "INSERT INTO contacts (seq, id, tenant_id, list_id, phone, first_name, last_name,"
            " email, attributes, created_at, updated_at, writes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(seq, contact_id, tenant_id, list_id, phone, first, last, email,
              dumps(attributes).decode(), now, now, writes)
             for (seq, contact_id), (phone, (first, last, email, attributes, writes, _))
             in zip(keys, added.items(), strict=True)])
        conn.executemany(
            "UPDATE contacts SET first_name = COALESCE(?, first_name),"
            " last_name = COALESCE(?, last_name), email = COALESCE(?, email),"
            " attributes = ?, updated_at = ?, writes = writes + ? WHERE seq = ?",
            [(first, last, email, dumps(attributes).decode(), now, writes, seq)
             for first, last, email, attributes, writes, seq in changed.values()])

    # enrichment ---------------------------------------------------------------------------

    def enrich(self, tenant_id: str, list_id: str, body: object) -> dict[str, Any]:
        """Atomic enrichment: every contact and attribute checked first; all applied or none."""
        payload = require_object(body)
        reject_unknown(payload, {"contactListId", "contacts"})
        body_list = payload.get("contactListId")
        if body_list is not None and body_list != list_id:
            raise ValidationFailed("contactListId differs from the list in the path",
                                   field="contactListId", code="LIST_MISMATCH")
        items = payload.get("contacts")
        if not isinstance(items, list) or not items:
            raise ValidationFailed("contacts must be a non-empty array", field="contacts",
                                   code="INVALID_TYPE")
        if len(items) > MAX_ENRICH_BATCH:
            raise PayloadTooLarge(f"at most {MAX_ENRICH_BATCH} contacts per enrichment batch",
                                  field="contacts")
        schema = self.schema(tenant_id, list_id)
        details: list[dict[str, Any]] = []
        plan: list[tuple[sqlite3.Row, dict[str, Any]]] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("contactId"), str):
                details.append({"contactId": None, "field": f"contacts[{i}].contactId",
                                "code": "INVALID_TYPE"})
                continue
            contact_id = item["contactId"]
            extra = set(item) - {"contactId", "attributes"}
            if extra:
                details.append({"contactId": contact_id, "field": sorted(extra)[0],
                                "code": "UNKNOWN_FIELD"})
            row = self.by_id(contact_id, " AND tenant_id = ? AND list_id = ?",
                             (tenant_id, list_id))
            if row is None:
                details.append({"contactId": contact_id, "field": "contactId",
                                "code": "CONTACT_NOT_FOUND"})
                continue
            attrs = item.get("attributes", {})
            if not isinstance(attrs, dict):
                details.append({"contactId": contact_id, "field": "attributes",
                                "code": "INVALID_TYPE"})
                continue
            clean: dict[str, Any] = {}
            for name, value in attrs.items():
                try:
                    clean.update(_checked_attribute(schema, name, value))
                except ValidationFailed as exc:
                    details.append({"contactId": contact_id, "field": name, "code": exc.code})
            plan.append((row, clean))
        if details:
            raise ValidationFailed(
                f"enrichment refused: {len(details)} problem(s), nothing applied",
                                   details=details, code="ENRICHMENT_REJECTED")
        now = self.db.now()
        with self.db.transaction() as conn:
            for row, clean in plan:
                attributes = orjson.loads(row["attributes"])
                attributes.update(clean)
                attributes = {k: v for k, v in attributes.items() if v is not None}
                conn.execute("UPDATE contacts SET attributes = ?, updated_at = ?,"
                             " writes = writes + 1 WHERE seq = ?",
                             (orjson.dumps(attributes).decode(), now, row["seq"]))
            self.db.emit(tenant_id, "contact.enriched",
                         {"contactListId": list_id, "contactIds": [r["id"] for r, _ in plan],
                          "processedCount": len(plan)})
        return {"processedCount": len(plan)}

    def refresh(self, tenant_id: str, list_id: str) -> dict[str, Any]:
        self._list_row(tenant_id, list_id)
        refresh_id = self.db.new_id()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO refreshes (id, tenant_id, list_id, at) VALUES (?, ?, ?, ?)",
                         (refresh_id, tenant_id, list_id, self.db.now()))
        return {"refreshId": refresh_id, "status": "ACCEPTED"}

    def insert_contacts(self, tenant_id: str, list_id: str, rows: Sequence[ContactRow]) -> int:
        """Seed or setup: upsert rows outside an import job; how many rows were written."""
        self._list_row(tenant_id, list_id)
        with self.db.transaction() as conn:
            self.upsert_rows(conn, tenant_id, list_id, rows)
        return len(rows)


def _checked_attribute(schema: dict[str, str], name: object, value: object) -> dict[str, Any]:
    if not isinstance(name, str) or name not in schema:
        raise ValidationFailed(f"attribute {name} is not in the list schema", field=str(name),
                               code="UNKNOWN_ATTRIBUTE")
    try:
        return {name: coerce_attribute(value, schema[name])}
    except ValueError as exc:
        raise ValidationFailed(f"attribute {name}: {exc}", field=name,
                               code="INVALID_TYPE") from None
