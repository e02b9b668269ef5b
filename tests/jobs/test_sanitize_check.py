"""`cxo sanitize --check POLICY`: a blocked verdict is planned for removal like a bad number."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.jobs.conftest import Cxo

from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl

NOW = "2026-12-03T15:00:00Z"  # 10:00 in New York, 07:00 in San Francisco
PHONES = ["+12125550101", "+14155550102", "+12145550103"]  # New York, San Francisco, Dallas
DELETE_ROUTE = "DELETE /api/v2/campaigns/contacts/{contactId}"


def _setup(control: SandboxControl, tmp_path: Path) -> tuple[str, Path]:
    list_id = control.create_list("check")
    control.add_contacts(list_id, [{"phone": p, "firstName": "A", "lastName": "B"} for p in PHONES])
    policy = tmp_path / "policy.toml"
    policy.write_text('[regions.US-TX]\nhours = "closed"\n', encoding="utf-8")
    return list_id, policy


def test_a_blocked_contact_is_planned_for_removal_with_every_reason(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id, policy = _setup(sandbox_control, tmp_path)
    code, out, err = cxo("--json", "sanitize", "--list", list_id, "--check", str(policy),
                         "--now", NOW)
    assert code == 0, err
    document = json.loads(out)
    assert document["sanitize"]["plan"]["purge_by_reason"] == {"not_dialable": 1}
    assert document["check"]["verdicts"] == {"dialable": 1, "not_now": 1, "blocked": 1}
    plan = json.loads((Path(document["run_dir"]) / "plan.json").read_text())
    (purged,) = [e for e in plan["entries"] if e["action"] == "purge"]
    assert purged["e164"] == "+12145550103" and purged["detail"].startswith("no_window")
    assert sandbox_control.requests_to(DELETE_ROUTE) == 0
    page = render_report(load_run(Path(document["run_dir"]), now=0.0))
    assert '<span class="name">not_dialable</span>' in page and "Verdicts" in page


def test_applied_the_blocked_contact_is_removed_behind_the_purge_guard_and_restorable(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id, policy = _setup(sandbox_control, tmp_path)
    argv = ["--json", "sanitize", "--list", list_id, "--check", str(policy), "--now", NOW,
            "--apply"]
    code, _, err = cxo(*argv)
    assert code == 2 and "--max-purge" in err  # 1 of 3 is over the default 20 %
    code, out, err = cxo(*argv, "--force")
    assert code == 0, err
    document = json.loads(out)
    assert sandbox_control.requests_to(DELETE_ROUTE, 204) == 1
    with (Path(document["run_dir"]) / "restore.csv").open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["phone_number"] == "'+12145550103"


def test_check_goes_with_a_plan_being_made_not_with_a_saved_one(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id, policy = _setup(sandbox_control, tmp_path)
    code, _, err = cxo("sanitize", "--list", list_id, "--check", str(policy), "--plan",
                       str(tmp_path / "plan.json"))
    assert code == 2 and "--check" in err
