"""Issue 13: with a reply shape drifted by the sandbox's switch, every job on the admin dialect
exits 5 with the drift error naming the endpoint, and reports nothing done."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cxone_outbound.cli.main import invoke
from cxone_outbound.sandbox.server import SandboxServer

LIST = "GET /lists/call-lists/{listId}"
JOBS = "GET /lists/call-lists/jobs/{jobId}"
DNC = "GET /dnc-groups"
CAMPAIGN_SKILLS = "GET /campaigns/{campaignId}/skills"


def _succeeded(state: Path) -> int:
    """Rows any run of this test reported succeeded."""
    total = 0
    for path in state.glob("runs/*/succeeded.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            total += max(0, sum(1 for _ in csv.reader(handle)) - 1)
    return total


@pytest.mark.parametrize(
    ("job", "endpoint", "rename"),
    [
        ("import", JOBS, {"uploadJobs": "jobs"}),
        ("import", LIST, {"validRecords": "valid"}),
        ("update", LIST, {"contactRecords": "records"}),
        ("enrich", LIST, {"contactRecords": "records"}),
        ("sanitize", LIST, {"contactRecords": "records"}),
        ("preview plan", DNC, {"dncGroups": "groups"}),
        ("preview apply", CAMPAIGN_SKILLS, {"skills": "items"}),
        ("check", LIST, {"contactRecords": "records"}),
    ],
)
def test_a_drifted_reply_stops_the_job_with_exit_5_and_nothing_reported_done(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    job: str, endpoint: str, rename: dict[str, str],
) -> None:
    control = admin_cli.control
    list_id = control.create_list("drift", [{"name": "tier", "type": "string"}])
    control.seed_contacts(list_id, 4)
    ids = control.admin_ids(list_id=list_id)
    admin_list = str(ids["listId"])
    before = control.writes(list_id)
    state = tmp_path / "state"
    head = ["--progress", "none", "--state-dir", str(state)]
    if job == "import":
        path = tmp_path / "new.csv"
        path.write_text("phone_number,first_name,last_name\n+12125550191,Ann,Lee\n"
                        "+12125550192,Bo,Kim\n", encoding="utf-8")
        argv = ["import", str(path), "--list", admin_list, *head]
    elif job == "update":
        path = tmp_path / "u.csv"
        path.write_text("contactId,firstName\n" + "".join(f"{i},New\n" for i in before))
        argv = ["update", str(path), "--list", admin_list, *head]
    elif job == "enrich":
        campaign = control.admin_ids(campaign_id=_campaign(admin_cli))["skillId"]
        mapping = tmp_path / "m.toml"
        mapping.write_text('[key]\ncolumn = "id"\n\n[[field]]\ncolumn = "tier"\n'
                           'attribute = "tier"\n', encoding="utf-8")
        path = tmp_path / "crm.csv"
        path.write_text("id,tier\n" + "".join(f"{i},gold\n" for i in before))
        argv = ["enrich", str(path), "--list", admin_list, "--campaign", str(campaign),
                "--mapping", str(mapping), *head]
    elif job == "sanitize":
        argv = ["sanitize", "--list", admin_list, "--apply", "--default-region", "US", *head]
    elif job.startswith("preview"):
        skill = str(control.admin_ids(campaign_id=_campaign(admin_cli))["skillId"])
        argv = ["preview", job.split()[1], "--campaign", skill, "--list", admin_list,
                "--queue", "q-1", "--max-attempts", "3"]
        argv += ["--state-dir", str(state)] if job == "preview apply" else []
    else:
        argv = ["check", "--list", admin_list, *head]
    control.set_drift(endpoint, rename=rename)
    try:
        code = invoke(argv)
    finally:
        control.clear_drift()
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert code == 5, err
    assert endpoint.split("{")[0] in err and "SCHEMA_DRIFT" in err and "cxo tenant probe" in err
    assert control.writes(list_id) == before or job == "import"
    assert _succeeded(state) == 0


def _campaign(server: SandboxServer) -> str:
    """A v2 campaign (the sandbox shows it as an admin campaign with its skill)."""
    import urllib.request

    from cxone_outbound.config import Settings

    settings = Settings(base_url=server.base_url)
    token_request = urllib.request.Request(
        f"{server.base_url}/oauth/token",
        data=(f"grant_type=client_credentials&client_id={settings.client_id}"
              f"&client_secret={settings.client_secret.get_secret_value()}").encode(),
        method="POST")
    with urllib.request.urlopen(token_request) as answer:  # loopback sandbox only
        token = json.loads(answer.read())["access_token"]
    body = json.dumps({"name": "drift", "type": "preview", "status": "inactive",
                       "contactLists": [], "dialingRules": {"strategy": "preview"}}).encode()
    request = urllib.request.Request(
        f"{server.base_url}/api/v2/outbound/campaigns", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return str(json.loads(answer.read())["id"])
