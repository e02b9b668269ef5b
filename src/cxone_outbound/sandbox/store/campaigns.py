"""Campaigns with optimistic concurrency: a version per change, ETag/If-Match, full history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from cxone_outbound.sandbox.errors import (
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.validation import check_int, reject_unknown, require_object

CAMPAIGN_TYPES = ("preview", "progressive", "predictive", "agentless", "manual")
CAMPAIGN_STATUSES = ("active", "inactive", "paused", "completed")
CONFIG_FIELDS = frozenset({
    "name", "type", "status", "description", "maxEnrichmentTimeout", "contactLists",
    "dialingRules", "agentDirectives", "previewSettings",
})
READ_ONLY = frozenset({"id", "campaignId", "version", "createdAt", "updatedAt"})
DEFAULT_ENRICHMENT_TIMEOUT_MS = 3000
SKILL_PARAMETERS = "skillParameters"
"""Key of the body holding the admin dialect's skill parameter sections (hidden from v2 views,
kept in every version so a lost admin update is as provable as a lost v2 one)."""


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> list[str] | None:
    """The versions an If-Match names (`"3"`, `W/"3"`, `3`, a list, or `*`); None when absent."""
    if header is None or not header.strip():
        return None
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if tag.startswith("version:"):
            tag = tag[len("version:"):]
        tags.append(tag)
    return tags


def _check_config(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    reject_unknown(body, CONFIG_FIELDS | READ_ONLY)
    config = {k: v for k, v in body.items() if k in CONFIG_FIELDS}
    name = config.get("name")
    if (creating or "name" in config) and (
            not isinstance(name, str) or not name.strip() or len(name) > 256):
            raise ValidationFailed("name must be a non-empty string", field="name",
                                   code="INVALID_VALUE")
    if "type" in config and (not isinstance(config["type"], str)
                             or config["type"].lower() not in CAMPAIGN_TYPES):
        raise ValidationFailed(f"type must be one of {', '.join(CAMPAIGN_TYPES)}", field="type",
                               code="INVALID_VALUE")
    if "status" in config and (not isinstance(config["status"], str)
                               or config["status"].lower() not in CAMPAIGN_STATUSES):
        raise ValidationFailed(f"status must be one of {', '.join(CAMPAIGN_STATUSES)}",
                               field="status", code="INVALID_VALUE")
    for key in ("type", "status"):
        if key in config:
            config[key] = config[key].lower()
    if "maxEnrichmentTimeout" in config:
        config["maxEnrichmentTimeout"] = check_int(config["maxEnrichmentTimeout"],
                                                   "maxEnrichmentTimeout", low=1, high=600_000)
    if "description" in config and not isinstance(config["description"], str):
        raise ValidationFailed("description must be a string", field="description",
                               code="INVALID_TYPE")
    for key in ("contactLists", "agentDirectives"):
        if key in config and not isinstance(config[key], list):
            raise ValidationFailed(f"{key} must be an array", field=key, code="INVALID_TYPE")
    for key in ("dialingRules", "previewSettings"):
        if key in config and not isinstance(config[key], dict):
            raise ValidationFailed(f"{key} must be an object", field=key, code="INVALID_TYPE")
    return config


class Campaigns:
    """Campaign rules: create, read, filter, and the If-Match guarded PUT."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _render(row: sqlite3.Row) -> dict[str, Any]:
        body = orjson.loads(row["body"])
        body.pop(SKILL_PARAMETERS, None)
        return {"id": row["id"], "campaignId": row["id"], **body, "version": row["version"],
                "createdAt": row["created_at"], "updatedAt": row["updated_at"]}

    def _row(self, tenant_id: str, campaign_id: str) -> sqlite3.Row:
        row = self.db.conn.execute("SELECT * FROM campaigns WHERE id = ? AND tenant_id = ?",
                                   (campaign_id, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"campaign {campaign_id} not found", field="campaignId")
        return row  # type: ignore[no-any-return]

    def create(self, tenant_id: str, body: object) -> dict[str, Any]:
        config = _check_config(require_object(body), creating=True)
        full = {"name": config["name"], "type": "preview", "status": "inactive",
                "maxEnrichmentTimeout": DEFAULT_ENRICHMENT_TIMEOUT_MS, "contactLists": [],
                "dialingRules": {}, "agentDirectives": [], "previewSettings": {}} | config
        campaign_id = self.db.new_id()
        now = self.db.now()
        text = orjson.dumps(full).decode()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO campaigns (id, tenant_id, body, version, created_at,"
                         " updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                         (campaign_id, tenant_id, text, now, now))
            conn.execute("INSERT INTO campaign_versions (campaign_id, version, body, at)"
                         " VALUES (?, 1, ?, ?)", (campaign_id, text, now))
        return self.get(tenant_id, campaign_id)

    def get(self, tenant_id: str, campaign_id: str) -> dict[str, Any]:
        return self._render(self._row(tenant_id, campaign_id))

    def page(self, tenant_id: str, *, type_: str | None, status: str | None, offset: int,
             limit: int) -> tuple[list[dict[str, Any]], bool]:
        rows = self.db.conn.execute("SELECT * FROM campaigns WHERE tenant_id = ? ORDER BY seq",
                                    (tenant_id,)).fetchall()
        matching = [
            c for c in (self._render(r) for r in rows)
            if (not type_ or str(c.get("type", "")).lower() == type_.lower())
            and (not status or str(c.get("status", "")).lower() == status.lower())
        ]
        return matching[offset:offset + limit], len(matching) > offset + limit

    def update(self, tenant_id: str, campaign_id: str, body: object,
               if_match: str | None) -> dict[str, Any]:
        """PUT with optimistic locking: 428 without If-Match, 412 (current version) when stale."""
        tags = parse_if_match(if_match)
        config = _check_config(require_object(body), creating=False)
        with self.db.transaction() as conn:
            row = self._row(tenant_id, campaign_id)
            version = int(row["version"])
            if tags is None:
                raise PreconditionRequired("If-Match with the campaign's ETag is required",
                                           extra={"currentVersion": version})
            if "*" not in tags and str(version) not in tags:
                raise PreconditionFailed(
                    f"campaign changed: current version is {version}",
                    extra={"currentVersion": version, "etag": etag(version)})
            current = orjson.loads(row["body"])
            new = current | config
            if new.get("type") == "preview" and "status" not in config:
                new["status"] = "active"  # a preview configuration PUT activates the preview
            text = orjson.dumps(new).decode()
            now = self.db.now()
            version += 1
            conn.execute("UPDATE campaigns SET body = ?, version = ?, updated_at = ? WHERE seq = ?",
                         (text, version, now, row["seq"]))
            conn.execute("INSERT INTO campaign_versions (campaign_id, version, body, at)"
                         " VALUES (?, ?, ?, ?)", (campaign_id, version, text, now))
            if new.get("type") == "preview" and new.get("status") == "active":
                self.db.emit(tenant_id, "campaign.preview.activated",
                             {"campaignId": campaign_id, "version": version, "name": new["name"]})
        return {"id": campaign_id, "campaignId": campaign_id, "version": version,
                "status": new["status"]}

    def row_by_seq(self, tenant_id: str, seq: int) -> sqlite3.Row:
        """The campaign whose admin id (skill id, campaign id) is `seq`; 404 when none."""
        row = self.db.conn.execute("SELECT * FROM campaigns WHERE seq = ? AND tenant_id = ?",
                                   (seq, tenant_id)).fetchone()
        if row is None:
            raise NotFound(f"campaign {seq} not found", field="id")
        return row  # type: ignore[no-any-return]

    def revise(self, tenant_id: str, seq: int,
               change: Callable[[dict[str, Any]], dict[str, Any]]) -> sqlite3.Row:
        """Apply `change` (current body -> new body) as a new version, without If-Match (the
        admin dialect has none); the campaign's new row. A preview campaign that becomes active
        emits `campaign.preview.activated`, as a v2 activation does."""
        with self.db.transaction() as conn:
            row = self.row_by_seq(tenant_id, seq)
            current = orjson.loads(row["body"])
            new = change(dict(current))
            text = orjson.dumps(new).decode()
            now = self.db.now()
            version = int(row["version"]) + 1
            conn.execute("UPDATE campaigns SET body = ?, version = ?, updated_at = ? WHERE seq = ?",
                         (text, version, now, seq))
            conn.execute("INSERT INTO campaign_versions (campaign_id, version, body, at)"
                         " VALUES (?, ?, ?, ?)", (row["id"], version, text, now))
            if (new.get("type") == "preview" and new.get("status") == "active"
                    and current.get("status") != "active"):
                self.db.emit(tenant_id, "campaign.preview.activated",
                             {"campaignId": row["id"], "version": version, "name": new["name"]})
            return self.row_by_seq(tenant_id, seq)

    def versions(self, tenant_id: str | None, campaign_id: str) -> list[dict[str, Any]]:
        owner = self.db.conn.execute("SELECT tenant_id FROM campaigns WHERE id = ?",
                                     (campaign_id,)).fetchone()
        if owner is None or (tenant_id is not None and owner["tenant_id"] != tenant_id):
            raise NotFound(f"campaign {campaign_id} not found", field="campaignId")
        return [{"version": r["version"], "at": r["at"], "body": orjson.loads(r["body"])}
                for r in self.db.conn.execute(
                    "SELECT * FROM campaign_versions WHERE campaign_id = ? ORDER BY version",
                    (campaign_id,))]
