"""`cxo import` options that are refused before anything is read from the API."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_an_attribute_column_without_a_name_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "contacts.csv"
    path.write_text("phone_number,first_name,last_name,\n+14155550100,A,B,\n")
    code = invoke(["import", str(path), "--dry-run"])
    assert code == 2
    assert "has no name" in capsys.readouterr().err
    assert not (tmp_path / "state" / "runs").exists()


def test_a_2gb_single_line_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Exit 2 with a message, peak RSS under 300 MB: the line is never read whole.

    The file is sparse (2 GiB of zero bytes, no line break), so the test writes nothing big;
    `cxo` runs in a child of a fresh interpreter whose only child it is, to read its peak RSS.
    """
    path = tmp_path / "one-line.csv"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024**3)
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.argv[2], 'import', sys.argv[1], '--dry-run'],"
        " capture_output=True, text=True)\n"
        "peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, peak_kb, done.stderr.replace(chr(10), ' '))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(path), str(Path(sys.executable).parent / "cxo")],
        capture_output=True, text=True, check=True,
        env={**os.environ, "CXONE_STATE_DIR": str(tmp_path / "state")},
    ).stdout
    code, peak_kb, message = out.split(" ", 2)
    assert code == "2", message
    assert "header is longer than" in message
    assert int(peak_kb) < 300 * 1024
