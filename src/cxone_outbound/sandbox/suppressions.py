"""Suppressions: do-not-dial phone numbers (E.164), keyed by phone, optionally expiring."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxone_outbound.sandbox.database import Database
from cxone_outbound.sandbox.errors import Conflict, ValidationFailed
from cxone_outbound.sandbox.validation import check_phone, reject_unknown, require_object


def _check_expiry(value: object) -> str | None:
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
    raise ValidationFailed("expiresAt must be an ISO 8601 date-time with a zone", field="expiresAt",
                           code="INVALID_VALUE")


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Suppressions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, tenant_id: str, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, {"phoneNumber", "reason", "expiresAt"})
        phone = check_phone(payload.get("phoneNumber"), "phoneNumber")
        reason = payload.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 512:
            raise ValidationFailed("reason must be a string", field="reason", code="INVALID_TYPE")
        expires_at = _check_expiry(payload.get("expiresAt"))
        supp_id = self.db.new_id()
        now = self.db.now()
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM suppressions WHERE tenant_id = ? AND phone = ?",
                            (tenant_id, phone)).fetchone():
                raise Conflict(f"{phone} is already suppressed", field="phoneNumber",
                               code="ALREADY_SUPPRESSED")
            conn.execute("INSERT INTO suppressions (id, tenant_id, phone, reason, expires_at,"
                         " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (supp_id, tenant_id, phone, reason, expires_at, now))
        return {"id": supp_id, "phoneNumber": phone, "reason": reason, "expiresAt": expires_at,
                "createdAt": now}

    def page_after(self, tenant_id: str, after_seq: int,
                   limit: int) -> tuple[list[dict[str, Any]], int | None]:
        """Live suppressions (expired ones are left out) after `after_seq`."""
        now = self.db.wall()
        out: list[tuple[int, dict[str, Any]]] = []
        last_seq = after_seq
        more = False
        cursor = self.db.conn.execute(
            "SELECT * FROM suppressions WHERE tenant_id = ? AND seq > ? ORDER BY seq",
            (tenant_id, after_seq))
        for row in cursor:
            expires = row["expires_at"]
            if expires and _epoch(expires) <= now:
                continue
            if len(out) == limit:
                more = True
                break
            last_seq = row["seq"]
            out.append((row["seq"], {"id": row["id"], "phoneNumber": row["phone"],
                                     "reason": row["reason"], "expiresAt": expires,
                                     "createdAt": row["created_at"]}))
        return [item for _, item in out], (last_seq if more else None)
