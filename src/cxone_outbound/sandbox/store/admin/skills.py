"""The admin dialect's skills, skill parameters and campaigns: views of the v2 campaigns.

A v2 campaign is a skill (the dialer configuration) and its own admin campaign, both with the
campaign's integer sequence number as id (docs/admin-dialect.md). Every admin write is a new
campaign version, with no If-Match (none is documented on a real tenant), so a lost update shows
in the version history. The parameter keys that have a v2 meaning live in the v2 fields only
(one source of truth); every other key is kept under the body's `skillParameters`.

As on a real tenant (CXONE-REAL.md), a dialing skill's `outboundStrategy` is "Personal
Connection" or "Manual": there is no "Preview" strategy. Preview is a delivery option of a
Personal Connection skill: confirmation required (`deliveryPreferences.confirmationRequired*`).
Dialing starts only with `POST /skills/{id}/start`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import orjson

from cxone_outbound.sandbox.errors import NotFound, SandboxError, ValidationFailed
from cxone_outbound.sandbox.store.campaigns import (
    CAMPAIGN_TYPES,
    DEFAULT_ENRICHMENT_TIMEOUT_MS,
    SKILL_PARAMETERS,
    Campaigns,
)
from cxone_outbound.sandbox.store.validation import reject_unknown, require_object

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
    ("deliveryPreferences", "confirmationRequiredTimeout"): ("previewSettings",
                                                             "previewTimeoutSeconds", int),
}
"""(section key, admin key) -> (v2 field, v2 key, the JSON type it must have): copied as is."""

DEFAULT_ACCEPT = ("deliveryPreferences", "confirmationRequiredDefaultAccept")
"""true: a previewed call is placed when the confirmation times out (v2 `timed`); false:
the agent places it (v2 `manual`) [ours]."""
CONFIRMATION_DISABLED = ("deliveryPreferences", "confirmationRequiredDisabled")
"""false on a Personal Connection skill: the agent confirms each contact first, a preview
(v2 type `preview`) [ours]."""
PERSONAL_CONNECTION = "Personal Connection"
MANUAL = "Manual"
STRATEGIES = (PERSONAL_CONNECTION, MANUAL)
PC_DEFAULT_TYPE = "progressive"
"""The v2 type a Personal Connection skill gets when it stops previewing [ours]."""
SKILL_STATE = "skillState"
"""Key under the body's `skillParameters` holding `isRunning` (started/stopped; no v2 meaning)."""

PHONE_MEDIA_TYPE = 4
SKILL_FIELDS = frozenset({"skillName", "outboundStrategy", "isActive", "notes", "mediaTypeId",
                          "isOutbound"})
CAMPAIGN_FIELDS = frozenset({"name", "description", "isActive"})


def strategy_of(campaign_type: object) -> str:
    """A v2 campaign type as an admin `outboundStrategy`: `manual` is Manual, every other
    dialing mode (preview included) a Personal Connection skill."""
    return MANUAL if campaign_type == "manual" else PERSONAL_CONNECTION


def type_of(strategy: object, current: object = None) -> str:
    """An admin `outboundStrategy` as a v2 campaign type (a Personal Connection skill keeps
    its mode), or a 400 for any other strategy ("Preview" included: it is no strategy)."""
    if strategy == MANUAL:
        return MANUAL.lower()
    if strategy == PERSONAL_CONNECTION:
        kept = current if isinstance(current, str) and current in CAMPAIGN_TYPES else "preview"
        return PC_DEFAULT_TYPE if kept == "manual" else kept
    raise ValidationFailed(f"outboundStrategy must be one of {', '.join(STRATEGIES)}",
                           field="outboundStrategy", code="INVALID_VALUE")


def is_running(body: dict[str, Any]) -> bool:
    return bool(body.get(SKILL_PARAMETERS, {}).get(SKILL_STATE, {}).get("isRunning"))


