"""The admin dialect's skills, skill parameters and campaigns as views of v2 campaigns, tested
on the store directly (docs/admin-dialect.md, "Skills and campaigns")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxone_outbound.sandbox.errors import NotFound, ValidationFailed
from cxone_outbound.sandbox.store import Store

TENANT = "demo"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "sandbox.db")
    yield s
    s.close()


def _v2(store: Store, **config: object) -> tuple[str, int]:
    """A v2 campaign's uuid and its admin id (skill id and campaign id)."""
    campaign = store.campaigns.create(TENANT, {"name": "Spring", **config})
    row = store.db.conn.execute("SELECT seq FROM campaigns WHERE id = ?",
                                (campaign["id"],)).fetchone()
    return str(campaign["id"]), int(row["seq"])


def test_a_v2_campaign_is_a_personal_connection_skill_named_after_it(store: Store) -> None:
    _, skill_id = _v2(store, type="progressive", status="active", description="why")
    skill = store.skills.get_skill(TENANT, skill_id)
    assert (skill["skillId"], skill["campaignId"]) == (skill_id, skill_id)
    assert (skill["skillName"], skill["campaignName"]) == ("Spring", "Spring")
    assert (skill["outboundStrategy"], skill["isActive"], skill["isRunning"]) == (
        "Personal Connection", True, False)
    assert (skill["mediaTypeId"], skill["isOutbound"]) == (4, True)


def test_a_manual_v2_campaign_is_a_manual_skill(store: Store) -> None:
    _, skill_id = _v2(store, type="manual")
    assert store.skills.get_skill(TENANT, skill_id)["outboundStrategy"] == "Manual"


def test_preview_is_a_confirmation_required_delivery_option(store: Store) -> None:
    campaign_id, skill_id = _v2(store, type="progressive")
    prefs = store.skills.get_parameters(TENANT, skill_id, "delivery-preferences")
    assert prefs["confirmationRequiredDisabled"] is True
    store.skills.put_parameters(TENANT, skill_id, "delivery-preferences", {
        "deliveryPreferences": {"confirmationRequiredDisabled": False,
                                "confirmationRequiredDefaultAccept": True,
                                "confirmationRequiredTimeout": 30}})
    v2 = store.campaigns.get(TENANT, campaign_id)
    assert v2["type"] == "preview"
    assert v2["previewSettings"] == {"previewDialingMode": "timed", "previewTimeoutSeconds": 30}


def test_a_preview_outbound_strategy_is_refused(store: Store) -> None:
    _, skill_id = _v2(store)
    with pytest.raises(ValidationFailed) as caught:
        store.skills.update_skill(TENANT, skill_id, {"skill": {"outboundStrategy": "Preview"}})
    assert caught.value.field == "outboundStrategy"


def test_starting_a_skill_only_sets_it_running(store: Store) -> None:
    campaign_id, skill_id = _v2(store)
    store.skills.set_running(TENANT, skill_id, True)
    assert store.skills.get_skill(TENANT, skill_id)["isRunning"] is True
    assert "skillParameters" not in store.campaigns.get(TENANT, campaign_id)


def test_mapped_parameters_read_and_write_the_v2_campaign_fields(store: Store) -> None:
    campaign_id, skill_id = _v2(store, dialingRules={"maxAttempts": 3, "window": "9-17"})
    assert store.skills.get_parameters(TENANT, skill_id, "general-settings") == {
        "maximumAttempts": 3}
    store.skills.put_parameters(TENANT, skill_id, "general-settings", {
        "generalSettings": {"maximumAttempts": 5, "loadCallbacks": True, "abandonRate": 3}})
    v2 = store.campaigns.get(TENANT, campaign_id)
    assert v2["dialingRules"] == {"maxAttempts": 5, "window": "9-17", "callbackEnabled": True}
    assert store.skills.get_parameters(TENANT, skill_id, "general-settings") == {
        "abandonRate": 3, "maximumAttempts": 5, "loadCallbacks": True}


def test_unmapped_parameters_are_kept_per_section_and_hidden_from_v2_views(store: Store) -> None:
    campaign_id, skill_id = _v2(store)
    store.skills.put_parameters(TENANT, skill_id, "retry-settings",
                                {"retrySettings": {"restrictedCallingMinutes": 30}})
    assert store.skills.get_parameters(TENANT, skill_id, "retry-settings") == {
        "restrictedCallingMinutes": 30}
    assert store.skills.get_parameters(TENANT, skill_id, "xs-settings") == {}
    assert "skillParameters" not in store.campaigns.get(TENANT, campaign_id)


def test_a_parameter_put_merges_and_null_removes_a_key(store: Store) -> None:
    _, skill_id = _v2(store)
    put = store.skills.put_parameters
    put(TENANT, skill_id, "retry-settings", {"retrySettings": {"a": 1, "b": 2}})
    put(TENANT, skill_id, "retry-settings", {"retrySettings": {"a": None, "c": 3}})
    assert store.skills.get_parameters(TENANT, skill_id, "retry-settings") == {"b": 2, "c": 3}


