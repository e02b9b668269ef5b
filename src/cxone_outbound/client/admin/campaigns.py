"""The v2 campaign the preview job reads and writes, over a real tenant's campaign and skill.

On the ACD Admin API a preview campaign's configuration is spread over four resources; this
module assembles them into the one v2-shaped document the jobs know (API.md §6), and splits a
v2 body back into the writes each resource takes (docs/admin-dialect.md "Skills and campaigns"):

- `name`, `description` ⇄ the campaign's `name`, `description` (`PUT /campaigns/{id}`);
- `status` (`active`/`inactive`) ⇄ the campaign's `isActive` (`PATCH /campaigns/{id}/status`);
- `type`, `dialingRules.strategy` ⇄ the skill's `outboundStrategy` (`PUT /skills/{skillId}`);
- `dialingRules.maxAttempts`, `.callbackEnabled` ⇄ `generalSettings.maximumAttempts`,
  `.loadCallbacks` (`PUT /skills/{skillId}/parameters/general-settings`);
- `previewSettings.*` ⇄ `deliveryPreferences.<the same name>`
  (`PUT /skills/{skillId}/parameters/delivery-preferences`).

`contactLists` and `agentDirectives` have no home (a real tenant links lists to a skill by
uploading them to it, and agents by skill assignment): a write that would change them is refused
with a `ConfigurationError` naming them, as is any other field without a home.

The campaign's skill is the skill whose `campaignId` is the campaign: the sandbox gives both the
same number; on a real tenant they may differ and the skill is looked up (once per client). A
campaign grouping several skills is refused, naming them.

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

from cxone_outbound.client.admin.records import text_of
from cxone_outbound.client.api import seg
from cxone_outbound.client.errors import (
    ConfigurationError,
    CXoneError,
    NotFound,
    PreconditionFailed,
)
from cxone_outbound.client.models import Campaign, CampaignUpdate

Path = tuple[str, ...]
JsonCall = Callable[..., Awaitable[Any]]
"""`(method, resource, path, **kw) -> parsed JSON`: the admin session at the resource's version."""
Pages = Callable[..., AsyncIterator[list[Any]]]
"""`(resource, path, params, keys, *, page_size) -> pages of items` (skip/top, `_links.next`)."""
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]

PAGE_MAX = 1000
ACTIVATED_EVENT = "campaign.preview.activated"


@dataclass(frozen=True, slots=True)
class Home:
    """Where one leaf of the v2 campaign lives on the Admin API."""

    path: Path  # the v2 leaf
    place: str  # "campaign", "status", "skill", or a skill parameter section (path segment)
    key: str  # the admin field in that place


SECTION_KEYS: Mapping[str, str] = {
    "general-settings": "generalSettings",
    "delivery-preferences": "deliveryPreferences",
}
"""The parameter sections the mapping reads, and the key wrapping each one's body."""

PARAMETER_HOMES: tuple[Home, ...] = (
    Home(("dialingRules", "maxAttempts"), "general-settings", "maximumAttempts"),
    Home(("dialingRules", "callbackEnabled"), "general-settings", "loadCallbacks"),
    Home(("previewSettings", "previewDialingMode"), "delivery-preferences", "previewDialingMode"),
    Home(("previewSettings", "agentPromptEnabled"), "delivery-preferences", "agentPromptEnabled"),
    Home(("previewSettings", "previewTimeoutSeconds"), "delivery-preferences",
         "previewTimeoutSeconds"),
)
HOMES: Mapping[Path, Home] = {
    home.path: home
    for home in (
        Home(("name",), "campaign", "name"),
        Home(("description",), "campaign", "description"),
        Home(("status",), "status", "isActive"),
        Home(("type",), "skill", "outboundStrategy"),
        Home(("dialingRules", "strategy"), "skill", "outboundStrategy"),
        *PARAMETER_HOMES,
    )
}
HELD_FIELDS = frozenset(path[0] for path in HOMES)
"""Top-level v2 campaign fields the admin dialect can hold (`Capabilities.campaign_fields`)."""
READ_ONLY = frozenset({"id", "campaignId", "skillId", "version", "createdAt", "updatedAt"})
WRITABLE_STATUSES = ("active", "inactive")


def campaign_digest(document: Mapping[str, Any]) -> str:
    """The read-compare-write token of a campaign: a digest of it as read (quoted like a tag)."""
    text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return '"rcw-' + hashlib.sha256(text).hexdigest()[:24] + '"'