def render_skill(row: sqlite3.Row) -> dict[str, Any]:
    """A skill with the fields S1 publishes (`callerIdOverride`, `scriptId`: none set)."""
    body = orjson.loads(row["body"])
    return {"skillId": row["seq"], "skillName": body["name"], "mediaTypeId": PHONE_MEDIA_TYPE,
            "isOutbound": True, "outboundStrategy": strategy_of(body.get("type")),
            "isRunning": is_running(body), "isActive": body.get("status") == "active",
            "campaignId": row["seq"], "campaignName": body["name"], "callerIdOverride": None,
            "scriptId": None}


def render_campaign(row: sqlite3.Row) -> dict[str, Any]:
    """A campaign as v33 lists it (`notes` is the description too: the v2 body has one)."""
    body = orjson.loads(row["body"])
    description = body.get("description", "")
    return {"id": row["seq"], "name": body["name"], "isActive": body.get("status") == "active",
            "description": description, "notes": description,
            "lastUpdateTime": row["updated_at"]}


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


TIME_ZONES = "timeZoneSettings"


def _section(body: dict[str, Any], key: str) -> Any:
    """One parameter section of a v2 body: its stored keys and the v2 fields mapped into it."""
    stored = body.get(SKILL_PARAMETERS, {}).get(key)
    if key == TIME_ZONES:
        return list(stored or [])
    values = dict(stored or {})
    for (section_key, name), (field, v2_name, _) in MAPPED.items():
        source = body.get(field)
        if section_key == key and isinstance(source, dict) and v2_name in source:
            values[name] = source[v2_name]
    if key == CONFIRMATION_DISABLED[0]:
        values[CONFIRMATION_DISABLED[1]] = body.get("type") != "preview"
        mode = (body.get("previewSettings") or {}).get("previewDialingMode")
        if mode is not None:
            values[DEFAULT_ACCEPT[1]] = mode == "timed"
    return values


def _mapped_type(key: str, name: str) -> type | None:
    if (key, name) in (DEFAULT_ACCEPT, CONFIRMATION_DISABLED):
        return bool
    mapped = MAPPED.get((key, name))
    return mapped[2] if mapped else None


