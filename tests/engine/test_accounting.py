"""The accounting invariant: records read = succeeded + failed + skipped (+ in flight, not sent,
planned), checked at the end of every run, and a mismatch fails the run loudly."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from tests.engine.fakes import FakeSink, write_csv
from tests.engine.live import assert_accounted

from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, Record, RunConfig, Runner
from cxone_outbound.engine.accounting import AccountingMismatch, Ledger
from cxone_outbound.engine.summary import render_summary


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


def rows(tmp_path: Path, n: int, extra: str = "") -> Path:
    body = "".join(f"{i},n{i}\n" for i in range(1, n + 1))
    return write_csv(tmp_path / "in.csv", "id,name\n" + body + extra)


async def run(job: FakeSink, source: Any, state: Path, **config: Any) -> Any:
    runner = Runner(job, source, RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


async def test_a_completed_run_accounts_for_every_line_in_summary_and_json(tmp_path: Path) -> None:
    path = rows(tmp_path, 9, extra=',"broken\n')
    summary = await run(FakeSink(refuse={"3": "no"}), CsvSource(path), tmp_path / "s")
    assert_accounted(summary, CsvSource(path))
    assert summary.accounting.as_dict() == {
        "read": 10, "succeeded": 8, "failed": 2, "skipped": 0, "unchanged": 0, "in_flight": 0,
        "not_sent": 0, "planned": 0, "balanced": True, "problems": [], "input_complete": True,
    }  # fmt: skip
    assert "accounting: 10 read = 8 succeeded + 2 failed + 0 skipped (balanced)" in (
        render_summary(summary)
    )
    document = json.loads((summary.run_dir / "summary.json").read_text())
    assert document["accounting"]["balanced"] is True


async def test_an_interrupted_run_counts_what_it_read_and_left_unsent(tmp_path: Path) -> None:
    path = rows(tmp_path, 400)  # more than the runner claims ahead (RunConfig.claim_records)
    summary = await run(FakeSink(batch_size=2, concurrency=1, stop_after=4), CsvSource(path),
                        tmp_path / "s")
    assert summary.status == "interrupted"
    assert_accounted(summary)
    accounting = summary.accounting
    assert accounting.read < 400 and accounting.succeeded >= 4


async def test_a_resumed_run_counts_records_done_before_by_their_state(tmp_path: Path) -> None:
    path = rows(tmp_path, 40)
    first = await run(FakeSink(batch_size=2, concurrency=1, stop_after=4), CsvSource(path),
                      tmp_path / "s")
    second = await run(FakeSink(), CsvSource(path), tmp_path / "s", resume=first.run_id)
    assert second.status == "completed"
    assert_accounted(second, CsvSource(path))
    assert (second.accounting.read, second.accounting.succeeded) == (40, 40)


async def test_a_dry_run_accounts_for_planned_records(tmp_path: Path) -> None:
    path = rows(tmp_path, 5, extra=",no id\n")
    summary = await run(FakeSink(), CsvSource(path), tmp_path / "s", dry_run=True)
    assert_accounted(summary)
    assert (summary.accounting.planned, summary.accounting.failed) == (5, 1)


class TwiceKeyed:
    """A buggy source: two records under one key (the journal keeps one of them)."""

    description = "twice"

    def __init__(self) -> None:
        self.header = ["id", "name"]

    def fingerprint(self) -> str:
        return "twice"

    def progress(self) -> float | None:
        return None

    def __iter__(self) -> Iterator[Record]:
        yield Record("k", 1, {"id": "1", "name": "a"}, ["1", "a"])
        yield Record("k", 2, {"id": "2", "name": "b"}, ["2", "b"])


async def test_records_that_do_not_add_up_fail_the_run_loudly(tmp_path: Path) -> None:
    summary = await run(FakeSink(), TwiceKeyed(), tmp_path / "s")
    assert summary.status == "failed"
    assert isinstance(summary.fatal_exception, AccountingMismatch)
    assert not summary.accounting.balanced
    assert "MISMATCH" in render_summary(summary)


def test_the_ledger_balances_only_when_every_record_read_has_a_place() -> None:
    ledger = Ledger(read=5, in_flight=1, not_sent=1)
    assert ledger.close({"succeeded": 2, "failed": 1}).balanced
    assert not ledger.close({"succeeded": 2}).balanced
    assert not ledger.close({"succeeded": 2, "failed": 1}, journal={"succeeded": 3}).balanced
