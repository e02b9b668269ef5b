"""The preview job against the real sandbox: racing writers, suppressions, webhook deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from cxone_outbound import signing
from cxone_outbound.cli.runs import exit_code_of
from cxone_outbound.client import CXoneClient
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
from cxone_outbound.jobs.webhooks import ensure_webhook
from cxone_outbound.listener import WebhookListener
from cxone_outbound.sandbox.control import SandboxControl

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


async def new_campaign(client: CXoneClient, **overrides: Any) -> str:
    campaign = await client.create_campaign({**CONFIGURED, **overrides})
    return campaign.key


def request(campaign_id: str, **options: Any) -> PreviewRequest:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", **options)
    return PreviewRequest(campaign_id, intent)


def audit_lines(run_dir: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in (run_dir / "audit.jsonl").read_bytes().splitlines()]


async def test_racing_writers_of_different_fields_both_land(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(settings) as client:
        campaign_id = await new_campaign(client)
        first = await prepare_apply(client, request(campaign_id, max_attempts=3))
        second = await prepare_apply(client, request(campaign_id, agent_prompt=False))
        await commit_apply(client, first)
        result = await commit_apply(client, second)
    assert result.attempts == 2  # the first PUT met a 412 and was rebased
    versions = sandbox_control.campaign_versions(campaign_id)
    assert [v["body"]["dialingRules"]["maxAttempts"] for v in versions] == [1, 3, 3]
    final = versions[-1]["body"]
    assert final["previewSettings"]["agentPromptEnabled"] is False
    assert final["dialingRules"]["maxAttempts"] == 3


async def test_racing_writers_of_the_same_field_one_lands_the_other_conflicts(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(settings) as client:
        campaign_id = await new_campaign(client)
        first = await prepare_apply(client, request(campaign_id, max_attempts=3))
        second = await prepare_apply(client, request(campaign_id, max_attempts=5))
        await commit_apply(client, first)
        with pytest.raises(PreviewConflict) as caught:
            await commit_apply(client, second)
    assert [c.describe() for c in caught.value.conflicts] == [
        "dialingRules.maxAttempts: was 1, they set 3, we would set 5"
    ]
    versions = sandbox_control.campaign_versions(campaign_id)
    assert [v["body"]["dialingRules"]["maxAttempts"] for v in versions] == [1, 3]


async def test_force_overwrites_the_other_writers_value(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(settings) as client:
        campaign_id = await new_campaign(client)
        first = await prepare_apply(client, request(campaign_id, max_attempts=3))
        second = await prepare_apply(client, request(campaign_id, max_attempts=5))
        await commit_apply(client, first)
        await commit_apply(client, second, force=True)
    last = sandbox_control.campaign_versions(campaign_id)[-1]["body"]
    assert last["dialingRules"]["maxAttempts"] == 5


async def test_a_conflicting_apply_run_fails_its_record_and_exits_non_zero(
    settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    async with CXoneClient(settings) as client:
        campaign_id = await new_campaign(client)
        stale = await prepare_apply(client, request(campaign_id, max_attempts=5))
        winner = await prepare_apply(client, request(campaign_id, max_attempts=3))
        await commit_apply(client, winner)
    job = PreviewApplyJob(stale)
    summary = await Runner(
        job,
        CampaignSource(stale),
        RunConfig(state_dir=tmp_path),
        client_factory=lambda observer: CXoneClient(settings, observer=observer),
    ).run()
    assert exit_code_of(summary) == 1
    audit = audit_lines(summary.run_dir)
    refused = [a for a in audit if a.get("event") == "preview.refused"]
    assert refused and refused[0]["code"] == "CONFLICT"
    assert any(a["type"] == "request" and a["status"] == 412 for a in audit)


async def test_an_applied_run_audits_each_request_with_its_latency(
    settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    async with CXoneClient(settings) as client:
        prepared = await prepare_apply(client, request(await new_campaign(client), max_attempts=2))
    job = PreviewApplyJob(prepared)
    summary = await Runner(
        job,
        CampaignSource(prepared),
        RunConfig(state_dir=tmp_path),
        client_factory=lambda observer: CXoneClient(settings, observer=observer),
    ).run()
    assert exit_code_of(summary) == 0
    audit = audit_lines(summary.run_dir)
    puts = [a for a in audit if a["type"] == "request" and a["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["status"] == 200 and puts[0]["elapsed_ms"] >= 0
    assert job.result["status"] == "active" and "latency_ms" in job.result


async def test_plan_excludes_suppressed_numbers_and_ignores_expired_ones(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("preview", [{"name": "region", "type": "string"}])
    sandbox_control.add_contacts(
        list_id,
        [
            {"phone": "+14155552671", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552672", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552673", "attributes": {"region": "NA-WEST"}},
            {"phone": "+14155552674", "attributes": {"region": "NA-EAST"}},
        ],
    )
    async with CXoneClient(settings) as client:
        await client.create_suppression("+14155552671", reason="dnc")
        await client.create_suppression(
            "+14155552672", reason="expired", expires_at=datetime.now(UTC) - timedelta(days=1)
        )
        campaign_id = await new_campaign(client)
        plan = await plan_preview(
            client,
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
    settings: Settings, sandbox_control: SandboxControl, spelling: str
) -> None:
    list_id = sandbox_control.create_list("preview")
    sandbox_control.add_contacts(list_id, [{"phone": "+14155552671"}, {"phone": "+14155552672"}])
    async with CXoneClient(settings) as client:
        await client.create_suppression(spelling, reason="legacy dnc")
        await client.create_suppression(
            "(415) 555-2672", expires_at=datetime.now(UTC) - timedelta(days=1)
        )
        campaign_id = await new_campaign(client)
        plan = await plan_preview(
            client,
            PreviewRequest(
                campaign_id, intent_from_options(list_id=list_id, queue_id="q-1"), list_id=list_id
            ),
        )
    assert plan.assessment is not None
    summary = plan.assessment.to_json()
    assert summary["excluded"]["suppressed"] == 1
    assert summary["eligible"] == 1  # +14155552672: its only suppression has expired


async def test_active_previews_are_counted_across_every_page(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(settings) as client:
        others = [await new_campaign(client, status="active", name=f"p{i}") for i in range(120)]
        ours = await new_campaign(client)
        plan = await plan_preview(
            client, PreviewRequest(ours, request(ours).intent, max_concurrent=150)
        )
    assert plan.active.to_json()["active_others"] == len(others)
    assert plan.active.within_limit


async def test_the_listener_takes_sandbox_deliveries_and_refuses_forged_and_replayed_ones(
    settings: Settings, sandbox_control: SandboxControl
) -> None:
    async with CXoneClient(settings) as client, WebhookListener("not-yet-known") as listener:
        hook = await ensure_webhook(
            client, "preview", listener.url, ["campaign.preview.activated"]
        )
        assert hook.secret is not None  # issued once, at registration
        listener.secret = hook.secret.get_secret_value()
        campaign_id = await new_campaign(client)
        prepared = await prepare_apply(client, request(campaign_id, max_attempts=2))
        await commit_apply(client, prepared)
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
