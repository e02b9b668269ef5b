"""`cxo preview plan|apply` and `cxo webhooks list|delete`, in-process against the sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from tests.jobs.conftest import Cxo

from cxone_outbound.client import CXoneClient
from cxone_outbound.config import Settings
from cxone_outbound.sandbox.control import SandboxControl

CONFIGURED = {
    "name": "Spring",
    "type": "preview",
    "contactLists": [{"id": "l-1", "type": "contactlist"}],
    "dialingRules": {"strategy": "preview", "maxAttempts": 1, "callbackEnabled": False},
    "agentDirectives": [{"queueId": "q-1", "skillRequirement": "vip", "agentCount": 5}],
    "previewSettings": {"previewDialingMode": "manual", "agentPromptEnabled": True},
}

def new_campaign(settings: Settings) -> str:
    async def create() -> str:
        async with CXoneClient(settings) as client:
            return (await client.create_campaign(CONFIGURED)).key

    return asyncio.run(create())


def test_plan_prints_the_diff_and_the_eligible_contacts_as_json(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl
) -> None:
    campaign = new_campaign(settings)
    list_id = sandbox_control.create_list("preview")
    sandbox_control.add_contacts(list_id, [{"phone": "+14155550100"}, {"phone": "+14155550101"}])
    code, out, _ = cxo(
        "--json", "preview", "plan", "--campaign", campaign, "--list", list_id, "--queue", "q-1",
        "--max-attempts", "4",
    )
    assert code == 0
    plan = json.loads(out)
    assert {"field": "dialingRules.maxAttempts", "before": 1, "after": 4} in plan["changes"]
    assert plan["active_previews"]["within_limit"] is True
    assert (plan["contacts"]["total"], plan["contacts"]["eligible"]) == (2, 2)


def test_plan_filters_by_the_region_of_the_phone_when_contacts_have_none(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl
) -> None:
    campaign = new_campaign(settings)
    list_id = sandbox_control.create_list("regions")
    sandbox_control.add_contacts(list_id, [{"phone": "+14155550100"}, {"phone": "+442079460958"}])
    code, out, _ = cxo(
        "--json", "preview", "plan", "--campaign", campaign, "--list", list_id, "--queue", "q-1",
        "--region", "US",
    )
    assert code == 0
    contacts = json.loads(out)["contacts"]
    assert contacts["eligible"] == 1
    assert (contacts["excluded"]["region"], contacts["excluded"]["no_region"]) == (1, 0)


def test_plan_of_an_unknown_list_is_a_clear_error(cxo: Cxo, settings: Settings) -> None:
    campaign = new_campaign(settings)
    code, _, err = cxo(
        "preview", "plan", "--campaign", campaign, "--list", "no-such-list", "--queue", "q-1"
    )
    assert code == 2 and "Traceback" not in err and err.startswith("error:")


def test_apply_writes_the_change_and_exits_zero(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    campaign = new_campaign(settings)
    code, out, _ = cxo(
        "--json", "preview", "apply", "--campaign", campaign, "--list", "l-1", "--queue", "q-1",
        "--no-agent-prompt", "--state-dir", str(tmp_path / "state"),
    )
    assert code == 0
    assert json.loads(out)["preview"]["status"] == "active"
    last = sandbox_control.campaign_versions(campaign)[-1]["body"]
    assert last["previewSettings"]["agentPromptEnabled"] is False


def test_apply_writes_the_campaign_result_into_summary_json(
    cxo: Cxo, settings: Settings, tmp_path: Path
) -> None:
    campaign = new_campaign(settings)
    code, out, _ = cxo(
        "--json", "preview", "apply", "--campaign", campaign, "--list", "l-1", "--queue", "q-1",
        "--max-attempts", "3", "--state-dir", str(tmp_path / "state"),
    )
    assert code == 0
    run_dir = Path(json.loads(out)["run_dir"])
    on_disk = json.loads((run_dir / "summary.json").read_text())
    assert on_disk["preview"]["status"] == "active"
    assert on_disk["preview"]["campaign_id"] == campaign


def test_an_invalid_configuration_file_exits_2_and_sends_nothing(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    campaign = new_campaign(settings)
    config = tmp_path / "preview.toml"
    config.write_text("[dialingRules]\nmaxAttempts = 40\n")
    code, _, err = cxo(
        "preview", "apply", "--campaign", campaign, "--list", "l-1", "--queue", "q-1",
        "--config", str(config), "--state-dir", str(tmp_path / "state"),
    )
    assert code == 2
    assert "dialingRules.maxAttempts" in err
    assert len(sandbox_control.campaign_versions(campaign)) == 1


def test_webhooks_can_be_listed_and_deleted(cxo: Cxo) -> None:
    code, out, _ = cxo("--json", "webhooks", "list")
    assert (code, json.loads(out)) == (0, {"webhooks": []})
    code, _, err = cxo("webhooks", "delete", "no-such-id")
    assert code == 1 and "no webhook no-such-id" in err


@pytest.fixture
def admin(admin_cxo: Cxo) -> Cxo:
    return admin_cxo


def test_plan_then_apply_on_the_admin_dialect_writes_the_skill_parameters(
    admin: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    campaign = str(sandbox_control.admin_ids(campaign_id=v2_id)["skillId"])
    v2_list = sandbox_control.create_list("admin-preview")
    sandbox_control.add_contacts(v2_list, [{"phone": "+14155550100"}, {"phone": "+14155550101"}])
    list_id = str(sandbox_control.admin_ids(list_id=v2_list)["listId"])
    flags = ["--campaign", campaign, "--list", list_id, "--queue", "q-1", "--max-attempts", "4"]
    code, out, _ = admin("--json", "preview", "plan", *flags)
    assert code == 0
    plan = json.loads(out)
    assert {"field": "dialingRules.maxAttempts", "before": 1, "after": 4} in plan["changes"]
    assert plan["not_held"] == ["contactLists", "agentDirectives[q-1]"]
    assert (plan["contacts"]["total"], plan["contacts"]["eligible"]) == (2, 2)
    code, out, _ = admin("--json", "preview", "apply", *flags, "--state-dir", str(tmp_path / "s"))
    assert code == 0
    assert json.loads(out)["preview"]["status"] == "active"
    last = sandbox_control.campaign_versions(v2_id)[-1]["body"]
    assert (last["dialingRules"]["maxAttempts"], last["status"]) == (4, "active")
    assert last["agentDirectives"] == CONFIGURED["agentDirectives"]  # left as they were


def test_an_agent_count_on_the_admin_dialect_exits_2_naming_it_and_sends_nothing(
    admin: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    campaign = str(sandbox_control.admin_ids(campaign_id=v2_id)["skillId"])
    code, _, err = admin(
        "preview", "apply", "--campaign", campaign, "--list", "1", "--queue", "q-1",
        "--agent-count", "3", "--state-dir", str(tmp_path / "s"),
    )
    assert code == 2 and "Traceback" not in err
    assert "agentDirectives[q-1].agentCount" in err
    assert len(sandbox_control.campaign_versions(v2_id)) == 1


START = "POST /inContactAPI/services/vNN.0/skills/{skillId}/start"


def test_apply_on_the_admin_dialect_never_starts_the_skill_without_the_flag(
    admin: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    campaign = str(sandbox_control.admin_ids(campaign_id=v2_id)["skillId"])
    sandbox_control.reset_counters()
    code, out, _ = admin("--json", "preview", "apply", "--campaign", campaign, "--list", "1",
                         "--queue", "q-1", "--max-attempts", "3",
                         "--state-dir", str(tmp_path / "s"))
    assert code == 0 and json.loads(out)["preview"]["status"] == "active"
    assert sandbox_control.requests_to(START) == 0


def test_apply_with_start_skill_starts_it_after_writing(
    admin: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    campaign = str(sandbox_control.admin_ids(campaign_id=v2_id)["skillId"])
    sandbox_control.reset_counters()
    code, out, _ = admin("--json", "preview", "apply", "--campaign", campaign, "--list", "1",
                         "--queue", "q-1", "--start-skill", "--state-dir", str(tmp_path / "s"))
    assert code == 0
    assert json.loads(out)["preview"]["skill_started"] == campaign
    assert sandbox_control.requests_to(START, 200) == 1


def test_start_skill_on_v2_exits_2_and_sends_nothing(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    code, _, err = cxo("preview", "apply", "--campaign", v2_id, "--list", "l-1", "--queue",
                       "q-1", "--start-skill", "--state-dir", str(tmp_path / "s"))
    assert code == 2 and "--start-skill" in err
    assert len(sandbox_control.campaign_versions(v2_id)) == 1


def test_an_agent_prompt_on_the_admin_dialect_exits_2_naming_it(
    admin: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    v2_id = new_campaign(settings)
    campaign = str(sandbox_control.admin_ids(campaign_id=v2_id)["skillId"])
    code, _, err = admin("preview", "apply", "--campaign", campaign, "--list", "1", "--queue",
                         "q-1", "--no-agent-prompt", "--state-dir", str(tmp_path / "s"))
    assert code == 2 and "previewSettings.agentPromptEnabled" in err
    assert len(sandbox_control.campaign_versions(v2_id)) == 1
