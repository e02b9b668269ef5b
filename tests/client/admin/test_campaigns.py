"""The v2 campaign over the Admin API's campaign, skill and skill parameters (admin.campaigns).

Pure mapping first (assemble, what a body writes, what is refused), then round trips through the
sandbox's admin routes, checked against the v2 view of the same campaign. A skill previews when
it is a Personal Connection skill whose agent confirms each contact (CXONE-REAL.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from admin_sandbox import api_for
from pydantic import SecretStr
from tests.contracts.contract_files import contract

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.admin.campaigns import (
    AdminCampaigns,
    assemble,
    leaf_changes,
    plan_writes,
)
from cxone_outbound.client.errors import (
    ConfigurationError,
    NotFound,
    PreconditionFailed,
    SchemaDrift,
)
from cxone_outbound.config import Settings
from cxone_outbound.sandbox.server import SandboxServer

SKILL = {"skillId": 7, "campaignId": 7, "outboundStrategy": "Personal Connection",
         "isActive": False, "skillName": "Spring"}
CAMPAIGN = {"id": 7, "name": "Spring", "isActive": False, "description": "renewals",
            "lastUpdateTime": "2026-01-01T00:00:00.000Z"}
SECTIONS = {
    "general-settings": {"maximumAttempts": 2, "loadCallbacks": True, "minimumRetryMinutes": 30},
    "delivery-preferences": {"confirmationRequiredDisabled": False,
                             "confirmationRequiredDefaultAccept": False,
                             "showPreviewButtonSnooze": True},
}


def document(**changes: Any) -> dict[str, Any]:
    return {**assemble("7", "7", CAMPAIGN, SKILL, SECTIONS), **changes}


# -- pure mapping -------------------------------------------------------------------------------

def test_a_personal_connection_skill_requiring_confirmation_is_a_preview() -> None:
    doc = document()
    assert doc["type"] == "preview" and doc["status"] == "inactive"
    assert doc["dialingRules"] == {"strategy": "preview", "maxAttempts": 2, "callbackEnabled": True}
    assert doc["previewSettings"] == {"previewDialingMode": "manual"}
    assert (doc["name"], doc["description"]) == ("Spring", "renewals")


def test_a_personal_connection_skill_without_confirmation_is_no_preview() -> None:
    sections = {**SECTIONS, "delivery-preferences": {"confirmationRequiredDisabled": True}}
    assert assemble("7", "7", CAMPAIGN, SKILL, sections)["type"] == "personal connection"


def test_the_status_is_the_skills_is_active_not_the_campaigns() -> None:
    doc = assemble("7", "7", {**CAMPAIGN, "isActive": True}, {**SKILL, "isActive": False},
                   SECTIONS)
    assert doc["status"] == "inactive"


def test_assemble_leaves_out_parameters_without_a_v2_meaning() -> None:
    assert "minimumRetryMinutes" not in str(document())


def test_a_changed_attempt_count_writes_the_whole_section_then_activates_the_skill() -> None:
    current = document()
    body = {"type": "preview", "dialingRules": {**current["dialingRules"], "maxAttempts": 4}}
    plan = plan_writes("7", "7", current, body, SECTIONS)
    assert [(w.method, w.path, w.body) for w in plan.writes] == [
        ("PUT", "skills/7/parameters/general-settings", {"generalSettings": {
            "maximumAttempts": 4, "loadCallbacks": True, "minimumRetryMinutes": 30}}),
        ("PUT", "skills/7", {"skill": {"isActive": True}}),
    ]


def test_an_active_campaign_with_nothing_changed_is_not_written() -> None:
    current = document(status="active")
    plan = plan_writes("7", "7", current, {"type": "preview"}, SECTIONS)
    assert plan.writes == [] and plan.unhomed == []


def test_timed_preview_is_default_accept_with_the_timeout_in_delivery_preferences() -> None:
    current = document(status="active")
    body = {"previewSettings": {"previewDialingMode": "timed", "previewTimeoutSeconds": 30}}
    [write] = plan_writes("7", "7", current, body, SECTIONS).writes
    assert write.body == {"deliveryPreferences": {
        "confirmationRequiredDisabled": False, "confirmationRequiredDefaultAccept": True,
        "confirmationRequiredTimeout": 30, "showPreviewButtonSnooze": True}}


def test_making_a_skill_preview_sets_personal_connection_and_requires_confirmation() -> None:
    skill = {**SKILL, "outboundStrategy": "Manual", "isActive": True}
    current = assemble("7", "7", CAMPAIGN, skill, {})
    assert current["type"] == "manual"
    plan = plan_writes("7", "7", current, {"type": "preview", "dialingRules": {
        "strategy": "preview"}}, {})
    assert [(w.path, w.body) for w in plan.writes] == [
        ("skills/7/parameters/delivery-preferences",
         {"deliveryPreferences": {"confirmationRequiredDisabled": False}}),
        ("skills/7", {"skill": {"outboundStrategy": "Personal Connection"}}),
    ]


def test_a_field_left_out_of_a_section_is_removed_from_its_parameters() -> None:
    current = document(status="active", previewSettings={
        "previewDialingMode": "timed", "previewTimeoutSeconds": 30})
    body = {"previewSettings": {"previewDialingMode": "manual"}}
    assert leaf_changes(current, body) == {
        ("previewSettings", "previewDialingMode"): "manual",
        ("previewSettings", "previewTimeoutSeconds"): None,
    }
    [write] = plan_writes("7", "7", current, body, {"delivery-preferences": {
        "confirmationRequiredTimeout": 30, "confirmationRequiredDefaultAccept": True}}).writes
    assert write.body == {"deliveryPreferences": {"confirmationRequiredDefaultAccept": False}}


def test_fields_without_an_admin_home_are_refused_by_name_and_nothing_is_planned() -> None:
    body = {"contactLists": [{"id": "l-1"}], "agentDirectives": [{"queueId": "q-1"}],
            "name": "Autumn", "previewSettings": {"agentPromptEnabled": False}}
    plan = plan_writes("7", "7", document(), body, SECTIONS)
    assert plan.unhomed == ["contactLists", "agentDirectives", "name",
                            "previewSettings.agentPromptEnabled"]
    assert plan.writes == []


def test_a_status_the_admin_api_cannot_express_is_refused() -> None:
    plan = plan_writes("7", "7", document(), {"status": "paused"}, SECTIONS)
    assert plan.unhomed == ["status='paused' (only active or inactive)"]


def test_a_dialing_mode_other_than_preview_or_manual_is_refused() -> None:
    current = document(status="active")
    plan = plan_writes("7", "7", current, {"type": "progressive", "dialingRules": {
        **current["dialingRules"], "strategy": "progressive"}}, SECTIONS)
    assert plan.unhomed == ["type='progressive' (a skill previews with Personal Connection, "
                            "or is Manual)"]


def test_a_type_that_would_disagree_with_the_dialing_strategy_is_refused() -> None:
    plan = plan_writes("7", "7", document(status="active"), {"type": "manual"}, SECTIONS)
    assert plan.unhomed == ["dialingRules.strategy='preview' with type='manual' "
                            "(one outboundStrategy)"]


def test_the_expected_document_is_the_current_one_with_the_changes() -> None:
    current = document()
    plan = plan_writes("7", "7", current, {"dialingRules": {"maxAttempts": 5}}, SECTIONS)
    expected = plan.expected(current)
    assert (expected["dialingRules"]["maxAttempts"], expected["status"]) == (5, "active")
    assert current["dialingRules"]["maxAttempts"] == 2  # not touched


class Scripted:
    """A tenant numbering skills apart from campaigns, its replies the contract fixtures'."""

    def __init__(self, campaign_skills: Any) -> None:
        self.campaign_skills = campaign_skills
        self.calls: list[str] = []

    async def call(self, method: str, resource: str, path: str, **kw: Any) -> Any:
        self.calls.append(f"{method} {path}")
        if path == "campaigns/7/skills":
            return self.campaign_skills
        if path.endswith("/parameters"):
            return contract("get-skill-parameters")["reply"]
        if path.startswith("skills/"):
            return {**contract("get-skill")["reply"], "skillId": int(path.split("/")[1])}
        if path == "campaigns/7":
            return contract("get-campaign")["reply"]
        raise NotFound(path, status=404)

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        raise AssertionError("nothing is written here")


