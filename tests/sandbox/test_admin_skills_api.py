"""The admin dialect's skills, skill parameters and campaigns over HTTP (docs/admin-dialect.md):
the same campaigns v2 serves, admin conventions, and a lost update provable in the versions."""

from __future__ import annotations

from typing import Any

import pytest
from tests.contracts.contract_files import contract, key_differences
from tests.sandbox.httpapi import Api
from tests.sandbox.test_admin_api import Admin

from cxone_outbound.sandbox.control import SandboxControl

SKILLS = "/inContactAPI/services/v31.0/skills"
CAMPAIGNS = "/inContactAPI/services/v33.0/campaigns"


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


def _v2_campaign(api: Api, **config: object) -> str:
    answer = api.post("/api/v2/outbound/campaigns", {"name": "Spring", **config})
    assert answer.status == 201, answer.raw
    return str(answer.json["id"])


def test_a_v2_campaign_is_served_as_a_skill_and_an_admin_campaign(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    campaign = _v2_campaign(api, type="preview", status="active")
    skill_id = sandbox_control.admin_ids(campaign_id=campaign)["skillId"]
    skill = admin.call("GET", f"{SKILLS}/{skill_id}")
    assert skill.status == 200, skill.raw
    assert (skill.json["skillName"], skill.json["outboundStrategy"], skill.json["isActive"]) == (
        "Spring", "Personal Connection", True)
    listed = admin.call("GET", CAMPAIGNS).json
    assert [(c["id"], c["name"], c["isActive"]) for c in listed["campaigns"]] == [
        (skill_id, "Spring", True)]


def test_a_skill_parameter_put_is_visible_to_v2_and_is_a_new_version(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    campaign = _v2_campaign(api)
    skill_id = sandbox_control.admin_ids(campaign_id=campaign)["skillId"]
    path = f"{SKILLS}/{skill_id}/parameters/general-settings"
    assert admin.call("GET", path).json == {}
    answer = admin.call("PUT", path, {"generalSettings": {"maximumAttempts": 4}})
    assert (answer.status, answer.json) == (200, {"success": True, "skillId": skill_id})
    v2 = api.get(f"/api/v2/outbound/campaigns/{campaign}")
    assert v2.json["dialingRules"] == {"maxAttempts": 4}
    assert v2.headers["ETag"] == '"2"'
    assert admin.call("GET", path).json == {"maximumAttempts": 4}


def test_two_writers_without_a_guard_lose_an_update_and_the_versions_prove_it(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    """No ETag on the admin routes: two read-modify-writes from the same read both land (two
    versions), so one decrement is lost, and the version history shows it."""
    campaign = _v2_campaign(api)
    skill_id = sandbox_control.admin_ids(campaign_id=campaign)["skillId"]
    path = f"{SKILLS}/{skill_id}/parameters/retry-settings"
    admin.call("PUT", path, {"retrySettings": {"budget": 10}})
    read_a = admin.call("GET", path).json["budget"]
    read_b = admin.call("GET", path).json["budget"]
    for seen in (read_a, read_b):
        assert admin.call("PUT", path, {"retrySettings": {"budget": seen - 1}}).status == 200
    versions = sandbox_control.campaign_versions(campaign)
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert [v["body"]["skillParameters"]["retrySettings"]["budget"]
            for v in versions[1:]] == [10, 9, 9]


def test_an_unknown_section_is_404_and_a_bad_body_400_in_admin_error_shape(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    skill_id = sandbox_control.admin_ids(campaign_id=_v2_campaign(api))["skillId"]
    unknown = admin.call("GET", f"{SKILLS}/{skill_id}/parameters/nope")
    assert (unknown.status, unknown.json["error"]) == (404, "NOT_FOUND")
    bad = admin.call("PUT", f"{SKILLS}/{skill_id}/parameters/xs-settings", {"other": {}})
    assert bad.status == 400 and set(bad.json) == {"error", "error_description"}
    missing = admin.call("GET", f"{SKILLS}/{skill_id + 50}")
    assert missing.status == 404


def test_patch_status_activates_and_deactivates_a_campaign(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    campaign = _v2_campaign(api)
    seq = sandbox_control.admin_ids(campaign_id=campaign)["skillId"]
    on = admin.call("PATCH", f"{CAMPAIGNS}/{seq}/status", {"isActive": True})
    assert (on.status, on.json["isActive"]) == (200, True)
    assert api.get(f"/api/v2/outbound/campaigns/{campaign}").json["status"] == "active"
    off = admin.call("PATCH", f"{CAMPAIGNS}/{seq}/status", {"isActive": False})
    assert off.json["isActive"] is False
    bad = admin.call("PATCH", f"{CAMPAIGNS}/{seq}/status", {"isActive": "yes"})
    assert (bad.status, bad.json["error"]) == (400, "INVALID_TYPE")


def test_skills_page_by_skip_and_top_up_to_the_total(admin: Admin, api: Api) -> None:
    for i in range(5):
        _v2_campaign(api, name=f"c{i}")
    names: list[str] = []
    while True:
        page = admin.call("GET", f"{SKILLS}?skip={len(names)}&top=2").json
        assert page["totalRecords"] == 5 and "_links" not in page
        names += [s["skillName"] for s in page["skills"]]
        if not page["skills"] or len(names) >= page["totalRecords"]:
            break
    assert names == [f"c{i}" for i in range(5)]


def test_a_campaign_created_on_admin_is_a_v2_preview_campaign_and_a_skill(
        admin: Admin, api: Api) -> None:
    created = admin.call("POST", CAMPAIGNS, contract("post-campaigns")["request"])
    assert created.status == 200, created.raw
    assert key_differences(contract("post-campaigns")["reply"], created.json) == []
    campaign_id = created.json["id"]
    skill = admin.call("GET", f"{SKILLS}/{campaign_id}").json
    assert (skill["skillName"], skill["outboundStrategy"]) == ("Autumn", "Personal Connection")
    v2 = api.get("/api/v2/outbound/campaigns").json["entity"]
    assert [(c["name"], c["type"], c["status"]) for c in v2] == [
        ("Autumn", "preview", "inactive")]


def test_a_preview_outbound_strategy_is_refused_in_its_own_result(admin: Admin) -> None:
    answer = admin.call("POST", SKILLS, contract("post-skills")["request"])
    assert answer.status == 200
    assert key_differences(contract("post-skills")["reply"], answer.json) == []
    assert answer.json["errorCount"] == 1
    assert [r["success"] for r in answer.json["skillsResults"]] == [True, False]


def test_a_skill_put_to_preview_strategy_is_400(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    skill_id = sandbox_control.admin_ids(campaign_id=_v2_campaign(api))["skillId"]
    answer = admin.call("PUT", f"{SKILLS}/{skill_id}", {"skill": {"outboundStrategy": "Preview"}})
    assert (answer.status, answer.json["error"]) == (400, "INVALID_VALUE")


def test_a_skill_dials_only_after_start_and_stops_after_stop(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    skill_id = sandbox_control.admin_ids(campaign_id=_v2_campaign(api))["skillId"]
    assert admin.call("GET", f"{SKILLS}/{skill_id}").json["isRunning"] is False
    assert admin.call("POST", f"{SKILLS}/{skill_id}/start").status == 200
    assert admin.call("GET", f"{SKILLS}/{skill_id}").json["isRunning"] is True
    assert admin.call("POST", f"{SKILLS}/{skill_id}/stop").status == 200
    assert admin.call("GET", f"{SKILLS}/{skill_id}").json["isRunning"] is False


@pytest.mark.parametrize(("name", "path"), [
    ("get-skills", SKILLS),
    ("get-skill", SKILLS + "/{id}"),
    ("get-skill-parameters", SKILLS + "/{id}/parameters"),
    ("get-skill-general-settings", SKILLS + "/{id}/parameters/general-settings"),
    ("get-campaigns", CAMPAIGNS),
    ("get-campaign", CAMPAIGNS + "/{id}"),
    ("get-campaign-skills", CAMPAIGNS + "/{id}/skills"),
    ("get-business-unit", "/inContactAPI/services/v31.0/business-unit"),
])
def test_replies_have_the_keys_of_their_contract_fixture(
        admin: Admin, api: Api, sandbox_control: SandboxControl, name: str, path: str) -> None:
    v2 = _v2_campaign(api, type="preview", description="renewals",
                      dialingRules={"maxAttempts": 2, "callbackEnabled": True},
                      previewSettings={"previewDialingMode": "timed",
                                       "previewTimeoutSeconds": 30})
    skill_id = sandbox_control.admin_ids(campaign_id=v2)["skillId"]
    answer = admin.call("GET", path.format(id=skill_id))
    assert answer.status == 200, answer.raw
    assert key_differences(contract(name)["reply"], answer.json) == []


def test_a_skill_put_answers_success_and_the_skill_id(
        admin: Admin, api: Api, sandbox_control: SandboxControl) -> None:
    skill_id = sandbox_control.admin_ids(campaign_id=_v2_campaign(api))["skillId"]
    answer = admin.call("PUT", f"{SKILLS}/{skill_id}", contract("put-skill")["request"])
    assert key_differences(contract("put-skill")["reply"], answer.json) == []


def test_skill_routes_keep_the_admin_conventions(admin: Admin) -> None:
    refused = admin.call("GET", SKILLS, Accept="*/*")
    assert (refused.status, refused.raw) == (406, b"No known way to render data")
    echoed = admin.call("GET", CAMPAIGNS, CorrelationId="corr-9")
    assert echoed.headers["CorrelationId"] == "corr-9"
    unauthenticated = admin.api.send("GET", SKILLS, headers={"Accept": "application/json",
                                                              "Authorization": "Bearer x"})
    assert (unauthenticated.status, unauthenticated.json["error"]) == (401, "invalid_token")


def test_a_seeded_sandbox_serves_a_personal_connection_skill_and_a_campaign(
        sandbox_factory: Any, api_for: Any) -> None:
    server = sandbox_factory(seed_contacts=3)
    admin = Admin(api_for(server))
    [skill] = admin.call("GET", SKILLS).json["skills"]
    assert (skill["outboundStrategy"], skill["isRunning"]) == ("Personal Connection", False)
    assert admin.call("GET", CAMPAIGNS).json["totalRecords"] == 1
