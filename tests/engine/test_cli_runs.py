"""The run commands from the outside: Ctrl-C exits 130 with the resume hint; runs list/show."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cxone_outbound.cli.main import invoke

CXO = str(Path(sys.executable).parent / "cxo")


def succeeded(state: Path) -> int:
    db = state / "journal.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            row = conn.execute("SELECT COUNT(*) FROM records WHERE state='succeeded'").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0])


def seeded_update_file(server: Any, n: int, path: Path) -> Path:
    """A sandbox list of `n` contacts and an update file naming each of them once."""
    list_id = server.control.create_list("c")
    server.control.seed_contacts(list_id, n)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "firstName"])
        writer.writerows([i, "C"] for i in sorted(server.control.writes(list_id)))
    return path


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_with_exit_130_and_a_resume_hint(
    tmp_path: Path, sandbox_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = sandbox_factory(rate_limit=50, burst=50)
    path = seeded_update_file(server, 400, tmp_path / "u.csv")
    state = tmp_path / "state"
    proc = subprocess.Popen(
        [
            CXO,
            "--base-url",
            server.base_url,
            "update",
            str(path),
            "--state-dir",
            str(state),
            "--progress",
            "none",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while succeeded(state) < 20:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "--resume" in out + err
    with sqlite3.connect(state / "journal.sqlite3") as conn:
        states = dict(conn.execute("SELECT state, COUNT(*) FROM records GROUP BY state"))
        (run_id,) = conn.execute("SELECT id FROM runs").fetchone()
    assert "in-flight" not in states  # every sent PATCH was answered and journaled
    assert 0 < states["succeeded"] < 400

    capsys.readouterr()
    assert invoke(["--json", "runs", "show", run_id, "--state-dir", str(state)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["counts"]) == ("interrupted", states)
    assert invoke(["--json", "runs", "list", "--state-dir", str(state)]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)["runs"]] == [run_id]


def test_dry_run_of_update_sends_nothing_and_exits_1_on_invalid_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc1,A\n,B\n")
    code = invoke(
        [
            "--json",
            "--base-url",
            "http://127.0.0.1:9",
            "update",
            str(path),
            "--state-dir",
            str(tmp_path / "s"),
            "--dry-run",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["planned"] == {"records": 1, "batches": 1}
    assert document["metrics"]["requests"] == 0


def test_a_file_without_the_key_column_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("name\nx\n")
    assert invoke(["update", str(path), "--state-dir", str(tmp_path / "s")]) == 2