def test_every_admin_write_is_a_new_campaign_version_with_the_parameters(store: Store) -> None:
    campaign_id, skill_id = _v2(store)
    store.skills.put_parameters(TENANT, skill_id, "cadence-settings",
                                {"cadenceSettings": {"x": 1}})
    store.skills.put_parameters(TENANT, skill_id, "cadence-settings",
                                {"cadenceSettings": {"y": 2}})
    store.skills.set_status(TENANT, skill_id, {"isActive": True})
    versions = store.campaigns.versions(TENANT, campaign_id)
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert versions[2]["body"]["skillParameters"] == {"cadenceSettings": {"x": 1, "y": 2}}
    assert versions[3]["body"]["status"] == "active"


def test_a_parameter_body_must_hold_exactly_the_section_key(store: Store) -> None:
    _, skill_id = _v2(store)
    for body in ({"retrySettings": {}}, {"generalSettings": {}, "x": 1}, [], {}):
        with pytest.raises(ValidationFailed):
            store.skills.put_parameters(TENANT, skill_id, "general-settings", body)


def test_a_mapped_parameter_of_the_wrong_type_is_refused_and_nothing_is_written(
        store: Store) -> None:
    campaign_id, skill_id = _v2(store)
    with pytest.raises(ValidationFailed) as caught:
        store.skills.put_parameters(TENANT, skill_id, "general-settings",
                                    {"generalSettings": {"maximumAttempts": "5"}})
    assert caught.value.code == "INVALID_TYPE"
    assert len(store.campaigns.versions(TENANT, campaign_id)) == 1


def test_an_unknown_section_or_skill_is_not_found(store: Store) -> None:
    _, skill_id = _v2(store)
    with pytest.raises(NotFound):
        store.skills.get_parameters(TENANT, skill_id, "dialer-magic")
    with pytest.raises(NotFound):
        store.skills.get_skill(TENANT, skill_id + 100)


def test_is_active_false_deactivates_only_an_active_campaign(store: Store) -> None:
    campaign_id, paused = _v2(store, status="paused")
    assert store.skills.set_status(TENANT, paused, {"isActive": False})["isActive"] is False
    assert store.campaigns.get(TENANT, campaign_id)["status"] == "paused"
    store.skills.set_status(TENANT, paused, {"isActive": True})
    store.skills.set_status(TENANT, paused, {"isActive": False})
    assert store.campaigns.get(TENANT, campaign_id)["status"] == "inactive"


def test_activating_a_preview_campaign_emits_the_v2_activation_event_once(store: Store) -> None:
    events: list[str] = []
    store.db.sink = lambda tenant, event, data: events.append(event)
    _, skill_id = _v2(store)
    store.skills.set_status(TENANT, skill_id, {"isActive": True})
    store.skills.put_parameters(TENANT, skill_id, "xs-settings", {"xsSettings": {"a": 1}})
    assert events == ["campaign.preview.activated"]


def test_creating_skills_reports_each_failure_and_makes_the_others(store: Store) -> None:
    results = store.skills.create_skills(TENANT, [
        {"skillName": "Outbound A", "outboundStrategy": "Personal Connection"},
        {"skillName": ""},
        {"skillName": "Chat", "mediaTypeId": 3},
        {"skillName": "Outbound B", "outboundStrategy": "Preview"},
    ])
    assert [r["success"] for r in results] == [True, False, False, False]
    assert "Personal Connection, Manual" in results[3]["error"]
    [skill], _ = store.skills.page_skills(TENANT, 0, 10)
    assert (skill["outboundStrategy"], skill["isActive"]) == ("Personal Connection", False)
    v2, _ = store.campaigns.page(TENANT, type_=None, status=None, offset=0, limit=10)
    assert [(c["name"], c["type"]) for c in v2] == [("Outbound A", "progressive")]


def test_skills_page_by_skip_and_top_and_filter_by_strategy(store: Store) -> None:
    for i, kind in enumerate(("preview", "manual", "predictive")):
        store.campaigns.create(TENANT, {"name": f"c{i}", "type": kind})
    page, total = store.skills.page_skills(TENANT, 1, 1)
    assert (total, [s["skillName"] for s in page]) == (3, ["c1"])
    dialers, total = store.skills.page_skills(TENANT, 0, 10, "personal connection")
    assert (total, [s["skillName"] for s in dialers]) == (2, ["c0", "c2"])


def test_a_seeded_demo_tenant_has_a_personal_connection_skill_and_a_campaign(
        store: Store) -> None:
    store.seed_campaign(TENANT)
    store.seed_campaign(TENANT)  # once only
    [skill], _ = store.skills.page_skills(TENANT, 0, 10)
    _, total = store.skills.page_campaigns(TENANT, 0, 10)
    assert (skill["outboundStrategy"], skill["isRunning"], total) == (
        "Personal Connection", False, 1)
    prefs = store.skills.get_parameters(TENANT, skill["skillId"], "delivery-preferences")
    assert prefs["confirmationRequiredDisabled"] is False
