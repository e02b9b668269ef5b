"""Run data stays its owner's: the state dir and run folders 0700, files with contact data 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.engine.fakes import FakeSink, write_csv
from tests.engine.test_runner import run

from cxone_outbound.cli.main import invoke
from cxone_outbound.engine.journal import Journal
from cxone_outbound.private_files import private_dir, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_run_leaves_its_folders_0700_and_its_files_0600(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n2,b\n,c\n")
    state = tmp_path / "state"
    summary = await run(FakeSink(), path, state)
    assert mode(state) == 0o700
    assert mode(state / "runs") == 0o700
    assert mode(summary.run_dir) == 0o700
    files = [p for p in state.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    expected = {"journal.sqlite3", "succeeded.csv", "failed.csv", "audit.jsonl", "summary.json"}
    assert expected <= names
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


def test_an_existing_world_readable_state_dir_is_made_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    private_dir(state)
    assert mode(state) == 0o700


def test_rewriting_a_world_readable_file_makes_it_0600(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert (mode(target), target.read_text()) == (0o600, "new")


def test_a_state_dir_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", "contactId,firstName\nc1,A\n")
    (tmp_path / "file").write_text("")
    code = invoke(["--base-url", "http://127.0.0.1:9", "update", str(path),
                   "--state-dir", str(tmp_path / "file"), "--progress", "none"])
    assert code == 2


def test_a_state_dir_under_a_file_is_bad_input(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", "contactId,firstName\nc1,A\n")
    (tmp_path / "file").write_text("")
    code = invoke(["--base-url", "http://127.0.0.1:9", "update", str(path),
                   "--state-dir", str(tmp_path / "file" / "s"), "--progress", "none"])
    assert code == 2


def test_a_journal_left_readable_by_an_older_version_is_made_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    for name in ("journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm"):
        (state / name).write_bytes(b"")
        (state / name).chmod(0o644)
    Journal(state / "journal.sqlite3").close()
    assert {p.name: mode(p) for p in state.iterdir()} == {
        p.name: 0o600 for p in state.iterdir()
    }
