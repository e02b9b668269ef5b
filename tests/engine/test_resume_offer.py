"""Which earlier run a new run on the same input is offered to resume: only unfinished real ones."""

from __future__ import annotations

from pathlib import Path

from cxone_outbound.engine.journal import INTERRUPTED, RUNNING, Journal
from cxone_outbound.engine.runner import DRY_RUN


def journal_with(tmp_path: Path, *runs: tuple[str, str, bool]) -> Journal:
    """A journal holding runs (id, status, dry_run) of one job on one input, oldest first."""
    journal = Journal(tmp_path / "journal.sqlite3")
    for started, (run_id, status, dry_run) in enumerate(runs):
        journal.create_run(run_id, "job", "hash", "in.csv", {"dry_run": dry_run}, float(started))
        journal.set_status(run_id, status)
    return journal


def test_an_interrupted_run_is_offered(tmp_path: Path) -> None:
    with journal_with(tmp_path, ("r1", INTERRUPTED, False)) as journal:
        found = journal.find_resumable("job", "hash")
    assert found is not None and found.id == "r1"


def test_a_dry_run_is_never_offered(tmp_path: Path) -> None:
    with journal_with(tmp_path, ("r1", DRY_RUN, True)) as journal:
        assert journal.find_resumable("job", "hash") is None


def test_a_dry_run_that_never_ended_is_not_offered(tmp_path: Path) -> None:
    with journal_with(tmp_path, ("r1", RUNNING, True)) as journal:
        assert journal.find_resumable("job", "hash") is None


def test_a_later_dry_run_does_not_hide_an_unfinished_real_run(tmp_path: Path) -> None:
    with journal_with(tmp_path, ("r1", INTERRUPTED, False), ("r2", DRY_RUN, True)) as journal:
        found = journal.find_resumable("job", "hash")
    assert found is not None and found.id == "r1"