def _write_mapped(current: dict[str, Any], key: str, name: str, value: Any) -> bool:
    """Write an admin key with a v2 meaning into the v2 fields; False if it has none."""
    if (key, name) == CONFIRMATION_DISABLED:
        if value is False and current.get("type") == "manual":
            raise ValidationFailed("confirmation applies to Personal Connection skills",
                                   field=f"{key}.{name}", code="INVALID_VALUE")
        if value is False:
            current["type"] = "preview"
        elif value is True and current.get("type") == "preview":
            current["type"] = PC_DEFAULT_TYPE
        return True
    if (key, name) == DEFAULT_ACCEPT:
        preview = current["previewSettings"] = dict(current.get("previewSettings") or {})
        if value is None:
            preview.pop("previewDialingMode", None)
        else:
            preview["previewDialingMode"] = "timed" if value else "manual"
        return True
    mapped = MAPPED.get((key, name))
    if mapped is None:
        return False
    field, target_key, _ = mapped
    target = current[field] = dict(current.get(field) or {})
    if value is None:
        target.pop(target_key, None)
    else:
        target[target_key] = value
    return True


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
        """Each skill on its own: a failure is reported in its result (`success`, `error`, as
        published), the others are made."""
        results: list[dict[str, Any]] = []
        for item in items:
            try:
                self._create_skill(tenant_id, item)
                results.append({"success": True, "error": None})
            except SandboxError as exc:
                results.append({"success": False, "error": exc.message})
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
                             type_of(skill.get("outboundStrategy", PERSONAL_CONNECTION),
                                     PC_DEFAULT_TYPE), notes,
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
            type_of(skill["outboundStrategy"])  # 400 before anything is written
        if "isActive" in skill:
            _typed(skill["isActive"], bool, "isActive")

        def change(current: dict[str, Any]) -> dict[str, Any]:
            new = current | changes
            if "outboundStrategy" in skill:
                new["type"] = type_of(skill["outboundStrategy"], current.get("type"))
            return _with_active(new, skill["isActive"]) if "isActive" in skill else new

        self.campaigns.revise(tenant_id, skill_id, change)
        return {"success": True, "skillId": skill_id}

    def set_running(self, tenant_id: str, skill_id: int, running: bool) -> None:
        """`POST /skills/{id}/start|stop`: the skill dials (or stops); nothing else changes."""

        def change(current: dict[str, Any]) -> dict[str, Any]:
            sections = dict(current.get(SKILL_PARAMETERS, {}))
            sections[SKILL_STATE] = {"isRunning": running}
            current[SKILL_PARAMETERS] = sections
            return current

        self.campaigns.revise(tenant_id, skill_id, change)

    def campaign_skills(self, tenant_id: str, campaign_id: int) -> list[dict[str, Any]]:
        """The skills a campaign rolls up: in the sandbox, the one of the same number."""
        return [self.get_skill(tenant_id, campaign_id)]

    # skill parameters --------------------------------------------------------------------------

    @staticmethod
    def _section_key(section: str) -> str:
        if section not in SECTIONS:
            raise NotFound(f"no skill parameter section {section}")
        return SECTIONS[section]

    def get_parameters(self, tenant_id: str, skill_id: int, section: str) -> Any:
        """The section, bare (as published for GET): stored keys plus the mapped ones."""
        key = self._section_key(section)
        return _section(orjson.loads(self.campaigns.row_by_seq(tenant_id, skill_id)["body"]), key)

    def all_parameters(self, tenant_id: str, skill_id: int) -> dict[str, Any]:
        """`GET /skills/{id}/parameters`: every section, with the keys S1 publishes."""
        row = self.campaigns.row_by_seq(tenant_id, skill_id)
        body = orjson.loads(row["body"])
        return {"skillName": body["name"], "skillNo": row["seq"],
                **{key: _section(body, key) for key in SECTIONS.values()},
                "callingLists": [], "filterSettings": {}}

    def put_parameters(self, tenant_id: str, skill_id: int, section: str,
                       body: object) -> dict[str, Any]:
        """Merge the given keys into the section (null removes one): a new campaign version.

        The body is wrapped in the section's key, as published for PUT."""
        key = self._section_key(section)
        payload = require_object(body)
        if set(payload) != {key}:
            raise ValidationFailed(f"the body must be {{\"{key}\": ...}}", field=key,
                                   code="VALIDATION_ERROR")
        if key == TIME_ZONES:
            zones = payload[key]
            if not isinstance(zones, list):
                raise ValidationFailed(f"{key} must be an array", field=key, code="INVALID_TYPE")
            return self._revise_section(tenant_id, skill_id, key, lambda current: zones)
        given = require_object(payload[key], key)
        for name, value in given.items():
            kind = _mapped_type(key, name)
            if kind is not None and value is not None:
                _typed(value, kind, f"{key}.{name}")

        def change(current: dict[str, Any]) -> dict[str, Any]:
            stored = dict(current.get(SKILL_PARAMETERS, {}).get(key, {}))
            for name, value in given.items():
                if not _write_mapped(current, key, name, value):
                    if value is None:
                        stored.pop(name, None)
                    else:
                        stored[name] = value
            return stored

        return self._revise_section(tenant_id, skill_id, key, change)

    def _revise_section(self, tenant_id: str, skill_id: int, key: str,
                        change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
        def revise(current: dict[str, Any]) -> dict[str, Any]:
            section = change(current)
            current[SKILL_PARAMETERS] = {**current.get(SKILL_PARAMETERS, {}), key: section}
            return current

        self.campaigns.revise(tenant_id, skill_id, revise)
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

    def set_status(self, tenant_id: str, campaign_id: int, body: object) -> dict[str, Any]:
        payload = require_object(body)
        reject_unknown(payload, {"isActive"})
        if "isActive" not in payload:
            raise ValidationFailed("isActive is required", field="isActive",
                                   code="VALIDATION_ERROR")
        _typed(payload["isActive"], bool, "isActive")
        return render_campaign(self.campaigns.revise(
            tenant_id, campaign_id, lambda current: _with_active(current, payload["isActive"])))
