"""Runner: every record ends in a state, files and journal agree, resume never resends."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine.fakes import FakeSink, write_csv

from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, ResumeError, RunConfig, Runner
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.records import Batch, Item, Record
from cxone_outbound.engine.runner import journal_path


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


def ids_file(tmp_path: Path, n: int, extra: str = "") -> Path:
    rows = "".join(f"{i},name{i}\n" for i in range(1, n + 1))
    return write_csv(tmp_path / "in.csv", "id,name\n" + rows + extra)


async def run(job: FakeSink, path: Path, state: Path, **config: Any) -> Any:
    runner = Runner(job, CsvSource(path), RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


async def test_every_record_ends_succeeded_or_failed(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 9, extra=",no id\n10\n")
    summary = await run(FakeSink(refuse={"3": "nope"}), path, tmp_path / "s")
    assert summary.status == "completed"
    assert summary.counts == {"succeeded": 8, "failed": 3}


async def test_failed_csv_has_reason_line_and_original_row(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 3, extra=",no id\n")
    summary = await run(FakeSink(refuse={"2": "nope"}), path, tmp_path / "s")
    failed = read_csv(summary.run_dir / "failed.csv")
    got = sorted((f["line"], f["error_code"], f["name"], f["attempts"]) for f in failed)
    assert got == [("3", "REFUSED", "name2", "1"), ("5", "MISSING_ID", "no id", "0")]


async def test_failed_csv_neutralises_formula_cells(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,=HYPERLINK(1)\n")
    summary = await run(FakeSink(refuse={"1": "@evil"}), path, tmp_path / "s")
    (row,) = read_csv(summary.run_dir / "failed.csv")
    assert row["name"] == "'=HYPERLINK(1)"
    assert row["error_message"] == "'@evil"


async def test_audit_has_an_outcome_line_per_failed_record_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "in.csv", "id,name\n1,a\n2,b\n,c\n4,d\n5,e\n")
    summary = await run(FakeSink(refuse={"2": "no"}), path, tmp_path / "s")
    lines = [json.loads(x) for x in (summary.run_dir / "audit.jsonl").read_text().splitlines()]
    assert sorted(e["line"] for e in lines if e["type"] == "outcome") == [3, 4]
    counted = [e for e in lines if e["type"] == "outcomes"]
    assert sum(e["counts"]["succeeded"] for e in counted) == 3
    assert min(e["first_line"] for e in counted) == 2
    assert max(e["last_line"] for e in counted) == 6


async def test_summary_json_is_written(tmp_path: Path) -> None:
    summary = await run(FakeSink(), ids_file(tmp_path, 2), tmp_path / "s")
    written = json.loads((summary.run_dir / "summary.json").read_text())
    assert written["counts"] == {"succeeded": 2}


async def test_a_job_exception_fails_its_batch_and_the_run_goes_on(tmp_path: Path) -> None:
    job = FakeSink(batch_size=1, raise_for={"2"})
    summary = await run(job, ids_file(tmp_path, 4), tmp_path / "s")
    assert summary.counts == {"succeeded": 3, "failed": 1}


async def test_dry_run_sends_nothing_and_plans_batches(tmp_path: Path) -> None:
    job = FakeSink(batch_size=2)
    summary = await run(job, ids_file(tmp_path, 5, extra=",x\n"), tmp_path / "s", dry_run=True)
    assert not job.sent
    assert summary.planned == {"records": 5, "batches": 3}
    assert summary.counts == {"failed": 1}


async def test_resume_skips_records_that_succeeded(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 40)
    first = FakeSink(batch_size=1, concurrency=1, stop_after=10)
    interrupted = await run(first, path, tmp_path / "s")
    assert interrupted.status == "interrupted"
    second = FakeSink(batch_size=1, concurrency=1)
    done = await run(second, path, tmp_path / "s", resume=interrupted.run_id)
    assert done.status == "completed"
    assert done.counts == {"succeeded": 40}
    assert not set(first.sent) & set(second.sent)
    assert set(first.sent) | set(second.sent) == {str(i) for i in range(1, 41)}


async def test_resume_retries_retryable_failures_only(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 4)
    first = FakeSink(batch_size=1, raise_for={"4"}, refuse={"2": "no"})  # line 4: id 3 raises
    summary = await run(first, path, tmp_path / "s")
    second = FakeSink(batch_size=1)
    await run(second, path, tmp_path / "s", resume=summary.run_id)
    assert set(second.sent) == {"3"}


async def test_in_flight_batch_is_reconciled_with_its_id_and_items(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 4)
    state = tmp_path / "s"
    first = FakeSink(batch_size=2, stop_after=1, concurrency=1)
    summary = await run(first, path, state)
    # simulate a crash mid-send: claim the next batch (lines 4-5) and never finish it
    records = {r.key: r for r in CsvSource(path)}
    batch = Batch("b-42", [Item(records["4"], {}), Item(records["5"], {})], "remote-1")
    with Journal(journal_path(state)) as journal:
        journal.claim(summary.run_id, [batch])
    second = FakeSink(batch_size=2)
    done = await run(second, path, state, resume=summary.run_id)
    (reconciled,) = second.reconciled
    assert (reconciled.id, reconciled.keys, reconciled.remote_id) == (
        "b-42",
        ["4", "5"],
        "remote-1",
    )
    assert done.counts == {"succeeded": 4}


async def test_resume_refuses_a_changed_input(tmp_path: Path) -> None:
    path = ids_file(tmp_path, 3)
    summary = await run(FakeSink(), path, tmp_path / "s")
    path.write_text("id,name\n9,z\n")
    with pytest.raises(ResumeError, match="input changed"):
        await run(FakeSink(), path, tmp_path / "s", resume=summary.run_id)


async def test_resume_refuses_an_unknown_run(tmp_path: Path) -> None:
    with pytest.raises(ResumeError, match="no run"):
        await run(FakeSink(), ids_file(tmp_path, 1), tmp_path / "s", resume="nope")


def test_record_keys_are_line_numbers(tmp_path: Path) -> None:
    (record,) = list(CsvSource(ids_file(tmp_path, 1)))
    assert record == Record("2", 2, {"id": "1", "name": "name1"}, ["1", "name1"])


async def test_a_batch_outcomes_are_committed_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[list[str]] = []
    record_outcomes = Journal.record_outcomes

    def spy(self: Journal, run_id: str, outcomes: Any, **kw: Any) -> Any:
        plain = [record.key for record in kw.get("succeeded", ())]
        commits.append([*(record.key for record, _ in outcomes), *plain])
        return record_outcomes(self, run_id, outcomes, **kw)

    monkeypatch.setattr(Journal, "record_outcomes", spy)
    path = ids_file(tmp_path, 10)
    summary = await run(FakeSink(batch_size=5, concurrency=1), path, tmp_path / "s",
                        flush_records=2)
    assert summary.counts == {"succeeded": 10}
    assert sorted(len(keys) for keys in commits) == [5, 5]  # never part of a batch
