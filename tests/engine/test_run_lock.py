"""One process per run: a second process on a held run exits 2 naming the holder; a dead
holder's lock is taken over; `--resume auto` says why it starts a new run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine.fakes import FakeSink, write_csv
from tests.engine.test_cli_runs import CXO, seeded_update_file, succeeded
from tests.engine.test_runner import run

from cxone_outbound.cli.main import invoke
from cxone_outbound.engine import CsvSource
from cxone_outbound.engine.journal import COMPLETED, INTERRUPTED, RUNNING, Journal
from cxone_outbound.engine.launch import (
    find_changed_input_run,
    find_resumable_run,
    resolve_resume,
)
from cxone_outbound.engine.runlock import LOCK_FILE, RunLock, RunLocked
from cxone_outbound.engine.runner import journal_path, run_dir_for

HOLD = (
    "import sys; from pathlib import Path; from cxone_outbound.engine.runlock import RunLock;"
    "RunLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); sys.stdin.read()"
)


def interrupted_run(
    state: Path, path: Path, job: str, run_id: str = "r1", status: str = INTERRUPTED
) -> str:
    """A journaled, unfinished run of `job` over `path` (as a killed process leaves one)."""
    source = CsvSource(path)
    with Journal(journal_path(state)) as journal:
        journal.create_run(run_id, job, source.fingerprint(), source.description, {}, 1.0)
        journal.set_status(run_id, status)
    return run_id


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A real second process holding the lock of run r1 in `tmp_path/state` until stopped."""
    run_dir = run_dir_for(tmp_path / "state", "r1")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    yield run_dir, proc
    proc.communicate("", timeout=30)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_resuming_a_run_another_process_holds_exits_2_naming_it_and_sends_nothing(
    tmp_path: Path, holder: tuple[Path, subprocess.Popen[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, proc = holder
    path = write_csv(tmp_path / "u.csv", "contactId,firstName\nc1,A\n")
    state = tmp_path / "state"
    run_id = interrupted_run(state, path, "update")
    code = invoke(["--base-url", "http://127.0.0.1:9", "update", str(path),
                   "--state-dir", str(state), "--resume", run_id, "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"pid {proc.pid} on {socket.gethostname()}, since " in err
    with Journal(journal_path(state)) as journal:
        run_info = journal.get_run(run_id)
        assert run_info is not None and run_info.status == INTERRUPTED  # untouched
        assert journal.counts(run_id) == {}


@pytest.mark.parametrize("resume", [[], ["--resume", "auto"]], ids=["no-resume", "auto"])
def test_a_second_cxo_on_an_input_whose_run_is_in_progress_exits_2_naming_it(
    resume: list[str], tmp_path: Path, holder: tuple[Path, subprocess.Popen[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, proc = holder
    path = write_csv(tmp_path / "u.csv", "contactId,firstName\nc1,A\n")
    state = tmp_path / "state"
    run_id = interrupted_run(state, path, "update", status=RUNNING)
    code = invoke(["--base-url", "http://127.0.0.1:9", "update", str(path),
                   "--state-dir", str(state), "--progress", "none", *resume])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"run {run_id} of this job on this input is in progress (pid {proc.pid} on " in err
    assert "note:" not in err and "resuming" not in err  # neither offered nor taken
    assert "--help" not in err  # the command was right, only its moment was not
    with Journal(journal_path(state)) as journal:
        assert [r.id for r in journal.list_runs()] == [run_id]  # no second run beside it
        assert journal.counts(run_id) == {}


def test_an_unfinished_run_whose_process_died_is_still_offered(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n")
    state = tmp_path / "state"
    interrupted_run(state, path, "fake", status=RUNNING)  # killed: its status never changed
    lock_file = run_dir_for(state, "r1") / LOCK_FILE
    lock_file.parent.mkdir(parents=True)
    lock_file.write_text(json.dumps({"pid": dead_pid(), "host": "h", "since": 1.0}))
    found = find_resumable_run(state, "fake", CsvSource(path).fingerprint())
    assert found is not None and found.id == "r1"
    assert lock_file.read_text() != ""  # the probe took nothing over


async def test_a_held_run_refuses_the_engine_before_anything_is_sent(
    tmp_path: Path, holder: tuple[Path, subprocess.Popen[str]]
) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n2,b\n")
    interrupted_run(tmp_path / "state", path, "fake")
    job = FakeSink()
    with pytest.raises(RunLocked):
        await run(job, path, tmp_path / "state", resume="r1")
    assert not job.sent


async def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n2,b\n")
    state = tmp_path / "state"
    interrupted_run(state, path, "fake")
    pid = dead_pid()
    lock_file = run_dir_for(state, "r1") / LOCK_FILE
    lock_file.parent.mkdir(parents=True)
    lock_file.write_text(json.dumps({"pid": pid, "host": "h", "since": 1.0}))
    job = FakeSink()
    summary = await run(job, path, state, resume="r1")
    assert summary.status == COMPLETED
    assert sorted(job.sent) == ["1", "2"]
    assert lock_file.read_text() == ""  # released at the end: nobody left to take over


def test_taking_over_a_dead_holders_lock_reports_who_held_it(tmp_path: Path) -> None:
    pid = dead_pid()
    run_dir = tmp_path / "r1"
    run_dir.mkdir()
    (run_dir / LOCK_FILE).write_text(json.dumps({"pid": pid, "host": "h", "since": 1.0}))
    lock = RunLock(run_dir)
    stale = lock.acquire()
    lock.release()
    assert stale is not None and stale.pid == pid
    assert stale.describe() == f"pid {pid} on h, since 1970-01-01T00:00:01Z"


def test_a_released_lock_can_be_taken_again_without_a_takeover(tmp_path: Path) -> None:
    first = RunLock(tmp_path / "r1")
    assert first.acquire() is None
    first.release()
    second = RunLock(tmp_path / "r1")
    assert second.acquire() is None
    with pytest.raises(RunLocked, match=f"pid {os.getpid()}"):
        RunLock(tmp_path / "r1").acquire()  # a second descriptor, even in one process
    second.release()


def test_resume_auto_after_the_input_changed_says_it_starts_a_new_run_and_why(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n")
    interrupted_run(tmp_path, path, "fake")
    path.write_text("id,name\n1,a\n2,b\n")
    source = CsvSource(path)
    changed = find_changed_input_run(tmp_path, "fake", source.description, source.fingerprint())
    said: list[str] = []
    chosen = resolve_resume(
        "auto", None, interactive=False, ask=lambda q: True, notify=said.append, changed=changed
    )
    assert chosen is None
    assert len(said) == 1
    assert "starting a new run" in said[0] and "r1" in said[0] and "changed" in said[0]


@pytest.mark.slow
def test_a_second_cxo_on_a_running_run_exits_2_and_every_contact_is_written_once(
    tmp_path: Path, sandbox_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    server = sandbox_factory(rate_limit=50, burst=50)
    path = seeded_update_file(server, 300, tmp_path / "u.csv")
    state = tmp_path / "state"
    first = subprocess.Popen(
        [CXO, "--base-url", server.base_url, "update", str(path), "--state-dir", str(state),
         "--progress", "none"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while succeeded(state) < 10:
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    code = invoke(["--base-url", server.base_url, "update", str(path), "--state-dir", str(state),
                   "--resume", "auto", "--progress", "none"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"pid {first.pid} on " in err
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert set(server.control.writes().values()) == {2}  # seeded once, updated once
