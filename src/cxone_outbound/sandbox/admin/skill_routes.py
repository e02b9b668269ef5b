"""The admin dialect's skill, skill-parameter, campaign and business-unit routes
(docs/admin-dialect.md), in the shapes CXONE-REAL.md publishes.

They share the admin pipeline of `admin.routes` (Accept, CorrelationId, errors, skip/top); the
rules are `skills.Skills`. Listings carry `totalRecords` and no `_links` (none is published for
these); a parameter section is bare on GET and wrapped in its key on PUT.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from cxone_outbound.sandbox.admin.routes import (
    admin_route,
    batch_items,
    int_param,
    object_body,
    parse_skip_top,
)
from cxone_outbound.sandbox.http.endpoint import Call, Reply

BUSINESS_UNIT_ID = 4600001
"""The sandbox tenant's business unit number (`businessUnitId` of `GET /campaigns`) [ours]."""


def listing(key: str, items: list[Any], total: int, **extra: Any) -> dict[str, Any]:
    return {"totalRecords": total, **extra, key: items}


async def list_skills(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    items, total = call.sandbox.store.skills.page_skills(call.tenant_id, skip, top,
                                                         call.query("outboundStrategy"))
    return Reply(200, listing("skills", items, total))


async def get_skill(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.get_skill(call.tenant_id,
                                                          int_param(call, "skillId")))


async def create_skills(call: Call) -> Reply:
    items = batch_items(object_body(await call.json(), {"skills"}), "skills")
    results = call.sandbox.store.skills.create_skills(call.tenant_id, items)
    return Reply(200, {"errorCount": sum(1 for r in results if not r["success"]),
                       "skillsResults": results})


async def start_skill(call: Call) -> Reply:
    """Dialing starts here only (no body is published for the answer: none is sent)."""
    skill_id = int_param(call, "skillId")
    call.sandbox.store.skills.set_running(call.tenant_id, skill_id, True)
    return Reply(200, None)


async def stop_skill(call: Call) -> Reply:
    skill_id = int_param(call, "skillId")
    call.sandbox.store.skills.set_running(call.tenant_id, skill_id, False)
    return Reply(200, None)


async def get_all_parameters(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.all_parameters(call.tenant_id,
                                                               int_param(call, "skillId")))


async def put_skill(call: Call) -> Reply:
    skill_id = int_param(call, "skillId")
    skills = call.sandbox.store.skills
    skills.get_skill(call.tenant_id, skill_id)  # 404 before 400
    return Reply(200, skills.update_skill(call.tenant_id, skill_id, await call.json()))


async def get_parameters(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.get_parameters(
        call.tenant_id, int_param(call, "skillId"), call.params["section"]))


async def put_parameters(call: Call) -> Reply:
    skill_id = int_param(call, "skillId")
    skills = call.sandbox.store.skills
    skills.get_parameters(call.tenant_id, skill_id, call.params["section"])  # 404s first
    return Reply(200, skills.put_parameters(call.tenant_id, skill_id, call.params["section"],
                                            await call.json()))


async def list_campaigns(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    items, total = call.sandbox.store.skills.page_campaigns(call.tenant_id, skip, top)
    return Reply(200, listing("campaigns", items, total, businessUnitId=BUSINESS_UNIT_ID))


async def get_campaign(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.get_campaign(call.tenant_id,
                                                             int_param(call, "campaignId")))


async def create_campaign(call: Call) -> Reply:
    campaign_id = call.sandbox.store.skills.create_campaign(call.tenant_id, await call.json())
    return Reply(200, {"id": campaign_id})


async def campaign_skills(call: Call) -> Reply:
    """The campaign's skills; the reply's shape is not published: the listing of `GET /skills`
    is the sandbox's choice (docs/admin-dialect.md)."""
    skills = call.sandbox.store.skills.campaign_skills(call.tenant_id,
                                                       int_param(call, "campaignId"))
    return Reply(200, listing("skills", skills, len(skills)))


async def business_unit(call: Call) -> Reply:
    """`GET business-unit` (S4): where a tenant id is read when the id_token lacks it."""
    return Reply(200, {"businessUnits": [{"businessUnitId": BUSINESS_UNIT_ID,
                                          "tenantId": call.tenant_id}]})


async def patch_status(call: Call) -> Reply:
    campaign_id = int_param(call, "campaignId")
    skills = call.sandbox.store.skills
    skills.get_campaign(call.tenant_id, campaign_id)
    return Reply(200, skills.set_status(call.tenant_id, campaign_id, await call.json()))


SKILL_ROUTES: list[Route] = [
    admin_route("/skills", "GET", list_skills),
    admin_route("/skills", "POST", create_skills),
    admin_route("/skills/{skillId}", "GET", get_skill),
    admin_route("/skills/{skillId}", "PUT", put_skill),
    admin_route("/skills/{skillId}/start", "POST", start_skill),
    admin_route("/skills/{skillId}/stop", "POST", stop_skill),
    admin_route("/skills/{skillId}/parameters", "GET", get_all_parameters),
    admin_route("/skills/{skillId}/parameters/{section}", "GET", get_parameters),
    admin_route("/skills/{skillId}/parameters/{section}", "PUT", put_parameters),
    admin_route("/campaigns", "GET", list_campaigns),
    admin_route("/campaigns", "POST", create_campaign),
    admin_route("/campaigns/{campaignId}", "GET", get_campaign),
    admin_route("/campaigns/{campaignId}/skills", "GET", campaign_skills),
    admin_route("/campaigns/{campaignId}/status", "PATCH", patch_status),
    admin_route("/business-unit", "GET", business_unit),
]
