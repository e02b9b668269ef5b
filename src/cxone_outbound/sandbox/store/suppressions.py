"""Suppressions and do-not-call groups: phones stored as written, optionally expiring.

A v2 suppression and an admin DNC record are one row. Phones are never normalised: a real DNC list
is full of legacy spellings, and matching them against a contact's E.164 phone is the client's
job; so is leaving out the expired ones, which are listed with their expiry.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from typing import Any

from cxone_outbound.sandbox.errors import Conflict, NotFound, ValidationFailed
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.positions import Positions
from cxone_outbound.sandbox.store.validation import reject_unknown, require_object

MAX_PHONE_TEXT = 32
DEFAULT_GROUP_NAME = "Default DNC group"
NON_DIGITS = re.compile(r"\D+")


def check_dnc_phone(value: object, field: str = "phoneNumber") -> str:
    """The phone exactly as written if it is 1-32 characters with a digit, else a 400."""
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_PHONE_TEXT
            or not any(ch.isdigit() for ch in value)):
        raise ValidationFailed(f"{field} must be a phone number (1-{MAX_PHONE_TEXT} characters"
                               " with at least one digit)", field=field, code="INVALID_VALUE")
    return value


def check_expiry(value: object, field: str = "expiresAt") -> str | None:
    """An ISO 8601 date-time with a zone (kept as written), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return value
    raise ValidationFailed(f"{field} must be an ISO 8601 date-time with a zone", field=field,
                           code="INVALID_VALUE")


def digits(phone: str) -> str:
    return NON_DIGITS.sub("", phone)


def _render(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "phoneNumber": row["phone"], "reason": row["reason"],
            "expiresAt": row["expires_at"], "createdAt": row["created_at"]}


def _render_group(row: sqlite3.Row, count: int) -> dict[str, Any]:
    """A group as the published POST/PUT reply lists it (S1)."""
    return {"dncGroupId": row["seq"], "dncGroupName": row["name"],
            "dncGroupDescription": row["description"] or "", "validRecords": count,
            "isActive": bool(row["is_active"]), "isRemoved": False,
            "createDate": row["created_at"], "lastUpdateTime": row["created_at"]}


def _render_record(row: sqlite3.Row) -> dict[str, Any]:
    """A DNC record: `formattedPhone` is the phone as stored (published); the dates are the
    search result's (CXONE-REAL.md says records carry what search results do; unconfirmed)."""
    return {"formattedPhone": row["phone"], "expiredDate": row["expires_at"],
            "dateCollected": row["created_at"], "lastUpdateTime": row["created_at"]}


MIN_DNC_DIGITS = 7
MAX_DNC_DIGITS = 15


def check_dnc_digits(value: object) -> str:
    """A DNC phone as the Admin API takes it: an integer of 7-15 digits (S1, S2), as text."""
    if (not isinstance(value, int) or isinstance(value, bool) or value <= 0
            or not MIN_DNC_DIGITS <= len(str(value)) <= MAX_DNC_DIGITS):
        raise ValidationFailed(f"phoneNumber must be an integer of {MIN_DNC_DIGITS}-"
                               f"{MAX_DNC_DIGITS} digits", field="phoneNumber",
                               code="INVALID_VALUE")
    return str(value)


