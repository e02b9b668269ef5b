"""Sending: as many workers as the job's concurrency, fed a claim group at a time."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.engine.fakes import FakeSink, write_csv
from tests.engine.test_resume_results import file_lines, ids_file, journal_lines, run

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


class OrderedSink(FakeSink):
    """Keeps the last value written per id; a row whose `wait` is set takes longer to land."""

    def __init__(self, *, declare_writes: bool = True, **kw: int) -> None:
        super().__init__(**kw)
        self.value: dict[str, str] = {}
        self.now = self.most = 0
        if not declare_writes:
            self.writes = None  # type: ignore[assignment]  # a job without the parts
            self.targets_of = None  # type: ignore[assignment]

    def writes(self, batch: Batch) -> set[str]:
        return {item.payload["id"] for item in batch.items}

    def targets_of(self, record: Record) -> tuple[str, ...]:
        return (record.fields["id"],)

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            for item in batch.items:
                for _ in range(int(item.payload["wait"] or 0)):
                    await asyncio.sleep(0)
                self.value[item.payload["id"]] = item.payload["value"]
            return await super().send(batch, ctx)
        finally:
            self.now -= 1


def _rows(tmp_path: Path) -> Path:
    # a's first row is slow: sent at once with the next, it would land last
    rows = "a,1,50\nb,1,0\na,2,0\nc,1,0\na,3,0\nb,2,0\n" * 3
    return write_csv(tmp_path / "rows.csv", "id,value,wait\n" + rows)


async def test_the_later_row_of_one_target_lands_last_whatever_the_timing(
    tmp_path: Path,
) -> None:
    job = OrderedSink(batch_size=1, concurrency=4)
    summary = await run(job, _rows(tmp_path), tmp_path / "s")
    assert summary.counts == {"succeeded": 18}
    assert job.value == {"a": "3", "b": "2", "c": "1"}
    assert job.most > 1  # rows of other targets still went at once


async def test_without_writes_declared_the_rows_of_one_target_race(tmp_path: Path) -> None:
    # the reason for `writes`: the slow first row of `a` lands after the later ones
    job = OrderedSink(batch_size=1, concurrency=4, declare_writes=False)
    await run(job, _rows(tmp_path), tmp_path / "s")
    assert job.value["a"] == "1"


async def test_a_stop_ends_the_batches_waiting_for_an_earlier_write_of_their_target(
    tmp_path: Path,
) -> None:
    job = OrderedSink(batch_size=1, concurrency=2, stop_after=1)
    summary = await asyncio.wait_for(run(job, _rows(tmp_path), tmp_path / "s"), 10)
    assert summary.status == "interrupted"
    assert summary.accounting.balanced
    assert not journal_lines(tmp_path / "s", summary.run_id, State.IN_FLIGHT)


async def test_a_resume_sending_a_targets_first_row_again_sends_its_later_rows_after_it(
    tmp_path: Path,
) -> None:
    # a's first row (line 2) fails retryably, its last (line 5) lands: the run ends with a=3
    path = write_csv(tmp_path / "rows.csv", "id,value,wait\na,1,0\nb,1,0\na,3,0\nc,1,0\n")
    state = tmp_path / "s"
    first = OrderedSink(batch_size=1, concurrency=1)
    first.raise_for = {"2"}
    stopped = await run(first, path, state)
    assert stopped.counts == {"succeeded": 3, "failed": 1}
    second = OrderedSink(batch_size=1, concurrency=4)
    resumed = await run(second, path, state, resume=stopped.run_id)
    assert second.value == {"a": "3"}  # a's first row again, then its last: the file's last wins
    assert second.sent == {"a": 2}  # b and c, done and alone, are not sent again
    assert resumed.counts == {"succeeded": 4}
    assert resumed.accounting.balanced
    assert file_lines(resumed, "succeeded.csv") == {str(n): 1 for n in range(2, 6)}
    assert not file_lines(resumed, "failed.csv")


async def test_a_fresh_run_never_sends_a_row_twice_for_its_target(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rows.csv", "id,value,wait\na,1,0\na,2,0\n")
    job = OrderedSink(batch_size=1, concurrency=2)
    summary = await run(job, path, tmp_path / "s")
    assert job.sent == {"a": 2} and summary.counts == {"succeeded": 2}
