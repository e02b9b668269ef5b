"""`cxo` commands on the admin dialect against the sandbox: a profile setting picks the dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.cli.main import invoke
from cxone_outbound.sandbox.server import SandboxServer


def test_update_with_a_profile_on_admin_re_uploads_the_rows(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    control = admin_cli.control
    list_id = control.create_list("cli", [{"name": "tier", "type": "string"}])
    control.seed_contacts(list_id, 3)
    before = control.writes(list_id)
    admin_id = str(control.admin_ids(list_id=list_id)["listId"])
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\n" + "".join(f"{i},New\n" for i in before))
    code = invoke(["update", str(path), "--list", admin_id, "--progress", "none"])
    assert code == 0, capsys.readouterr().err
    after = control.writes(list_id)
    assert all(after[i] > before[i] for i in before)


def test_update_on_admin_without_a_list_is_a_usage_error(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc-1,New\n")
    assert invoke(["update", str(path)]) == 2
    assert "--list" in capsys.readouterr().err