class Suppressions:
    """DNC groups and their records; v2 suppressions are the records of every group."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.positions = Positions(db.conn, "suppressions", "group_id")  # a group's pages by key

    # groups ----------------------------------------------------------------------------------

    def default_group_id(self, tenant_id: str) -> int:
        """The tenant's default group (where v2 suppressions go), created when missing."""
        row = self.db.conn.execute(
            "SELECT seq FROM dnc_groups WHERE tenant_id = ? AND is_default = 1",
            (tenant_id,)).fetchone()
        if row is not None:
            return int(row["seq"])
        with self.db.transaction() as conn:
            cur = conn.execute("INSERT INTO dnc_groups (tenant_id, name, is_default, created_at)"
                               " VALUES (?, ?, 1, ?)", (tenant_id, DEFAULT_GROUP_NAME,
                                                        self.db.now()))
        return int(cur.lastrowid or 0)

    def _group_row(self, tenant_id: str, group_id: int) -> sqlite3.Row:
        row = self.db.conn.execute("SELECT * FROM dnc_groups WHERE seq = ? AND tenant_id = ?",
                                   (group_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"DNC group {group_id} not found", field="groupId")
        return row  # type: ignore[no-any-return]  # sqlite3.Row from fetchone is Any

    def get_group(self, tenant_id: str, group_id: int) -> dict[str, Any]:
        row = self._group_row(tenant_id, group_id)
        count = self.db.conn.execute("SELECT COUNT(*) FROM suppressions WHERE group_id = ?",
                                     (group_id,)).fetchone()[0]
        return _render_group(row, int(count))

    def groups(self, tenant_id: str) -> list[dict[str, Any]]:
        """Every group of the tenant (the published `GET /dnc-groups` takes no paging)."""
        self.default_group_id(tenant_id)
        ids = [r["seq"] for r in self.db.conn.execute(
            "SELECT seq FROM dnc_groups WHERE tenant_id = ? ORDER BY seq", (tenant_id,))]
        return [self.get_group(tenant_id, i) for i in ids]

    def create_group(self, tenant_id: str, name: object, description: object = "") -> int:
        name_ = _check_text(name, "dncGroupName", required=True)
        description_ = _check_text(description, "dncGroupDescription") or ""
        with self.db.transaction() as conn:
            cur = conn.execute("INSERT INTO dnc_groups (tenant_id, name, description, created_at)"
                               " VALUES (?, ?, ?, ?)", (tenant_id, name_, description_,
                                                        self.db.now()))
        return int(cur.lastrowid or 0)

    def update_group(self, tenant_id: str, group_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Set what `body` names (the PUT's query parameters; `isActive` a boolean)."""
        reject_unknown(body, {"dncGroupName", "dncGroupDescription", "isActive"})
        row = self._group_row(tenant_id, group_id)
        name = (_check_text(body["dncGroupName"], "dncGroupName", required=True)
                if "dncGroupName" in body else row["name"])
        description = (_check_text(body["dncGroupDescription"], "dncGroupDescription") or ""
                       if "dncGroupDescription" in body else row["description"])
        active = body.get("isActive", bool(row["is_active"]))
        if not isinstance(active, bool):
            raise ValidationFailed("isActive must be a boolean", field="isActive",
                                   code="INVALID_TYPE")
        with self.db.transaction() as conn:
            conn.execute("UPDATE dnc_groups SET name = ?, description = ?, is_active = ?"
                         " WHERE seq = ?", (name, description, int(active), group_id))
        return self.get_group(tenant_id, group_id)

    # records ---------------------------------------------------------------------------------

    def _insert(self, conn: sqlite3.Connection, tenant_id: str, group_id: int, phone: str,
                reason: str, expires_at: str | None) -> dict[str, Any]:
        supp_id = self.db.new_id()
        now = self.db.now()
        conn.execute("INSERT INTO suppressions (id, tenant_id, phone, reason, expires_at,"
                     " created_at, group_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (supp_id, tenant_id, phone, reason, expires_at, now, group_id))
        return {"id": supp_id, "phoneNumber": phone, "reason": reason, "expiresAt": expires_at,
                "createdAt": now}

    def create(self, tenant_id: str, body: object) -> dict[str, Any]:
        """A v2 suppression, in the default group; the same text twice is 409."""
        payload = require_object(body)
        reject_unknown(payload, {"phoneNumber", "reason", "expiresAt"})
        phone = check_dnc_phone(payload.get("phoneNumber"))
        reason = payload.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 512:
            raise ValidationFailed("reason must be a string", field="reason", code="INVALID_TYPE")
        expires_at = check_expiry(payload.get("expiresAt"))
        group_id = self.default_group_id(tenant_id)
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM suppressions WHERE group_id = ? AND phone = ?",
                            (group_id, phone)).fetchone():
                raise Conflict(f"{phone} is already suppressed", field="phoneNumber",
                               code="ALREADY_SUPPRESSED")
            return self._insert(conn, tenant_id, group_id, phone, reason, expires_at)

    def page_after(self, tenant_id: str, after_seq: int,
                   limit: int) -> tuple[list[dict[str, Any]], int | None]:
        """Every suppression (of every group, expired ones too) after `after_seq`."""
        rows = self.db.conn.execute(
            "SELECT * FROM suppressions WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (tenant_id, after_seq, limit + 1)).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_render(r) for r in rows], (rows[-1]["seq"] if more and rows else None)

    def page_records(self, tenant_id: str, group_id: int, skip: int,
                     top: int) -> tuple[list[dict[str, Any]], int]:
        self._group_row(tenant_id, group_id)
        rows = self.positions.page(group_id, skip, top)
        return [_render_record(r) for r in rows], self.positions.count(group_id)

    def add_records(self, tenant_id: str, group_id: int,
                    records: list[object]) -> list[dict[str, Any]]:
        """Add (or re-date) each record on its own: a result per record, failures included.

        A phone is an integer of digits (as published); a string or a number of the wrong
        length is refused in its own result and the others are still added."""
        self._group_row(tenant_id, group_id)
        results: list[dict[str, Any]] = []
        for i, item in enumerate(records):
            phone_raw = item.get("phoneNumber") if isinstance(item, dict) else None
            try:
                record = require_object(item, f"dncGroupRecords[{i}]")
                reject_unknown(record, {"phoneNumber", "expiredDate"})
                phone = check_dnc_digits(record.get("phoneNumber"))
                expires = check_expiry(record.get("expiredDate"), "expiredDate")
                with self.db.transaction() as conn:
                    updated = conn.execute(
                        "UPDATE suppressions SET expires_at = ? WHERE group_id = ? AND phone = ?",
                        (expires, group_id, phone)).rowcount
                    if not updated:
                        self._insert(conn, tenant_id, group_id, phone, "", expires)
                results.append({"success": True, "error": None, "formattedPhone": phone})
            except ValidationFailed as exc:
                results.append({"success": False, "error": exc.message,
                                "formattedPhone": None if phone_raw is None else str(phone_raw)})
        return results

    def remove_records(self, tenant_id: str, group_id: int,
                       records: list[object]) -> list[dict[str, Any]]:
        """Remove each record whose digits are the phone's (an integer, or text with digits)."""
        self._group_row(tenant_id, group_id)
        results: list[dict[str, Any]] = []
        for item in records:
            phone = item.get("phoneNumber") if isinstance(item, dict) else None
            wanted = digits(str(phone)) if isinstance(phone, (int, str)) and not isinstance(
                phone, bool) else ""
            if not wanted:
                results.append({"success": False, "error": "phoneNumber is required",
                                "formattedPhone": None})
                continue
            with self.db.transaction() as conn:
                rows = [r for r in conn.execute(
                    "SELECT seq, phone FROM suppressions WHERE group_id = ?", (group_id,))
                    if digits(r["phone"]) == wanted]
                for row in rows:
                    conn.execute("DELETE FROM suppressions WHERE seq = ?", (row["seq"],))
            if rows:
                results.append({"success": True, "error": None, "formattedPhone": rows[0]["phone"]})
            else:
                results.append({"success": False, "formattedPhone": wanted,
                                "error": f"{wanted} is not in DNC group {group_id}"})
        return results

    def search(self, tenant_id: str, phone: str) -> list[dict[str, Any]]:
        """Records of every group whose digits equal the digits of `phone`."""
        wanted = digits(phone)
        if not wanted:
            raise ValidationFailed("phoneNumber must hold digits", field="phoneNumber",
                                   code="INVALID_VALUE")
        return [{"dncGroupId": r["group_id"], "dncGroupName": r["name"],
                 "formattedPhone": r["phone"], "expiredDate": r["expires_at"],
                 "dateCollected": r["created_at"], "lastUpdateTime": r["created_at"]}
                for r in self.db.conn.execute(
                    "SELECT s.group_id, s.phone, s.expires_at, s.created_at, g.name"
                    " FROM suppressions s"
                    " JOIN dnc_groups g ON g.seq = s.group_id WHERE s.tenant_id = ?"
                    " ORDER BY s.seq", (tenant_id,))
                if digits(r["phone"]) == wanted]


def _check_text(value: object, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > 256:
        raise ValidationFailed(f"{field} must be a string of at most 256 characters",
                               field=field, code="INVALID_VALUE")
    return value
