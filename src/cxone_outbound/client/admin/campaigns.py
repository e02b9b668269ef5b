"""The v2 campaign the preview job reads and writes, over a real tenant's campaign and skill.

On a real tenant (CXONE-REAL.md) a skill dials and a campaign is a reporting rollup of skills.
A dialing skill's `outboundStrategy` is "Personal Connection" or "Manual"; preview is no
strategy but a delivery option of a Personal Connection skill (its agent confirms each contact
first: `deliveryPreferences.confirmationRequired*`). This module assembles the campaign, its one
skill (`GET /campaigns/{id}/skills`) and the skill's parameters (`GET /skills/{id}/parameters`)
into the one v2-shaped document the jobs know (API.md §6), and splits a v2 body back into the
writes each resource takes:

- `name`, `description` ⇄ the campaign's `name`, `description`: read only (no write of a
  campaign is published; the job refuses `--name` on this dialect);
- `status` (`active`/`inactive`) ⇄ the skill's `isActive` (`PUT /skills/{id} {skill: {...}}`);
- `type`, `dialingRules.strategy` `preview` ⇄ a Personal Connection skill whose
  `deliveryPreferences.confirmationRequiredDisabled` is false; `manual` ⇄ a Manual skill;
- `dialingRules.maxAttempts`, `.callbackEnabled` ⇄ `generalSettings.maximumAttempts`,
  `.loadCallbacks`;
- `previewSettings.previewTimeoutSeconds` ⇄ `deliveryPreferences.confirmationRequiredTimeout`;
  `.previewDialingMode` `timed`/`manual` ⇄ `.confirmationRequiredDefaultAccept` true/false (the
  call is placed when the confirmation times out, or waits for the agent);
- `previewSettings.agentPromptEnabled`, `contactLists`, `agentDirectives` have no home: a write
  that would change them is refused with a `ConfigurationError` naming them (the job refuses
  them earlier, exit 2).

A parameter section is written whole (`PUT .../parameters/{section}` wrapped in its key): the
section as read with our keys changed, since whether a PUT merges or replaces is unconfirmed.
Nothing here starts a skill: `start_skill` (`POST /skills/{id}/start`) is only called when the
user asks for it (`cxo preview apply --start-skill`).

No If-Match is documented, so writes are guarded by read-compare-write: the "ETag" is a digest of
the assembled document; a write re-reads, refuses with 412 if the digest moved, then writes only
the resources whose fields change. The guard has a window: another writer landing between our
compare and our last write is not stopped. After writing, the document is read again; if it is
not what our writes should have made, another writer raced us and a 412 (`WRITE_RACED`) sends the
caller back to re-read and merge, so the race is at least seen (a value they wrote in the window
to a field we also wrote may already be lost: the sandbox's `/sandbox/campaigns/{id}/versions`
shows every step).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.paging import PAGE_MAX, JsonCall, pages
from cxone_outbound.client.admin.records import text_of
from cxone_outbound.client.api import seg
from cxone_outbound.client.capabilities import ADMIN_CAMPAIGN_FIELDS, ADMIN_UNHELD_LEAVES
from cxone_outbound.client.errors import (
    ConfigurationError,
    CXoneError,
    NotFound,
    PreconditionFailed,
)
from cxone_outbound.client.models import Campaign, CampaignUpdate

Path = tuple[str, ...]
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]

ACTIVATED_EVENT = "campaign.preview.activated"
PERSONAL_CONNECTION = "Personal Connection"
MANUAL = "Manual"
PREVIEW = "preview"
CONFIRMATION_DISABLED = "confirmationRequiredDisabled"


@dataclass(frozen=True, slots=True)
class Home:
    """Where one leaf of the v2 campaign lives on the Admin API."""

    path: Path  # the v2 leaf
    place: str  # "campaign" (read only), "skill", or a skill parameter section (path segment)
    key: str  # the admin field in that place
    to_admin: Callable[[Any], Any] = lambda value: value
    to_v2: Callable[[Any], Any] = lambda value: value


SECTION_KEYS: Mapping[str, str] = {
    "general-settings": "generalSettings",
    "delivery-preferences": "deliveryPreferences",
}
"""The parameter sections the mapping writes, and the key wrapping each one's PUT body."""

