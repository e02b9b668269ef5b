"""`cxo` commands on the admin dialect against the sandbox: a profile setting picks the dialect."""

from __future__ import annotations

import os
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
    err = capsys.readouterr().err
    assert code == 0, err
    after = control.writes(list_id)
    assert all(after[i] > before[i] for i in before)
    assert "outcomesVerified=3" in err  # every row's outcome read back from the list


def test_update_on_admin_without_a_list_is_a_usage_error(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc-1,New\n")
    assert invoke(["update", str(path)]) == 2
    assert "--list" in capsys.readouterr().err


def test_an_upload_to_a_list_of_unknown_mapping_is_refused_before_sending(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control = admin_cli.control
    list_id = control.create_list("elsewhere")
    control.seed_contacts(list_id, 2)
    before = control.writes(list_id)
    admin_id = str(control.admin_ids(list_id=list_id)["listId"])
    monkeypatch.setenv("CXONE_LIST_COLUMNS", "")
    config = Path(os.environ["CXONE_CONFIG"])
    config.write_text("\n".join(line for line in config.read_text().splitlines()
                                if not line.startswith("list_columns")) + "\n")
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\n" + "".join(f"{i},New\n" for i in before))
    assert invoke(["update", str(path), "--list", admin_id, "--progress", "none"]) == 2
    assert "list_columns" in capsys.readouterr().err
    assert control.writes(list_id) == before


def test_the_skill_flag_attaches_the_uploaded_records_to_that_skill(
    admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import urllib.request

    control = admin_cli.control
    list_id = control.create_list("skilled")
    control.seed_contacts(list_id, 2)
    before = control.writes(list_id)
    admin_id = str(control.admin_ids(list_id=list_id)["listId"])
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\n" + "".join(f"{i},New\n" for i in before))
    code = invoke(["--skill", "4101", "--expiration-days", "7", "update", str(path), "--list",
                   admin_id, "--progress", "none"])
    assert code == 0, capsys.readouterr().err
    token = urllib.request.urlopen(urllib.request.Request(
        admin_cli.base_url + "/authentication/v1/token/access-key", method="POST",
        data=json.dumps({"accessKeyId": admin_cli.access_key_id,
                         "accessKeySecret": admin_cli.access_key_secret}).encode(),
        headers={"Content-Type": "application/json"}))
    bearer = json.loads(token.read())["access_token"]
    answer = urllib.request.urlopen(urllib.request.Request(
        f"{admin_cli.base_url}/inContactAPI/services/v31.0/lists/call-lists/{admin_id}",
        headers={"Accept": "application/json", "Authorization": f"Bearer {bearer}"}))
    assert json.loads(answer.read())["resultSet"]["skills"] == [{"skillId": 4101}]
