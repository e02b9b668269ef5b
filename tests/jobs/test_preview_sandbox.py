"""The preview job against the real sandbox, in both API dialects (`dialect_settings`).

Campaigns, lists and contacts are set up through the v2 client and the control API (one store
serves both dialects); the job runs on `open_api` of the dialect under test. On `admin` one apply
is several writes (a skill parameter section, then the status), each a campaign version, so the
version history is read as the sequence of distinct values a field took.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from tests.engine.live import assert_accounted
from tests.jobs.conftest import list_id_for

from cxone_outbound import signing
from cxone_outbound.cli.commands.runs import exit_code_of
from cxone_outbound.client import CXoneClient
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import RunConfig, Runner
from cxone_outbound.jobs.preview.config import intent_from_options
from cxone_outbound.jobs.preview.job import CampaignSource, PreviewApplyJob
from cxone_outbound.jobs.preview.run import (
    PreviewConflict,
    PreviewRequest,
    commit_apply,
    plan_preview,
    prepare_apply,
)
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.webhooks.listener import WebhookListener
from cxone_outbound.webhooks.registration import ensure_webhook

CONFIGURED: dict[str, Any] = {
    "name": "Spring",
    "type": "preview",
    "contactLists": [{"id": "l-1", "type": "contactlist"}],
    "dialingRules": {"strategy": "preview", "maxAttempts": 1, "callbackEnabled": False},
    "agentDirectives": [
        {"queueId": "q-1", "skillRequirement": "outbound_preview", "agentCount": 5}
    ],
    "previewSettings": {"previewDialingMode": "manual", "agentPromptEnabled": True},
}


async def new_campaign(settings: Settings, **overrides: Any) -> str:
    """A campaign made through v2 (setup); its v2 id."""
    async with CXoneClient(settings) as client:
        campaign = await client.create_campaign({**CONFIGURED, **overrides})
    return campaign.key


def addressed(settings: Settings, control: SandboxControl, v2_id: str) -> str:
    """The id the job addresses a campaign by: the v2 id, or the admin campaign's id."""
    if settings.dialect == "v2":
        return v2_id
    return str(control.admin_ids(campaign_id=v2_id)["skillId"])


def request(campaign_id: str, **options: Any) -> PreviewRequest:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", **options)
    return PreviewRequest(campaign_id, intent)


def factory(settings: Settings) -> Callable[[RequestObserver], OpenedApi]:
    return lambda observer: open_api(settings, observer=observer)


def values_taken(versions: list[dict[str, Any]], section: str, key: str) -> list[Any]:
    """The distinct successive values of one field across the campaign's versions."""
    values: list[Any] = []
    for version in versions:
        value = version["body"].get(section, {}).get(key)
        if not values or values[-1] != value:
            values.append(value)
    return values


def audit_lines(run_dir: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in (run_dir / "audit.jsonl").read_bytes().splitlines()]


@pytest.fixture
def v2_settings(settings: Settings) -> Settings:
    """The v2 settings, for setup, whichever dialect the test runs in."""
    return settings