PARAMETER_HOMES: tuple[Home, ...] = (
    Home(("dialingRules", "maxAttempts"), "general-settings", "maximumAttempts"),
    Home(("dialingRules", "callbackEnabled"), "general-settings", "loadCallbacks"),
    Home(("previewSettings", "previewDialingMode"), "delivery-preferences",
         "confirmationRequiredDefaultAccept", to_admin=lambda mode: mode == "timed",
         to_v2=lambda accept: "timed" if accept is True else "manual"),
    Home(("previewSettings", "previewTimeoutSeconds"), "delivery-preferences",
         "confirmationRequiredTimeout"),
)
HOMES: Mapping[Path, Home] = {
    home.path: home
    for home in (
        Home(("name",), "campaign", "name"),
        Home(("description",), "campaign", "description"),
        Home(("status",), "skill", "isActive"),
        Home(("type",), "skill", "outboundStrategy"),
        Home(("dialingRules", "strategy"), "skill", "outboundStrategy"),
        *PARAMETER_HOMES,
    )
}
UNHELD_LEAVES = ADMIN_UNHELD_LEAVES
"""v2 leaves inside held fields with no published home (`Capabilities.campaign_fields` lists
them with a `-`)."""
HELD_FIELDS = ADMIN_CAMPAIGN_FIELDS
"""Top-level v2 campaign fields the admin dialect can write (`Capabilities.campaign_fields`)."""
READ_ONLY = frozenset({"id", "campaignId", "skillId", "version", "createdAt", "updatedAt"})
WRITABLE_STATUSES = ("active", "inactive")
WRITABLE_KINDS = {PREVIEW: PERSONAL_CONNECTION, "manual": MANUAL}
"""The v2 types a write can set, and the skill strategy each one is."""


def campaign_digest(document: Mapping[str, Any]) -> str:
    """The read-compare-write token of a campaign: a digest of it as read (quoted like a tag)."""
    text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return '"rcw-' + hashlib.sha256(text).hexdigest()[:24] + '"'


def skill_kind(skill: Mapping[str, Any], preferences: Mapping[str, Any]) -> str | None:
    """The v2 type of a skill: `preview` (Personal Connection, confirmation required),
    `manual`, else its strategy in lower case (None when it has none)."""
    strategy = skill.get("outboundStrategy")
    if strategy == PERSONAL_CONNECTION and preferences.get(CONFIRMATION_DISABLED) is False:
        return PREVIEW
    return strategy.lower() if isinstance(strategy, str) and strategy else None


