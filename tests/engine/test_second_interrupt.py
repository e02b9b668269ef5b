"""A second Ctrl-C exits at once, and leaves a journal that `runs show` reads and a resume ends."""

from __future__ import annotations

import csv
import json
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
from tests.engine.test_cli_runs import seeded_update_file, succeeded

from cxone_outbound.cli.main import invoke

CXO = str(Path(sys.executable).parent / "cxo")
HANG = "latency=120s"  # longer than the test waits: a process that waited on it would time out


def stderr_lines(stream: IO[str]) -> queue.Queue[str]:
    """The lines of a child's stderr, read as they come (a thread: pipes do not poll)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str], text: str, deadline: float) -> None:
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no stderr line with {text!r}"
        try:
            if text in lines.get(timeout=remaining):
                return
        except queue.Empty:
            continue


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once_and_the_run_resumes_to_the_end(
    tmp_path: Path, sandbox_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = sandbox_factory(rate_limit=200, burst=50)
    path = seeded_update_file(server, 300, tmp_path / "u.csv")
    state = tmp_path / "state"
    command = ["update", str(path), "--state-dir", str(state)]
    proc = subprocess.Popen(
        [CXO, "--base-url", server.base_url, *command, "--progress", "plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = stderr_lines(proc.stderr)
    deadline = time.monotonic() + 60
    while succeeded(state) < 20:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    server.control.set_faults(HANG)  # the PATCHes in flight from now on do not come back
    proc.send_signal(signal.SIGINT)
    wait_for_line(lines, "Ctrl-C again", deadline)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)  # far less than the hanging PATCHes: it did not wait for them
    assert proc.returncode == 130
    server.control.clear_faults()

    with sqlite3.connect(state / "journal.sqlite3") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (run_id,) = conn.execute("SELECT id FROM runs").fetchone()
    capsys.readouterr()
    assert invoke(["--json", "runs", "show", run_id, "--state-dir", str(state)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "running"  # it never got to close the run: a resume will
    assert 0 < shown["counts"].get("succeeded", 0) < 300

    resumed = ["--json", "--base-url", server.base_url, *command, "--resume", run_id]
    assert invoke([*resumed, "--progress", "none"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["status"], document["counts"]) == ("completed", {"succeeded": 300})
    with (Path(document["run_dir"]) / "succeeded.csv").open(newline="") as fh:
        lines_done = [row["line"] for row in csv.DictReader(fh)]
    assert sorted(lines_done, key=int) == [str(n) for n in range(2, 302)]
    server.kill()  # its handlers still sleep on the PATCHes that never came back
