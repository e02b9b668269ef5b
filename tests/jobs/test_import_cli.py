"""`cxo import` options that are refused before anything is read from the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.cli.main import invoke


def test_an_unknown_required_field_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("phone_number,first_name\n+14155550100,A\n")
    code = invoke(["import", str(path), "--require", "nickname", "--dry-run"])
    assert code == 2
    assert "'nickname' is not an import field" in capsys.readouterr().err


def test_only_the_phone_required_lets_a_nameless_row_through_a_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "contacts.csv"
    path.write_text("phone_number,first_name\n+14155550100,\n")
    code = invoke(["import", str(path), "--require", "phone", "--dry-run"])
    assert code == 0, capsys.readouterr().err


def test_an_admin_import_without_a_list_is_refused_before_a_run_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "contacts.csv"
    path.write_text("phone_number,first_name,last_name\n+14155550100,A,B\n")
    code = invoke(["--dialect", "admin", "import", str(path)])
    assert code == 2
    assert "pass --list" in capsys.readouterr().err
    assert not (tmp_path / "state" / "runs").exists()  # nothing to resume: nothing started