async def test_racing_writers_of_different_fields_both_land(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    v2_id = await new_campaign(v2_settings)
    campaign_id = addressed(dialect_settings, sandbox_control, v2_id)
    async with open_api(dialect_settings) as api:
        first = await prepare_apply(api, request(campaign_id, max_attempts=3))
        second = await prepare_apply(api, request(campaign_id, callback_enabled=True))
        await commit_apply(api, first)
        result = await commit_apply(api, second)
    assert result.attempts == 2  # the first write met a 412 and was rebased
    versions = sandbox_control.campaign_versions(v2_id)
    assert values_taken(versions, "dialingRules", "maxAttempts") == [1, 3]
    final = versions[-1]["body"]
    assert final["dialingRules"]["callbackEnabled"] is True
    assert final["dialingRules"]["maxAttempts"] == 3


async def test_racing_writers_of_the_same_field_one_lands_the_other_conflicts(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    v2_id = await new_campaign(v2_settings)
    campaign_id = addressed(dialect_settings, sandbox_control, v2_id)
    async with open_api(dialect_settings) as api:
        first = await prepare_apply(api, request(campaign_id, max_attempts=3))
        second = await prepare_apply(api, request(campaign_id, max_attempts=5))
        await commit_apply(api, first)
        written = len(sandbox_control.campaign_versions(v2_id))
        with pytest.raises(PreviewConflict) as caught:
            await commit_apply(api, second)
    assert [c.describe() for c in caught.value.conflicts] == [
        "dialingRules.maxAttempts: was 1, they set 3, we would set 5"
    ]
    versions = sandbox_control.campaign_versions(v2_id)
    assert len(versions) == written  # the loser wrote nothing
    assert values_taken(versions, "dialingRules", "maxAttempts") == [1, 3]


async def test_force_overwrites_the_other_writers_value(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    v2_id = await new_campaign(v2_settings)
    campaign_id = addressed(dialect_settings, sandbox_control, v2_id)
    async with open_api(dialect_settings) as api:
        first = await prepare_apply(api, request(campaign_id, max_attempts=3))
        second = await prepare_apply(api, request(campaign_id, max_attempts=5))
        await commit_apply(api, first)
        await commit_apply(api, second, force=True)
    last = sandbox_control.campaign_versions(v2_id)[-1]["body"]
    assert last["dialingRules"]["maxAttempts"] == 5


async def test_a_conflicting_apply_run_fails_its_record_and_exits_non_zero(
    dialect_settings: Settings,
    v2_settings: Settings,
    sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    campaign_id = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api:
        stale = await prepare_apply(api, request(campaign_id, max_attempts=5))
        winner = await prepare_apply(api, request(campaign_id, max_attempts=3))
        await commit_apply(api, winner)
    job = PreviewApplyJob(stale)
    summary = await Runner(
        job,
        CampaignSource(stale),
        RunConfig(state_dir=tmp_path),
        client_factory=factory(dialect_settings),
    ).run()
    assert_accounted(summary)
    assert exit_code_of(summary) == 1
    audit = audit_lines(summary.run_dir)
    refused = [a for a in audit if a.get("event") == "preview.refused"]
    assert refused and refused[0]["code"] == "CONFLICT"
    assert any(a.get("event") == "preview.precondition_failed" for a in audit)
    if dialect_settings.dialect == "v2":  # admin's guard is the client's compare: no HTTP 412
        assert any(a["type"] == "request" and a["status"] == 412 for a in audit)


async def test_an_applied_run_audits_each_request_with_its_latency(
    dialect_settings: Settings,
    v2_settings: Settings,
    sandbox_control: SandboxControl,
    tmp_path: Path,
) -> None:
    campaign_id = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api:
        prepared = await prepare_apply(api, request(campaign_id, max_attempts=2))
    job = PreviewApplyJob(prepared)
    summary = await Runner(
        job,
        CampaignSource(prepared),
        RunConfig(state_dir=tmp_path),
        client_factory=factory(dialect_settings),
    ).run()
    assert_accounted(summary)
    assert exit_code_of(summary) == 0
    audit = audit_lines(summary.run_dir)
    requests = [a for a in audit if a["type"] == "request"]
    writes = [a for a in requests if a["method"] in ("PUT", "PATCH")]
    assert writes and all(w["status"] == 200 and w["elapsed_ms"] >= 0 for w in writes)
    assert all(r["elapsed_ms"] >= 0 for r in requests)
    if dialect_settings.dialect == "v2":
        assert len(writes) == 1
    assert job.result["status"] == "active" and "latency_ms" in job.result


async def test_plan_excludes_suppressed_numbers_and_ignores_expired_ones(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    v2_list = sandbox_control.create_list("preview", [{"name": "region", "type": "string"}])
    sandbox_control.add_contacts(
        v2_list,
        [
            {"phone": "+14155552671", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552672", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552673", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552674", "attributes": {"region": "NA-EAST"}},
        ],
    )
    list_id = list_id_for(dialect_settings, sandbox_control, v2_list)
    campaign_id = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api:
        await api.create_suppression("+14155552671", reason="dnc")
        await api.create_suppression(
            "+14155552672", reason="expired", expires_at=datetime.now(UTC) - timedelta(days=1)
        )
        plan = await plan_preview(
            api,
            PreviewRequest(
                campaign_id,
                intent_from_options(list_id=list_id, queue_id="q-1"),
                list_id=list_id,
                regions=("na-west",),
            ),
        )
    assert plan.assessment is not None
    assert plan.assessment.to_json()["excluded"] == {
        "no_region": 0,
        "region": 1,
        "invalid_phone": 0,
        "suppressed": 1,
    }
    assert plan.assessment.to_json()["eligible"] == 2


@pytest.mark.parametrize("spelling", ["(415) 555-2671", "+1 415-555-2671", "0014155552671"])
async def test_a_suppression_in_a_legacy_spelling_excludes_the_contact(
    dialect_settings: Settings,
    v2_settings: Settings,
    sandbox_control: SandboxControl,
    spelling: str,
) -> None:
    v2_list = sandbox_control.create_list("preview")
    sandbox_control.add_contacts(v2_list, [{"phone": "+14155552671"}, {"phone": "+14155552672"}])
    list_id = list_id_for(dialect_settings, sandbox_control, v2_list)
    campaign_id = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api:
        await api.create_suppression(spelling, reason="legacy dnc")
        await api.create_suppression(
            "(415) 555-2672", expires_at=datetime.now(UTC) - timedelta(days=1)
        )
        plan = await plan_preview(
            api,
            PreviewRequest(
                campaign_id, intent_from_options(list_id=list_id, queue_id="q-1"), list_id=list_id
            ),
        )
    assert plan.assessment is not None
    summary = plan.assessment.to_json()
    assert summary["excluded"]["suppressed"] == 1
    assert summary["eligible"] == 1  # +14155552672: its only suppression has expired


async def test_active_previews_are_counted_across_every_page(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(v2_settings) as client:
        others = [
            (await client.create_campaign({**CONFIGURED, "status": "active", "name": f"p{i}"})).key
            for i in range(120)
        ]
        await client.create_campaign({**CONFIGURED, "type": "progressive", "status": "active",
                                      "name": "not a preview"})
    ours = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api:
        plan = await plan_preview(api, PreviewRequest(ours, request(ours).intent,
                                                      max_concurrent=150))
    assert plan.active.to_json()["active_others"] == len(others)
    assert plan.active.within_limit


async def test_the_listener_takes_the_activation_and_refuses_forged_and_replayed_ones(
    dialect_settings: Settings, v2_settings: Settings, sandbox_control: SandboxControl
) -> None:
    """v2: the sandbox delivers the event; admin: the tool does, signed the same way."""
    campaign_id = addressed(dialect_settings, sandbox_control, await new_campaign(v2_settings))
    async with open_api(dialect_settings) as api, WebhookListener("not-yet-known") as listener:
        hook = await ensure_webhook(api, "preview", listener.url, ["campaign.preview.activated"])
        assert hook.secret is not None  # issued once, at registration
        listener.secret = hook.secret.get_secret_value()
        prepared = await prepare_apply(api, request(campaign_id, max_attempts=2))
        await commit_apply(api, prepared)
        [event] = await listener.wait_for(1, event="campaign.preview.activated", within=15)
        assert event.data["campaignId"] == campaign_id

        replay = orjson.dumps(event.body)
        async with aiohttp.ClientSession() as session:
            forged = signing.sign("not-the-secret", replay)
            async with session.post(
                listener.url, data=replay, headers={signing.SIGNATURE_HEADER: forged}
            ) as response:
                assert response.status == 401
            genuine = signing.sign(listener.secret, replay)
            async with session.post(
                listener.url, data=replay, headers={signing.SIGNATURE_HEADER: genuine}
            ) as response:
                assert (await response.json())["status"] == "duplicate"
        assert len(listener.events) == 1
