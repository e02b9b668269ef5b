"""Claims: many records per journal transaction, and a stop leaves nothing unsent in flight."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.engine.fakes import FakeSink
from tests.engine.test_resume_results import ids_file, journal_lines, run

from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.records import State


async def test_new_records_are_claimed_many_per_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    claim = Journal.claim

    def counting_claim(self: Journal, run_id: str, batches: list[object]) -> None:
        sizes.append(len(batches))
        claim(self, run_id, batches)  # type: ignore[arg-type]

    monkeypatch.setattr(Journal, "claim", counting_claim)
    summary = await run(FakeSink(batch_size=1, concurrency=16), ids_file(tmp_path, 100),
                        tmp_path / "s")
    assert summary.counts == {"succeeded": 100}
    assert sizes == [64, 36]  # two commits, not 100


async def test_a_stop_unclaims_the_claimed_records_it_did_not_send(tmp_path: Path) -> None:
    path, state = ids_file(tmp_path, 40), tmp_path / "s"
    job = FakeSink(batch_size=1, concurrency=4, stop_after=2)
    summary = await run(job, path, state)
    assert summary.status == "interrupted"
    sent = sum(job.sent.values())
    assert summary.counts == {"succeeded": sent}  # nothing left in flight, nothing unsent
    assert not journal_lines(state, summary.run_id, State.IN_FLIGHT)


async def test_an_unclaimed_retryable_failure_keeps_its_error(tmp_path: Path) -> None:
    path, state = ids_file(tmp_path, 8), tmp_path / "s"
    first = await run(FakeSink(batch_size=1, raise_for={"5", "6", "7", "8"}), path, state)
    resumed = await run(FakeSink(batch_size=1, concurrency=1, stop_after=1), path, state,
                        resume=first.run_id)
    with Journal(state / "journal.sqlite3") as journal:
        failed = journal.entries(resumed.run_id, State.FAILED)
    assert len(failed) == 3 and all(e.error_code == "INTERNAL_ERROR" and e.retryable
                                    for e in failed)
