"""Sending: as many workers as the job's concurrency, fed a claim group at a time."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.engine.fakes import FakeSink
from tests.engine.test_resume_results import ids_file, journal_lines, run

from cxone_outbound.client.clock import SystemClock
from cxone_outbound.engine import Batch, Item, Outcome, Record, RunContext
from cxone_outbound.engine.accounting import Ledger
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import State
from cxone_outbound.engine.runner.sending import Sender


class CountingSink(FakeSink):
    """Counts the batches being sent at once, each taking a few turns of the loop."""

    def __init__(self, **kw: int) -> None:
        super().__init__(**kw)
        self.now = self.most = 0

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            return await super().send(batch, ctx)
        finally:
            self.now -= 1


async def test_batches_in_flight_reach_but_never_exceed_the_jobs_concurrency(
    tmp_path: Path,
) -> None:
    job = CountingSink(batch_size=1, concurrency=4)
    summary = await run(job, ids_file(tmp_path, 200), tmp_path / "s")
    assert summary.counts == {"succeeded": 200}
    assert job.most == 4
    assert sum(job.sent.values()) == 200  # each sent once


async def test_a_stop_while_a_claim_group_waits_unclaims_all_it_did_not_send(
    tmp_path: Path,
) -> None:
    state = tmp_path / "s"
    job = CountingSink(batch_size=1, concurrency=2, stop_after=3)
    summary = await run(job, ids_file(tmp_path, 150), state)
    sent = sum(job.sent.values())
    assert summary.status == "interrupted" and 3 <= sent < 64  # stopped within the first group
    assert summary.counts == {"succeeded": sent}
    assert not journal_lines(state, summary.run_id, State.IN_FLIGHT)
    assert summary.accounting.read == 64  # one claim group read, then the stop
    assert summary.accounting.not_sent == 64 - sent and summary.accounting.balanced


def _sender(journal: Journal, job: FakeSink, handled: list[str]) -> Sender:
    def on_outcomes(batch: Batch, outcomes: Sequence[Outcome]) -> None:
        if batch.id == "b3":
            raise OSError("disk full")
        handled.append(batch.id)

    return Sender(job, journal, "r", Ledger(), dry_run=False, stopping=lambda: False,
                  on_fatal=lambda exc: None, on_outcomes=on_outcomes,
                  on_settled=lambda record, outcome: None, log=lambda text: None)


async def test_an_error_escaping_a_batch_is_raised_by_drain_after_every_other_batch(
    tmp_path: Path,
) -> None:
    handled: list[str] = []
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "fake", "h", "in.csv", {}, 0.0)
        job = FakeSink(batch_size=1, concurrency=2)
        sender = _sender(journal, job, handled)
        ctx = RunContext("r", tmp_path, None, SystemClock(), random.Random(1), RunMetrics())
        batches = [
            Batch(f"b{n}", [Item(Record(str(n), n, {"id": str(n)}, {}), {"id": str(n)})])
            for n in range(1, 9)
        ]
        await sender.dispatch_claimed(batches, {}, ctx)
        with pytest.raises(OSError, match="disk full"):
            await sender.drain()
    # the worker that met the error went on: every other batch was handled
    assert sorted(handled) == [f"b{n}" for n in range(1, 9) if n != 3]