def skills(*ids: int) -> dict[str, Any]:
    row = contract("get-campaign-skills")["reply"]["skills"][0]
    return {"totalRecords": len(ids), "skills": [{**row, "skillId": i} for i in ids]}


async def test_the_campaigns_skill_is_the_one_its_skills_listing_names() -> None:
    tenant = Scripted(skills(40))
    doc = await AdminCampaigns(tenant.call, tenant.emit).read("7")
    assert (doc["skillId"], doc["type"]) == ("40", "preview")
    assert doc["previewSettings"] == {"previewDialingMode": "timed", "previewTimeoutSeconds": 30}
    assert "GET skills/40/parameters" in tenant.calls


async def test_a_campaign_grouping_several_skills_is_refused_naming_them() -> None:
    tenant = Scripted(skills(40, 41))
    with pytest.raises(ConfigurationError, match="groups skills 40, 41"):
        await AdminCampaigns(tenant.call, tenant.emit).read("7")


async def test_a_campaign_skills_reply_of_another_shape_is_drift() -> None:
    tenant = Scripted([{"skillId": 40}])  # a bare list: not the shape we chose to read
    with pytest.raises(SchemaDrift, match=re.escape("GET /campaigns/{id}/skills")):
        await AdminCampaigns(tenant.call, tenant.emit).read("7")


