"""The admin dialect's skills, skill parameters and campaigns: views of the v2 campaigns.

A v2 campaign is a skill (the dialer configuration) and its own admin campaign, both with the
campaign's integer sequence number as id (docs/admin-dialect.md). Every admin write is a new
campaign version, with no If-Match (none is documented on a real tenant), so a lost update shows
in the version history. The parameter keys that have a v2 meaning live in the v2 fields only
(one source of truth); every other key is kept under the body's `skillParameters`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from cxone_outbound.sandbox.campaigns import (
    CAMPAIGN_TYPES,
    DEFAULT_ENRICHMENT_TIMEOUT_MS,
    SKILL_PARAMETERS,
    Campaigns,
)
from cxone_outbound.sandbox.errors import NotFound, SandboxError, ValidationFailed
from cxone_outbound.sandbox.validation import reject_unknown, require_object

SECTIONS: dict[str, str] = {
    "general-settings": "generalSettings",
    "retry-settings": "retrySettings",
    "schedule-settings": "scheduleSettings",
    "cadence-settings": "cadenceSettings",
    "cpa-management": "cpaSettings",
    "delivery-preferences": "deliveryPreferences",
    "time-zones": "timeZoneSettings",
    "list-management": "listManagementSettings",
    "xs-settings": "xsSettings",
}
"""Path segment of each parameter section -> the key wrapping its body."""

MAPPED: dict[tuple[str, str], tuple[str, str, type]] = {
    ("generalSettings", "maximumAttempts"): ("dialingRules", "maxAttempts", int),
    ("generalSettings", "loadCallbacks"): ("dialingRules", "callbackEnabled", bool),
    ("deliveryPreferences", "previewDialingMode"): ("previewSettings", "previewDialingMode", str),
    ("deliveryPreferences", "agentPromptEnabled"): ("previewSettings", "agentPromptEnabled", bool),
    ("deliveryPreferences", "previewTimeoutSeconds"): ("previewSettings", "previewTimeoutSeconds",
                                                       int),
}
"""(section key, admin key) -> (v2 field, v2 key, the JSON type it must have)."""

PHONE_MEDIA_TYPE = 4
SKILL_FIELDS = frozenset({"skillName", "outboundStrategy", "isActive", "notes", "mediaTypeId",
                          "isOutbound"})
CAMPAIGN_FIELDS = frozenset({"name", "description", "isActive"})


def strategy_of(campaign_type: object) -> str:
    """A v2 campaign type as an admin `outboundStrategy` (`preview` -> `Preview`)."""
    return str(campaign_type or "preview").capitalize()


def type_of(strategy: object) -> str:
    """An admin `outboundStrategy` as a v2 campaign type, or a 400."""
    if not isinstance(strategy, str) or strategy.lower() not in CAMPAIGN_TYPES:
        names = ", ".join(t.capitalize() for t in CAMPAIGN_TYPES)
        raise ValidationFailed(f"outboundStrategy must be one of {names}",
                               field="outboundStrategy", code="INVALID_VALUE")
    return strategy.lower()


def render_skill(row: sqlite3.Row) -> dict[str, Any]:
    body = orjson.loads(row["body"])
    return {"skillId": row["seq"], "skillName": body["name"], "mediaTypeId": PHONE_MEDIA_TYPE,
            "mediaTypeName": "Phone Call", "isOutbound": True,
            "outboundStrategy": strategy_of(body.get("type")),
            "isActive": body.get("status") == "active", "campaignId": row["seq"],
            "campaignName": body["name"], "notes": body.get("description", ""),
            "lastUpdateTime": row["updated_at"]}


def render_campaign(row: sqlite3.Row) -> dict[str, Any]:
    body = orjson.loads(row["body"])
    return {"id": row["seq"], "name": body["name"], "isActive": body.get("status") == "active",
            "description": body.get("description", ""), "lastUpdateTime": row["updated_at"]}


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 256:
        raise ValidationFailed(f"{field} must be a non-empty string of at most 256 characters",
                               field=field, code="INVALID_VALUE")
    return value


def _typed(value: object, kind: type, field: str) -> Any:
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise ValidationFailed(f"{field} must be {'an integer' if kind is int else kind.__name__}",
                               field=field, code="INVALID_TYPE")
    return value


def _with_active(body: dict[str, Any], active: object) -> dict[str, Any]:
    """`isActive` onto v2 `status`: true is `active`; false turns only `active` to `inactive`."""
    if _typed(active, bool, "isActive"):
        body["status"] = "active"
    elif body.get("status") == "active":
        body["status"] = "inactive"
    return body


def _new_campaign(name: str, campaign_type: str, description: str, active: bool) -> dict[str, Any]:
    return {"name": name, "type": campaign_type, "status": "active" if active else "inactive",
            "description": description, "maxEnrichmentTimeout": DEFAULT_ENRICHMENT_TIMEOUT_MS,
            "contactLists": [], "dialingRules": {}, "agentDirectives": [], "previewSettings": {}}


class Skills:
    """Skills, skill parameters and admin campaigns over the campaign store."""

    def __init__(self, campaigns: Campaigns) -> None:
        self.campaigns = campaigns
        self.db = campaigns.db

    def _rows(self, tenant_id: str) -> list[sqlite3.Row]:
        return self.db.conn.execute("SELECT * FROM campaigns WHERE tenant_id = ? ORDER BY seq",
                                    (tenant_id,)).fetchall()

    def _insert(self, tenant_id: str, body: dict[str, Any]) -> int:
        campaign_id = self.db.new_id()
        now = self.db.now()
        text = orjson.dumps(body).decode()
        with self.db.transaction() as conn:
            cur = conn.execute("INSERT INTO campaigns (id, tenant_id, body, version, created_at,"
                               " updated_at) VALUES (?, ?, ?, 1, ?, ?)",
                               (campaign_id, tenant_id, text, now, now))
            conn.execute("INSERT INTO campaign_versions (campaign_id, version, body, at)"
                         " VALUES (?, 1, ?, ?)", (campaign_id, text, now))
        return int(cur.lastrowid or 0)

    # skills ------------------------------------------------------------------------------------

    def page_skills(self, tenant_id: str, skip: int, top: int,
                    strategy: str | None = None) -> tuple[list[dict[str, Any]], int]:
        skills = [render_skill(r) for r in self._rows(tenant_id)]
        if strategy:
            skills = [s for s in skills if s["outboundStrategy"].lower() == strategy.lower()]
        return skills[skip:skip + top], len(skills)

    def get_skill(self, tenant_id: str, skill_id: int) -> dict[str, Any]:
        return render_skill(self.campaigns.row_by_seq(tenant_id, skill_id))

    def create_skills(self, tenant_id: str, items: list[Any]) -> list[dict[str, Any]]:
        """Each skill on its own: a failure is reported in its result, the others are made."""
        results: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            try:
                results.append({"success": True, "skillId": self._create_skill(tenant_id, item)})
            except SandboxError as exc:
                results.append({"success": False, "index": i, "error": exc.code,
                                "message": exc.message})
        return results

    def _create_skill(self, tenant_id: str, item: object) -> int:
        skill = require_object(item, "skill")
        reject_unknown(skill, SKILL_FIELDS)
        if skill.get("mediaTypeId", PHONE_MEDIA_TYPE) != PHONE_MEDIA_TYPE or not skill.get(
                "isOutbound", True):
            raise ValidationFailed("only outbound phone skills (mediaTypeId 4) are served",
                                   field="mediaTypeId", code="INVALID_VALUE")
        notes = _typed(skill.get("notes", ""), str, "notes")
        body = _new_campaign(_name(skill.get("skillName"), "skillName"),
                             type_of(skill.get("outboundStrategy", "Preview")), notes,
                             _typed(skill.get("isActive", False), bool, "isActive"))
        return self._insert(tenant_id, body)

    def update_skill(self, tenant_id: str, skill_id: int, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, {"skill"})
        skill = require_object(payload.get("skill"), "skill")
        reject_unknown(skill, {"skillName", "isActive", "notes", "outboundStrategy"}, "skill")
        changes: dict[str, Any] = {}
        if "skillName" in skill:
            changes["name"] = _name(skill["skillName"], "skillName")
        if "notes" in skill:
            changes["description"] = _typed(skill["notes"], str, "notes")
        if "outboundStrategy" in skill:
            changes["type"] = type_of(skill["outboundStrategy"])

        def change(current: dict[str, Any]) -> dict[str, Any]:
            new = current | changes
            return _with_active(new, skill["isActive"]) if "isActive" in skill else new

        self.campaigns.revise(tenant_id, skill_id, change)
        return {"success": True, "skillId": skill_id}

    # skill parameters --------------------------------------------------------------------------

    @staticmethod
    def _section_key(section: str) -> str:
        if section not in SECTIONS:
            raise NotFound(f"no skill parameter section {section}")
        return SECTIONS[section]

    def get_parameters(self, tenant_id: str, skill_id: int, section: str) -> dict[str, Any]:
        """`{"<key>": {...}}`: the stored keys plus the mapped ones the v2 campaign holds."""
        key = self._section_key(section)
        body = orjson.loads(self.campaigns.row_by_seq(tenant_id, skill_id)["body"])
        values = dict(body.get(SKILL_PARAMETERS, {}).get(key, {}))
        for (section_key, name), (field, v2_name, _) in MAPPED.items():
            source = body.get(field)
            if section_key == key and isinstance(source, dict) and v2_name in source:
                values[name] = source[v2_name]
        return {key: values}

    def put_parameters(self, tenant_id: str, skill_id: int, section: str,
                       body: object) -> dict[str, Any]:
        """Merge the given keys into the section (null removes one): a new campaign version."""
        key = self._section_key(section)
        payload = require_object(body)
        if set(payload) != {key}:
            raise ValidationFailed(f"the body must be {{\"{key}\": {{...}}}}", field=key,
                                   code="VALIDATION_ERROR")
        given = require_object(payload[key], key)
        for name, value in given.items():
            mapped = MAPPED.get((key, name))
            if mapped is not None and value is not None:
                _typed(value, mapped[2], f"{key}.{name}")

        def change(current: dict[str, Any]) -> dict[str, Any]:
            sections = dict(current.get(SKILL_PARAMETERS, {}))
            stored = dict(sections.get(key, {}))
            for name, value in given.items():
                mapped = MAPPED.get((key, name))
                if mapped is None:
                    target, target_key = stored, name
                else:
                    field, target_key, _ = mapped
                    target = current[field] = dict(current.get(field) or {})
                if value is None:
                    target.pop(target_key, None)
                else:
                    target[target_key] = value
            sections[key] = stored
            current[SKILL_PARAMETERS] = sections
            return current

        self.campaigns.revise(tenant_id, skill_id, change)
        return {"success": True, "skillId": skill_id}

    # campaigns ---------------------------------------------------------------------------------

    def page_campaigns(self, tenant_id: str, skip: int,
                       top: int) -> tuple[list[dict[str, Any]], int]:
        rows = self._rows(tenant_id)
        return [render_campaign(r) for r in rows[skip:skip + top]], len(rows)

    def get_campaign(self, tenant_id: str, campaign_id: int) -> dict[str, Any]:
        return render_campaign(self.campaigns.row_by_seq(tenant_id, campaign_id))

    def create_campaign(self, tenant_id: str, body: object) -> int:
        """A new campaign, and with it its skill (`outboundStrategy` Preview)."""
        payload = require_object(body)
        reject_unknown(payload, CAMPAIGN_FIELDS)
        return self._insert(tenant_id, _new_campaign(
            _name(payload.get("name"), "name"), "preview",
            _typed(payload.get("description", ""), str, "description"),
            _typed(payload.get("isActive", False), bool, "isActive")))

    def put_campaign(self, tenant_id: str, campaign_id: int, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, CAMPAIGN_FIELDS)
        changes = {"name": _name(payload.get("name"), "name")}
        if "description" in payload:
            changes["description"] = _typed(payload["description"], str, "description")

        def change(current: dict[str, Any]) -> dict[str, Any]:
            new = current | changes
            return _with_active(new, payload["isActive"]) if "isActive" in payload else new

        return render_campaign(self.campaigns.revise(tenant_id, campaign_id, change))

    def set_status(self, tenant_id: str, campaign_id: int, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, {"isActive"})
        if "isActive" not in payload:
            raise ValidationFailed("isActive is required", field="isActive",
                                   code="VALIDATION_ERROR")
        _typed(payload["isActive"], bool, "isActive")
        return render_campaign(self.campaigns.revise(
            tenant_id, campaign_id, lambda current: _with_active(current, payload["isActive"])))
