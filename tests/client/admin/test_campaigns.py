"""The v2 campaign over the Admin API's campaign, skill and skill parameters (admin.campaigns).

Pure mapping first (assemble, what a body writes, what is refused), then round trips through the
sandbox's admin routes, checked against the v2 view of the same campaign.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from admin_sandbox import api_for
from pydantic import SecretStr

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.admin.campaigns import (
    AdminCampaigns,
    assemble,
    leaf_changes,
    plan_writes,
)
from cxone_outbound.client.errors import ConfigurationError, NotFound, PreconditionFailed
from cxone_outbound.config import Settings
from cxone_outbound.sandbox.server import SandboxServer

SKILL = {"skillId": 7, "campaignId": 7, "outboundStrategy": "Preview", "isActive": False,
         "skillName": "Spring", "lastUpdateTime": "2026-01-01T00:00:00.000Z"}
CAMPAIGN = {"id": 7, "name": "Spring", "isActive": False, "description": "renewals",
            "lastUpdateTime": "2026-01-01T00:00:00.000Z"}
SECTIONS = {
    "general-settings": {"maximumAttempts": 2, "loadCallbacks": True, "minimumRetryMinutes": 30},
    "delivery-preferences": {"previewDialingMode": "manual", "agentPromptEnabled": True},
}


def document(**changes: Any) -> dict[str, Any]:
    return {**assemble("7", "7", CAMPAIGN, SKILL, SECTIONS), **changes}


# -- pure mapping -------------------------------------------------------------------------------

def test_assemble_reads_the_skill_parameters_into_the_v2_sections() -> None:
    doc = document()
    assert doc["type"] == "preview" and doc["status"] == "inactive"
    assert doc["dialingRules"] == {"strategy": "preview", "maxAttempts": 2, "callbackEnabled": True}
    assert doc["previewSettings"] == {"previewDialingMode": "manual", "agentPromptEnabled": True}
    assert (doc["name"], doc["description"]) == ("Spring", "renewals")


def test_assemble_leaves_out_parameters_without_a_v2_meaning() -> None:
    assert "minimumRetryMinutes" not in str(document())


def test_a_changed_attempt_count_writes_general_settings_then_activates() -> None:
    current = document()
    body = {"dialingRules": {**current["dialingRules"], "maxAttempts": 4}}
    plan = plan_writes("7", "7", current, {**body, "type": "preview"})
    assert [(w.method, w.path, w.body) for w in plan.writes] == [
        ("PUT", "skills/7/parameters/general-settings",
         {"generalSettings": {"maximumAttempts": 4}}),
        ("PATCH", "campaigns/7/status", {"isActive": True}),
    ]


def test_an_active_campaign_with_nothing_changed_is_not_written() -> None:
    current = document(status="active")
    plan = plan_writes("7", "7", current, {"type": "preview", "name": "Spring"})
    assert plan.writes == [] and plan.unhomed == []


def test_a_renamed_campaign_is_put_with_its_description_kept() -> None:
    current = document(status="active")
    plan = plan_writes("7", "7", current, {"name": "Autumn"})
    assert [(w.path, w.body) for w in plan.writes] == [
        ("campaigns/7", {"name": "Autumn", "description": "renewals"})
    ]


def test_a_field_left_out_of_a_section_is_removed_from_its_parameters() -> None:
    current = document(status="active", previewSettings={
        "previewDialingMode": "timed", "agentPromptEnabled": True, "previewTimeoutSeconds": 30})
    body = {"previewSettings": {"previewDialingMode": "manual", "agentPromptEnabled": True}}
    assert leaf_changes(current, body) == {
        ("previewSettings", "previewDialingMode"): "manual",
        ("previewSettings", "previewTimeoutSeconds"): None,
    }
    [write] = plan_writes("7", "7", current, body).writes
    assert write.body == {"deliveryPreferences": {"previewDialingMode": "manual",
                                                  "previewTimeoutSeconds": None}}


def test_fields_without_an_admin_home_are_refused_by_name_and_nothing_is_planned() -> None:
    body = {"contactLists": [{"id": "l-1"}], "agentDirectives": [{"queueId": "q-1"}],
            "dialingRules": {"strategy": "preview", "maxAttempts": 3, "callbackEnabled": True}}
    plan = plan_writes("7", "7", document(), body)
    assert plan.unhomed == ["contactLists", "agentDirectives"]
    assert plan.writes == []


def test_a_status_the_admin_api_cannot_express_is_refused() -> None:
    plan = plan_writes("7", "7", document(), {"status": "paused"})
    assert plan.unhomed == ["status='paused' (only active or inactive)"]


def test_the_expected_document_is_the_current_one_with_the_changes() -> None:
    current = document()
    plan = plan_writes("7", "7", current, {"name": "Autumn"})
    expected = plan.expected(current)
    assert (expected["name"], expected["status"]) == ("Autumn", "active")
    assert current["name"] == "Spring"  # not touched


def test_type_and_strategy_are_written_together_as_the_skills_outbound_strategy() -> None:
    current = document(status="active")
    body = {"type": "progressive",
            "dialingRules": {**current["dialingRules"], "strategy": "progressive"}}
    plan = plan_writes("7", "7", current, body)
    assert [(w.path, w.body) for w in plan.writes] == [
        ("skills/7", {"skill": {"outboundStrategy": "Progressive"}})
    ]


def test_a_type_that_would_disagree_with_the_dialing_strategy_is_refused() -> None:
    plan = plan_writes("7", "7", document(status="active"), {"type": "progressive"})
    assert plan.unhomed == ["dialingRules.strategy='preview' with type='progressive' "
                            "(one outboundStrategy)"]


class FakeTenant:
    """Skills and a campaign as a real tenant may number them (skill ids are not campaign ids)."""

    def __init__(self, skills: list[dict[str, Any]]) -> None:
        self.skills = {str(s["skillId"]): s for s in skills}
        self.calls: list[str] = []

    async def call(self, method: str, resource: str, path: str, **kw: Any) -> Any:
        self.calls.append(f"{method} {path}")
        if path.startswith("skills/") and "/parameters/" in path:
            return {}
        if path.startswith("skills/"):
            skill = self.skills.get(path.split("/")[1])
            if skill is None:
                raise NotFound("no such skill", status=404)
            return skill
        return CAMPAIGN

    async def pages(self, resource: str, path: str, params: Any, keys: Any, *,
                    page_size: int) -> AsyncIterator[list[Any]]:
        yield list(self.skills.values())

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        raise AssertionError("nothing is written here")


async def test_the_campaigns_skill_is_found_by_its_campaign_id_when_the_ids_differ() -> None:
    tenant = FakeTenant([{**SKILL, "skillId": 7, "campaignId": 99},
                         {**SKILL, "skillId": 40, "campaignId": 7}])
    campaigns = AdminCampaigns(tenant.call, tenant.pages, tenant.emit)
    doc = await campaigns.read("7")
    assert doc["skillId"] == "40"
    assert "GET skills/40/parameters/general-settings" in tenant.calls


async def test_a_campaign_grouping_several_skills_is_refused_naming_them() -> None:
    tenant = FakeTenant([{**SKILL, "skillId": 40, "campaignId": 7},
                         {**SKILL, "skillId": 41, "campaignId": 7}])
    campaigns = AdminCampaigns(tenant.call, tenant.pages, tenant.emit)
    with pytest.raises(ConfigurationError, match="groups skills 40, 41"):
        await campaigns.read("7")


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
    assert doc["previewSettings"] == CONFIGURED["previewSettings"]
    assert campaign.etag is not None and campaign.etag.startswith('"rcw-')


async def test_a_write_lands_in_the_v2_view_and_activates_the_campaign(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        read = await api.get_campaign(campaign_id)
        body = {"type": "preview", "previewSettings": {
            "previewDialingMode": "timed", "agentPromptEnabled": False,
            "previewTimeoutSeconds": 45}}
        update = await api.update_campaign(campaign_id, body, if_match=read.etag or "")
        again = await api.get_campaign(campaign_id)
    v2 = last_body(server, v2_id)
    assert v2["previewSettings"] == body["previewSettings"]
    assert v2["status"] == "active" and update.status == "active"
    assert v2["dialingRules"]["maxAttempts"] == 1  # untouched
    assert update.etag == again.etag


async def test_a_stale_digest_is_a_412_and_nothing_is_written(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, campaign_id = await v2_campaign(server)
    async with api_for(server, tmp_path) as api:
        read = await api.get_campaign(campaign_id)
        await api.update_campaign(campaign_id, {"name": "First"}, if_match=read.etag or "")
        written = len(server.control.campaign_versions(v2_id))
        with pytest.raises(PreconditionFailed) as caught:
            await api.update_campaign(campaign_id, {"name": "Second"}, if_match=read.etag or "")
    assert caught.value.code == "STALE_READ"
    assert len(server.control.campaign_versions(v2_id)) == written
    assert last_body(server, v2_id)["name"] == "First"


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
                                json={"deliveryPreferences": {"agentPromptEnabled": False}})
            return await api._json(method, resource, path, **kw)

        campaigns = AdminCampaigns(call, api._pages, api._emit)
        read = await campaigns.get(campaign_id)
        body = {"type": "preview", "dialingRules": {**CONFIGURED["dialingRules"],
                                                     "maxAttempts": 3}}
        with pytest.raises(PreconditionFailed) as caught:
            await campaigns.update(campaign_id, body, if_match=read.etag or "")
    assert caught.value.code == "WRITE_RACED"
    final = last_body(server, v2_id)
    assert final["dialingRules"]["maxAttempts"] == 3  # ours landed
    assert final["previewSettings"]["agentPromptEnabled"] is False  # and so did theirs


async def test_campaigns_are_listed_with_the_type_of_their_skill_and_filtered(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, active = await v2_campaign(server, status="active", name="a")
    _, inactive = await v2_campaign(server, name="b")
    _, progressive = await v2_campaign(server, type="progressive", status="active", name="c")
    async with api_for(server, tmp_path) as api:
        every = {c.key: (c.type, c.status) async for c in api.iter_campaigns()}
        previews = [c.key async for c in api.iter_campaigns(type="preview", status="active")]
    assert every[progressive] == ("progressive", "active")
    assert every[inactive] == ("preview", "inactive")
    assert previews == [active]