# -- against the sandbox ------------------------------------------------------------------------

CONFIGURED: dict[str, Any] = {
    "name": "Spring",
    "type": "preview",
    "contactLists": [{"id": "l-1", "type": "contactlist"}],
    "dialingRules": {"strategy": "preview", "maxAttempts": 1, "callbackEnabled": False},
    "agentDirectives": [{"queueId": "q-1", "skillRequirement": "vip", "agentCount": 5}],
    "previewSettings": {"previewDialingMode": "manual", "agentPromptEnabled": True},
}


async def v2_campaign(server: SandboxServer, **overrides: Any) -> tuple[str, str]:
    """A campaign made through v2: its v2 id and its admin id."""
    settings = Settings(base_url=server.base_url, client_id=server.client_id,
                        client_secret=SecretStr(server.client_secret))
    async with CXoneClient(settings) as client:
        v2_id = (await client.create_campaign({**CONFIGURED, **overrides})).key
    return v2_id, str(server.control.admin_ids(campaign_id=v2_id)["skillId"])


def last_body(server: SandboxServer, v2_id: str) -> dict[str, Any]:
    body: dict[str, Any] = server.control.campaign_versions(v2_id)[-1]["body"]
    return body


async def test_a_v2_campaign_reads_back_in_its_v2_shape(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, campaign_id = await v2_campaign(server, description="renewals")
    async with api_for(server, tmp_path) as api:
        campaign = await api.get_campaign(campaign_id)
    doc = campaign.model_dump(by_alias=True)
    assert (campaign.key, campaign.type, campaign.status) == (campaign_id, "preview", "inactive")
    assert doc["dialingRules"] == CONFIGURED["dialingRules"]
    assert doc["previewSettings"] == {"previewDialingMode": "manual"}
    assert campaign.etag is not None and campaign.etag.startswith('"rcw-')


async def test_a_write_lands_in_the_v2_view_and_activates_the_skill_without_starting_it(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        read = await api.get_campaign(campaign_id)
        body = {"type": "preview", "previewSettings": {
            "previewDialingMode": "timed", "previewTimeoutSeconds": 45}}
        update = await api.update_campaign(campaign_id, body, if_match=read.etag or "")
        again = await api.get_campaign(campaign_id)
        skill = await api._json("GET", "skills", f"skills/{campaign_id}")
    v2 = last_body(server, v2_id)
    assert v2["previewSettings"] == {**body["previewSettings"], "agentPromptEnabled": True}
    assert v2["status"] == "active" and update.status == "active"
    assert v2["dialingRules"]["maxAttempts"] == 1  # untouched
    assert update.etag == again.etag
    assert skill["isRunning"] is False
    assert server.control.requests_to("POST /inContactAPI/services/vNN.0/skills/{skillId}/start") \
        == 0


async def test_a_stale_digest_is_a_412_and_nothing_is_written(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        read = await api.get_campaign(campaign_id)
        rules = CONFIGURED["dialingRules"]
        await api.update_campaign(campaign_id, {"dialingRules": {**rules, "maxAttempts": 2}},
                                  if_match=read.etag or "")
        written = len(server.control.campaign_versions(v2_id))
        with pytest.raises(PreconditionFailed) as caught:
            await api.update_campaign(campaign_id, {"dialingRules": {**rules, "maxAttempts": 3}},
                                      if_match=read.etag or "")
    assert caught.value.code == "STALE_READ"
    assert len(server.control.campaign_versions(v2_id)) == written
    assert last_body(server, v2_id)["dialingRules"]["maxAttempts"] == 2


async def test_an_unmappable_field_is_refused_by_name_before_anything_is_written(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        read = await api.get_campaign(campaign_id)
        with pytest.raises(ConfigurationError, match="agentDirectives"):
            await api.update_campaign(
                campaign_id, {"agentDirectives": [{"queueId": "q-9"}], "name": "X"},
                if_match=read.etag or "",
            )
    assert len(server.control.campaign_versions(v2_id)) == 1


async def test_starting_the_skill_is_its_own_explicit_call(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        assert await api.start_skill(campaign_id) == campaign_id
        skill = await api._json("GET", "skills", f"skills/{campaign_id}")
    assert skill["isRunning"] is True


async def test_a_writer_landing_between_compare_and_write_is_reported_as_a_412(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        raced: list[str] = []

        async def call(method: str, resource: str, path: str, **kw: Any) -> Any:
            if method != "GET" and not raced:  # the other writer lands inside our window
                raced.append(path)
                await api._json("PUT", "skills",
                                f"skills/{campaign_id}/parameters/delivery-preferences",
                                json={"deliveryPreferences": {
                                    "confirmationRequiredTimeout": 20}})
            return await api._json(method, resource, path, **kw)

        campaigns = AdminCampaigns(call, api._emit)
        read = await campaigns.get(campaign_id)
        body = {"type": "preview", "dialingRules": {**CONFIGURED["dialingRules"],
                                                     "maxAttempts": 3}}
        with pytest.raises(PreconditionFailed) as caught:
            await campaigns.update(campaign_id, body, if_match=read.etag or "")
    assert caught.value.code == "WRITE_RACED"
    final = last_body(server, v2_id)
    assert final["dialingRules"]["maxAttempts"] == 3  # ours landed
    assert final["previewSettings"]["previewTimeoutSeconds"] == 20  # and so did theirs


async def test_campaigns_are_listed_with_the_type_of_their_skill_and_filtered(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, active = await v2_campaign(server, status="active", name="a")
    _, inactive = await v2_campaign(server, name="b")
    _, progressive = await v2_campaign(server, type="progressive", status="active", name="c")
    _, manual = await v2_campaign(server, type="manual", name="d")
    async with api_for(server, tmp_path) as api:
        every = {c.key: (c.type, c.status) async for c in api.iter_campaigns()}
        previews = [c.key async for c in api.iter_campaigns(type="preview", status="active")]
    assert every[progressive] == ("personal connection", "active")
    assert every[inactive] == ("preview", "inactive")
    assert every[manual] == ("manual", "inactive")
    assert previews == [active]
