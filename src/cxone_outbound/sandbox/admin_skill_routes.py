"""The admin dialect's skill, skill-parameter and campaign routes (docs/admin-dialect.md).

They share the admin pipeline of `admin_routes` (Accept, CorrelationId, errors, paging); the
rules are `skills.Skills`.
"""

from __future__ import annotations

from starlette.routing import Route

from cxone_outbound.sandbox.admin_routes import (
    admin_route,
    batch_items,
    int_param,
    object_body,
    paged,
    parse_skip_top,
)
from cxone_outbound.sandbox.endpoint import Call, Reply


async def list_skills(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    items, total = call.sandbox.store.skills.page_skills(call.tenant_id, skip, top,
                                                         call.query("outboundStrategy"))
    return Reply(200, paged(call, "skills", items, total, skip, top))


async def get_skill(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.get_skill(call.tenant_id,
                                                          int_param(call, "skillId")))


async def create_skills(call: Call) -> Reply:
    items = batch_items(object_body(await call.json(), {"skills"}), "skills")
    results = call.sandbox.store.skills.create_skills(call.tenant_id, items)
    return Reply(200, {"errorCount": sum(1 for r in results if not r["success"]),
                       "skillsResults": results})


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
    return Reply(200, paged(call, "campaigns", items, total, skip, top))


async def get_campaign(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.skills.get_campaign(call.tenant_id,
                                                             int_param(call, "campaignId")))


async def create_campaign(call: Call) -> Reply:
    campaign_id = call.sandbox.store.skills.create_campaign(call.tenant_id, await call.json())
    return Reply(200, {"id": campaign_id})


async def put_campaign(call: Call) -> Reply:
    campaign_id = int_param(call, "campaignId")
    skills = call.sandbox.store.skills
    skills.get_campaign(call.tenant_id, campaign_id)  # 404 before 400
    return Reply(200, skills.put_campaign(call.tenant_id, campaign_id, await call.json()))


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
    admin_route("/skills/{skillId}/parameters/{section}", "GET", get_parameters),
    admin_route("/skills/{skillId}/parameters/{section}", "PUT", put_parameters),
    admin_route("/campaigns", "GET", list_campaigns),
    admin_route("/campaigns", "POST", create_campaign),
    admin_route("/campaigns/{campaignId}", "GET", get_campaign),
    admin_route("/campaigns/{campaignId}", "PUT", put_campaign),
    admin_route("/campaigns/{campaignId}/status", "PATCH", patch_status),
]