def _unwrap(body: Any, key: str, plural: str | None = None) -> dict[str, Any]:
    """An object the API may send bare, wrapped (`{"skill": {...}}`) or as a list of one."""
    if isinstance(body, Mapping) and isinstance(body.get(key), Mapping):
        body = body[key]
    elif plural and isinstance(body, Mapping) and isinstance(body.get(plural), list):
        body = body[plural][0] if body[plural] else {}
    return dict(body) if isinstance(body, Mapping) else {}



def assemble(
    campaign_id: str,
    skill_id: str,
    campaign: Mapping[str, Any],
    skill: Mapping[str, Any],
    sections: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The v2 campaign document of an admin campaign, its skill and its parameter sections."""
    strategy = skill.get("outboundStrategy")
    kind = strategy.lower() if isinstance(strategy, str) and strategy else None
    active = campaign.get("isActive", skill.get("isActive"))
    document: dict[str, Any] = {
        "id": campaign_id,
        "campaignId": campaign_id,
        "skillId": skill_id,
        "name": campaign.get("name") or skill.get("skillName"),
        "status": "active" if active is True else "inactive",
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
            parts[home.path[0]][home.path[1]] = value
    document.update(parts)
    updated = campaign.get("lastUpdateTime") or skill.get("lastUpdateTime")
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
    campaign_id: str, skill_id: str, current: Mapping[str, Any], body: Mapping[str, Any]
) -> WritePlan:
    """The writes that take `current` to `body`, each resource only if a field of it changes.

    A preview configuration write activates the campaign unless `body` names a status, as a v2
    PUT does (API.md §6)."""
    changes = leaf_changes(current, body)
    kind = body.get("type", current.get("type"))
    if "status" not in body and kind == "preview" and current.get("status") != "active":
        changes[("status",)] = "active"
    plan = WritePlan(changes)
    plan.unhomed = [_label(p) for p in changes if p not in HOMES]
    status = changes.get(("status",))
    if ("status",) in changes and status not in WRITABLE_STATUSES:
        plan.unhomed.append(f"status={status!r} (only {' or '.join(WRITABLE_STATUSES)})")
    if ("type",) in changes or ("dialingRules", "strategy") in changes:
        final_type = changes.get(("type",), current.get("type"))
        rules = current.get("dialingRules")
        final_strategy = changes.get(("dialingRules", "strategy"),
                                     rules.get("strategy") if isinstance(rules, Mapping) else None)
        if final_type != final_strategy:  # both are the skill's one outboundStrategy
            plan.unhomed.append(f"dialingRules.strategy={final_strategy!r} with "
                                f"type={final_type!r} (one outboundStrategy)")
    if plan.unhomed:
        return plan
    cid, sid = seg(campaign_id), seg(skill_id)
    sections: dict[str, dict[str, Any]] = {}
    for path, value in changes.items():
        home = HOMES[path]
        if home.place in SECTION_KEYS:
            sections.setdefault(home.place, {})[home.key] = value
    for section, values in sections.items():
        plan.writes.append(Write("PUT", "skills", f"skills/{sid}/parameters/{section}",
                                 {SECTION_KEYS[section]: values}))
    new_kind = changes.get(("type",), changes.get(("dialingRules", "strategy")))
    if new_kind is not None:
        plan.writes.append(Write("PUT", "skills", f"skills/{sid}",
                                 {"skill": {"outboundStrategy": str(new_kind).capitalize()}}))
    if ("name",) in changes or ("description",) in changes:
        plan.writes.append(Write("PUT", "campaigns", f"campaigns/{cid}", {
            "name": changes.get(("name",), current.get("name")),
            "description": changes.get(("description",), current.get("description", "")),
        }))
    if ("status",) in changes:  # last: configure, then activate
        plan.writes.append(Write("PATCH", "campaigns", f"campaigns/{cid}/status",
                                 {"isActive": status == "active"}))
    return plan


def held_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a document the mapping writes (what a post-write check compares)."""
    return {k: v for k, v in document.items() if k in HELD_FIELDS}


class AdminCampaigns:
    """Campaign reads and writes of `AdminOutboundApi` (its session calls are injected)."""

    def __init__(self, call: JsonCall, pages: Pages, emit: Emit) -> None:
        self._call = call
        self._pages = pages
        self._emit = emit
        self._skills: dict[str, str] = {}  # campaign id -> its skill's id

    async def _skill(self, campaign_id: str) -> tuple[str, dict[str, Any]]:
        """The campaign's skill: the one whose `campaignId` it is (looked up once)."""
        known = self._skills.get(campaign_id)
        if known is not None:
            body = await self._call("GET", "skills", f"skills/{seg(known)}")
            return known, _unwrap(body, "skill", "skills")
        try:
            body = await self._call("GET", "skills", f"skills/{seg(campaign_id)}")
            skill = _unwrap(body, "skill", "skills")
            if text_of(skill, "campaignId") in (None, campaign_id):
                self._skills[campaign_id] = campaign_id
                return campaign_id, skill
        except NotFound:
            pass
        found: list[dict[str, Any]] = []
        async for items in self._pages("skills", "skills", {}, ("skills",), page_size=PAGE_MAX):
            found += [dict(s) for s in items
                      if isinstance(s, Mapping) and text_of(s, "campaignId") == campaign_id]
        if not found:
            raise NotFound(f"campaign {campaign_id}: no skill belongs to it", status=404)
        if len(found) > 1:
            ids = ", ".join(str(text_of(s, "skillId")) for s in found)
            raise ConfigurationError(
                f"campaign {campaign_id} groups skills {ids}: the admin dialect configures one "
                "skill per campaign (docs/real-tenant.md)"
            )
        skill_id = text_of(found[0], "skillId")
        if skill_id is None:
            raise CXoneError(f"campaign {campaign_id}: its skill has no skillId", body=found[0])
        self._skills[campaign_id] = skill_id
        return skill_id, found[0]

    async def read(self, campaign_id: str) -> dict[str, Any]:
        """The assembled v2 document (campaign, skill and parameter sections read together)."""
        skill_id, skill = await self._skill(campaign_id)
        base = f"skills/{seg(skill_id)}/parameters"
        campaign, *sections = await asyncio.gather(
            self._call("GET", "campaigns", f"campaigns/{seg(campaign_id)}"),
            *(self._call("GET", "skills", f"{base}/{s}") for s in SECTION_KEYS),
        )
        document = _unwrap(campaign, "campaign")
        if not document:
            raise CXoneError(f"campaign {campaign_id}: unreadable answer", body=campaign)
        parts = {s: _unwrap(b, key) for (s, key), b in zip(SECTION_KEYS.items(), sections,
                                                            strict=True)}
        return assemble(campaign_id, skill_id, document, skill, parts)

    async def get(self, campaign_id: str) -> Campaign:
        document = await self.read(campaign_id)
        campaign = Campaign.model_validate(document)
        campaign.etag = campaign_digest(document)
        return campaign

    async def iter(
        self, *, type: str | None = None, status: str | None = None, page_size: int = 100
    ) -> AsyncIterator[Campaign]:
        """Every campaign with the type of its skill and the status of its `isActive`."""
        params = {"outboundStrategy": type.capitalize()} if type else {}
        kinds: dict[str, str] = {}
        async for items in self._pages("skills", "skills", params, ("skills",),
                                       page_size=PAGE_MAX):
            for skill in items:
                if not isinstance(skill, Mapping):
                    continue
                owner = text_of(skill, "campaignId", "skillId")
                strategy = skill.get("outboundStrategy")
                if owner is not None and isinstance(strategy, str) and owner not in kinds:
                    kinds[owner] = strategy.lower()
        async for items in self._pages("campaigns", "campaigns", {}, ("campaigns",),
                                       page_size=page_size):
            for item in items:
                if not isinstance(item, Mapping):
                    continue
                campaign_id = text_of(item, "id", "campaignId")
                if campaign_id is None:
                    continue
                kind = kinds.get(campaign_id)
                state = "active" if item.get("isActive") is True else "inactive"
                if (type and kind != type.lower()) or (status and state != status.lower()):
                    continue
                yield Campaign.model_validate({"id": campaign_id, "name": item.get("name"),
                                               "type": kind, "status": state})

    async def update(
        self, campaign_id: str, body: Mapping[str, Any], *, if_match: str
    ) -> CampaignUpdate:
        """Read, compare with the digest the caller read (412 if it moved), write what changed,
        read again (412 `WRITE_RACED` if another writer landed meanwhile)."""
        current = await self.read(campaign_id)
        if if_match.strip() not in (campaign_digest(current), "*"):
            raise PreconditionFailed(
                f"campaign {campaign_id} changed since it was read (read-compare-write guard)",
                status=412, code="STALE_READ", body={"currentVersion": current.get("version")},
            )
        plan = plan_writes(campaign_id, str(current["skillId"]), current, body)
        if plan.unhomed:
            raise ConfigurationError(
                f"campaign {campaign_id}: {', '.join(plan.unhomed)} cannot be written on the "
                "admin dialect (no home in the campaign, its skill or its skill parameters; "
                "docs/real-tenant.md)"
            )
        for write in plan.writes:
            await self._call(write.method, write.resource, write.path, json=write.body)
        fresh = await self.read(campaign_id) if plan.writes else current
        update = CampaignUpdate(version=fresh.get("version"), status=fresh.get("status"))
        update.etag = campaign_digest(fresh)
        if (fresh.get("type") == "preview" and fresh.get("status") == "active"
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