def assemble(
    campaign_id: str,
    skill_id: str,
    campaign: Mapping[str, Any],
    skill: Mapping[str, Any],
    sections: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The v2 campaign document of an admin campaign, its skill and its parameter sections."""
    kind = skill_kind(skill, sections.get("delivery-preferences", {}))
    document: dict[str, Any] = {
        "id": campaign_id,
        "campaignId": campaign_id,
        "skillId": skill_id,
        "name": campaign.get("name") or skill.get("skillName"),
        "status": "active" if skill.get("isActive") is True else "inactive",
        "description": campaign.get("description") or "",
    }
    if kind is not None:
        document["type"] = kind
    dialing: dict[str, Any] = {"strategy": kind} if kind is not None else {}
    preview: dict[str, Any] = {}
    parts = {"dialingRules": dialing, "previewSettings": preview}
    for home in PARAMETER_HOMES:
        value = sections.get(home.place, {}).get(home.key)
        if value is not None:
            parts[home.path[0]][home.path[1]] = home.to_v2(value)
    document.update(parts)
    updated = campaign.get("lastUpdateTime")
    if updated is not None:
        document["version"] = str(updated)
    return {k: v for k, v in document.items() if v is not None}

def leaf_changes(current: Mapping[str, Any], body: Mapping[str, Any]) -> dict[Path, Any]:
    """The leaves `body` changes in `current` (None: removed). A top-level field absent from
    `body` is left as it is; an object in `body` replaces the current one (v2 PUT semantics)."""
    changes: dict[Path, Any] = {}
    for key, value in body.items():
        if key in READ_ONLY:
            continue
        now = current.get(key)
        if isinstance(value, Mapping) and (now is None or isinstance(now, Mapping)):
            before = dict(now or {})
            for leaf in [*before, *(k for k in value if k not in before)]:
                if value.get(leaf) != before.get(leaf):
                    changes[(key, str(leaf))] = value.get(leaf)
        elif value != now:
            changes[(key,)] = value
    return changes


@dataclass(frozen=True, slots=True)
class Write:
    """One admin call of a campaign update."""

    method: str
    resource: str
    path: str
    body: dict[str, Any]


@dataclass
class WritePlan:
    """The admin calls a v2 body makes, or the leaves that cannot be written."""

    changes: dict[Path, Any]
    writes: list[Write] = field(default_factory=list)
    unhomed: list[str] = field(default_factory=list)

    def expected(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """`current` as these writes should leave it."""
        document = orjson.loads(orjson.dumps(current))
        for path, value in self.changes.items():
            node = document
            for part in path[:-1]:
                node = node.setdefault(part, {})
            if value is None:
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        return dict(document)


def _label(path: Path) -> str:
    return ".".join(path)


def plan_writes(
    campaign_id: str,
    skill_id: str,
    current: Mapping[str, Any],
    body: Mapping[str, Any],
    sections: Mapping[str, Mapping[str, Any]] | None = None,
) -> WritePlan:
    """The writes that take `current` to `body`, each resource only if a field of it changes;
    a parameter section is written whole: `sections` as read, our keys changed.

    A preview configuration write activates the skill (`isActive`; it does not start it) unless
    `body` names a status, as a v2 PUT activates the campaign (API.md §6)."""
    changes = leaf_changes(current, body)
    kind = body.get("type", current.get("type"))
    if "status" not in body and kind == PREVIEW and current.get("status") != "active":
        changes[("status",)] = "active"
    plan = WritePlan(changes)
    plan.unhomed = [_label(p) for p in changes if p not in HOMES or HOMES[p].place == "campaign"]
    status = changes.get(("status",))
    if ("status",) in changes and status not in WRITABLE_STATUSES:
        plan.unhomed.append(f"status={status!r} (only {' or '.join(WRITABLE_STATUSES)})")
    new_kind = None
    if ("type",) in changes or ("dialingRules", "strategy") in changes:
        final_type = changes.get(("type",), current.get("type"))
        rules = current.get("dialingRules")
        final_strategy = changes.get(("dialingRules", "strategy"),
                                     rules.get("strategy") if isinstance(rules, Mapping) else None)
        if final_type != final_strategy:  # both are the skill's one kind
            plan.unhomed.append(f"dialingRules.strategy={final_strategy!r} with "
                                f"type={final_type!r} (one outboundStrategy)")
        elif final_type not in WRITABLE_KINDS:
            plan.unhomed.append(f"type={final_type!r} (a skill previews with Personal "
                                "Connection, or is Manual)")
        new_kind = final_type
    if plan.unhomed:
        return plan
    written: dict[str, dict[str, Any]] = {}

    def section(name: str) -> dict[str, Any]:
        return written.setdefault(name, dict((sections or {}).get(name, {})))

    for path, value in changes.items():
        home = HOMES[path]
        if home.place in SECTION_KEYS:
            if value is None:
                section(home.place).pop(home.key, None)
            else:
                section(home.place)[home.key] = home.to_admin(value)
    if new_kind == PREVIEW:
        section("delivery-preferences")[CONFIRMATION_DISABLED] = False
    sid = seg(skill_id)
    for name, values in written.items():
        plan.writes.append(Write("PUT", "skills", f"skills/{sid}/parameters/{name}",
                                 {SECTION_KEYS[name]: values}))
    skill: dict[str, Any] = {}
    if new_kind is not None:
        skill["outboundStrategy"] = WRITABLE_KINDS[str(new_kind)]
    if ("status",) in changes:  # last: configure, then activate
        skill["isActive"] = status == "active"
    if skill:
        plan.writes.append(Write("PUT", "skills", f"skills/{sid}", {"skill": skill}))
    return plan


def held_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a document the mapping writes (what a post-write check compares)."""
    return {k: v for k, v in document.items() if k in HELD_FIELDS}


@dataclass
class AdminCampaign:
    """A campaign as read: the assembled document and the raw parameter sections."""

    document: dict[str, Any]
    sections: dict[str, dict[str, Any]]

    @property
    def skill_id(self) -> str:
        return str(self.document["skillId"])


class AdminCampaigns:
    """Campaign reads and writes of `AdminOutboundApi` (its session call is injected)."""

    def __init__(self, call: JsonCall, emit: Emit) -> None:
        self._call = call
        self._emit = emit
        self._skills: dict[str, str] = {}  # campaign id -> its skill's id

    async def skill_id(self, campaign_id: str) -> str:
        """The campaign's one skill (`GET /campaigns/{id}/skills`, looked up once)."""
        known = self._skills.get(campaign_id)
        if known is not None:
            return known
        found = [row async for rows in pages(self._call, "campaigns",
                                             f"campaigns/{seg(campaign_id)}/skills",
                                             contract.CAMPAIGN_SKILLS) for row in rows]
        if not found:
            raise NotFound(f"campaign {campaign_id}: no skill belongs to it", status=404)
        if len(found) > 1:
            ids = ", ".join(str(s["skillId"]) for s in found)
            raise ConfigurationError(
                f"campaign {campaign_id} groups skills {ids}: the admin dialect configures one "
                "skill per campaign (docs/real-tenant.md)"
            )
        self._skills[campaign_id] = str(found[0]["skillId"])
        return self._skills[campaign_id]

    async def _sections(self, skill_id: str) -> dict[str, dict[str, Any]]:
        body = await self._call("GET", "skills", f"skills/{seg(skill_id)}/parameters")
        found = contract.read(contract.SKILL_PARAMETERS, body)
        sections: dict[str, dict[str, Any]] = {}
        for name, key in SECTION_KEYS.items():
            value = found[key]
            if not isinstance(value, Mapping):
                raise contract.SchemaDrift(contract.SKILL_PARAMETERS.endpoint,
                                           expected={key}, seen=found, where=f"{key} (no object)")
            sections[name] = dict(value)
        return sections

    async def read_raw(self, campaign_id: str) -> AdminCampaign:
        """The campaign, its skill and the skill's parameters, read together."""
        skill_id = await self.skill_id(campaign_id)
        campaign, skill, sections = await asyncio.gather(
            self._call("GET", "campaigns", f"campaigns/{seg(campaign_id)}"),
            self._call("GET", "skills", f"skills/{seg(skill_id)}"),
            self._sections(skill_id),
        )
        document = assemble(campaign_id, skill_id, contract.read(contract.CAMPAIGN, campaign),
                            contract.read_skill(skill), sections)
        return AdminCampaign(document, sections)

    async def read(self, campaign_id: str) -> dict[str, Any]:
        """The assembled v2 document."""
        return (await self.read_raw(campaign_id)).document

    async def get(self, campaign_id: str) -> Campaign:
        document = await self.read(campaign_id)
        campaign = Campaign.model_validate(document)
        campaign.etag = campaign_digest(document)
        return campaign

    async def _kinds(self) -> dict[str, tuple[str | None, bool]]:
        """Each campaign's (v2 type, active) from its first skill, every page of `/skills`."""
        kinds: dict[str, tuple[str | None, bool]] = {}

        async def preferences(skill: Mapping[str, Any]) -> Mapping[str, Any]:
            if skill.get("outboundStrategy") != PERSONAL_CONNECTION:
                return {}
            return (await self._sections(str(skill["skillId"])))["delivery-preferences"]

        async for rows in pages(self._call, "skills", "skills", contract.SKILLS):
            fresh: dict[str, Mapping[str, Any]] = {}  # each campaign's first skill
            for skill in rows:
                owner = text_of(skill, "campaignId")
                if owner is not None and owner not in kinds:
                    fresh.setdefault(owner, skill)
            read = await asyncio.gather(*(preferences(skill) for skill in fresh.values()))
            for (owner, skill), prefs in zip(fresh.items(), read, strict=True):
                kinds[owner] = (skill_kind(skill, prefs), skill.get("isActive") is True)
        return kinds

    async def iter(
        self, *, type: str | None = None, status: str | None = None, page_size: int = PAGE_MAX
    ) -> AsyncIterator[Campaign]:
        """Every campaign with the type and status of its skill, filtered."""
        kinds = await self._kinds()
        async for rows in pages(self._call, "campaigns", "campaigns", contract.CAMPAIGNS,
                                page_size=page_size):
            for item in rows:
                campaign_id = str(item["id"])
                kind, active = kinds.get(campaign_id, (None, False))
                state = "active" if active else "inactive"
                if (type and kind != type.lower()) or (status and state != status.lower()):
                    continue
                yield Campaign.model_validate({"id": campaign_id, "name": item.get("name"),
                                               "type": kind, "status": state})

    async def _write(self, write: Write) -> None:
        answer = await self._call(write.method, write.resource, write.path, json=write.body)
        published = write.path.count("/") == 1  # PUT /skills/{id}: `{success, skillId}`
        if published and contract.read(contract.SKILL_UPDATE, answer).get("success") is not True:
            raise CXoneError(f"PUT /{write.path}: the tenant answered success: false",
                                 status=200, body=answer)

    async def update(
        self, campaign_id: str, body: Mapping[str, Any], *, if_match: str
    ) -> CampaignUpdate:
        """Read, compare with the digest the caller read (412 if it moved), write what changed,
        read again (412 `WRITE_RACED` if another writer landed meanwhile)."""
        read = await self.read_raw(campaign_id)
        current = read.document
        if if_match.strip() not in (campaign_digest(current), "*"):
            raise PreconditionFailed(
                f"campaign {campaign_id} changed since it was read (read-compare-write guard)",
                status=412, code="STALE_READ", body={"currentVersion": current.get("version")},
            )
        plan = plan_writes(campaign_id, read.skill_id, current, body, read.sections)
        if plan.unhomed:
            raise ConfigurationError(
                f"campaign {campaign_id}: {', '.join(plan.unhomed)} cannot be written on the "
                "admin dialect (no published home in the campaign's skill or its parameters; "
                "docs/real-tenant.md)"
            )
        for write in plan.writes:
            await self._write(write)
        fresh = await self.read(campaign_id) if plan.writes else current
        update = CampaignUpdate(version=fresh.get("version"), status=fresh.get("status"))
        update.etag = campaign_digest(fresh)
        if (fresh.get("type") == PREVIEW and fresh.get("status") == "active"
                and current.get("status") != "active"):
            await self._emit(ACTIVATED_EVENT, {"campaignId": campaign_id,
                                               "version": update.version,
                                               "name": fresh.get("name")})
        if held_view(fresh) != held_view(plan.expected(current)):
            raise PreconditionFailed(
                f"campaign {campaign_id} was changed by another writer while this write was "
                "being made (read-compare-write leaves that window open): re-read and merge",
                status=412, code="WRITE_RACED", body={"currentVersion": fresh.get("version")},
            )
        return update

    async def start_skill(self, campaign_id: str) -> str:
        """Start the campaign's skill dialing (`POST /skills/{id}/start`); its id. Only on the
        user's explicit request: a tool never starts dialing by itself."""
        skill_id = await self.skill_id(campaign_id)
        await self._call("POST", "skills", f"skills/{seg(skill_id)}/start")
        return skill_id
