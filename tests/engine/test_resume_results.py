"""After a resume, succeeded.csv and failed.csv list each record once, as the journal ends it."""

from __future__ import annotations

import contextlib
import csv
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine.fakes import FakeSink, write_csv

from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.records import State
from cxone_outbound.engine.runner import journal_path
from cxone_outbound.engine.runner import loop as runner_mod


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


def ids_file(tmp_path: Path, n: int) -> Path:
    rows = "".join(f"{i},name{i}\n" for i in range(1, n + 1))
    return write_csv(tmp_path / "in.csv", "id,name\n" + rows)


async def run(job: FakeSink, path: Path, state: Path, **config: Any) -> RunSummary:
    runner = Runner(job, CsvSource(path), RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


def file_lines(summary: RunSummary, name: str) -> Counter[str]:
    with (summary.run_dir / name).open(newline="", encoding="utf-8") as fh:
        return Counter(row["line"] for row in csv.DictReader(fh))


def journal_lines(state: Path, run_id: str, wanted: State) -> Counter[str]:
    with Journal(journal_path(state)) as journal:
        return Counter(str(e.line) for e in journal.entries(run_id, wanted))


def assert_files_match_journal(state: Path, summary: RunSummary) -> None:
    for wanted, name in ((State.FAILED, "failed.csv"), (State.SUCCEEDED, "succeeded.csv")):
        assert file_lines(summary, name) == journal_lines(state, summary.run_id, wanted), name


async def test_a_retryable_failure_that_later_succeeds_leaves_failed_csv(tmp_path: Path) -> None:
    path, state = ids_file(tmp_path, 6), tmp_path / "s"
    first = await run(FakeSink(batch_size=1, raise_for={"3"}, refuse={"6": "no"}), path, state)
    assert file_lines(first, "failed.csv") == Counter({"3": 1, "7": 1})
    resumed = await run(FakeSink(batch_size=1), path, state, resume=first.run_id)
    assert file_lines(resumed, "failed.csv") == Counter({"7": 1})
    assert file_lines(resumed, "succeeded.csv") == Counter({str(n): 1 for n in range(2, 7)})


async def test_a_record_failing_again_is_listed_once_with_its_latest_attempt(
    tmp_path: Path,
) -> None:
    path, state = ids_file(tmp_path, 3), tmp_path / "s"
    first = await run(FakeSink(batch_size=1, raise_for={"2"}), path, state)
    resumed = await run(FakeSink(batch_size=1, raise_for={"2"}), path, state, resume=first.run_id)
    with (resumed.run_dir / "failed.csv").open(newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["line"], row["error_code"], row["attempts"]) == ("2", "INTERNAL_ERROR", "2")


async def test_failures_an_interrupted_resume_did_not_reach_stay_listed(tmp_path: Path) -> None:
    path, state = ids_file(tmp_path, 8), tmp_path / "s"
    retryable = {"2", "4", "6", "8"}
    first = await run(FakeSink(batch_size=1, raise_for=retryable), path, state)
    job = FakeSink(batch_size=1, concurrency=1, stop_after=1)
    resumed = await run(job, path, state, resume=first.run_id)
    assert resumed.status == "interrupted"
    assert sum(job.sent.values()) == 1  # one retried, three not reached
    assert sum(file_lines(resumed, "failed.csv").values()) == 3
    assert_files_match_journal(state, resumed)


async def test_several_resumes_keep_the_files_equal_to_the_journal(tmp_path: Path) -> None:
    path, state = ids_file(tmp_path, 30), tmp_path / "s"
    summary = await run(FakeSink(batch_size=2, raise_for={str(i) for i in range(1, 31, 3)}),
                        path, state)  # fmt: skip
    for still_failing in ({"1", "7", "13"}, {"7"}, set()):
        summary = await run(
            FakeSink(batch_size=1, raise_for=still_failing), path, state, resume=summary.run_id
        )
        assert_files_match_journal(state, summary)
    assert file_lines(summary, "failed.csv") == Counter()
    assert sum(file_lines(summary, "succeeded.csv").values()) == 30


async def test_a_session_killed_before_merging_is_merged_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, state = ids_file(tmp_path, 5), tmp_path / "s"
    first = await run(FakeSink(batch_size=1, raise_for={"2", "3"}), path, state)
    with monkeypatch.context() as patch:  # as if the process died before its merge
        patch.setattr(runner_mod, "merge_sessions", lambda run_dir, states: False)
        second = await run(
            FakeSink(batch_size=1, raise_for={"3"}), path, state, resume=first.run_id
        )
    assert sorted(p.name for p in second.run_dir.glob(".*.session-*.csv"))
    third = await run(FakeSink(batch_size=1, raise_for={"3"}), path, state, resume=first.run_id)
    assert not list(third.run_dir.glob(".*.session-*.csv"))
    assert file_lines(third, "failed.csv") == Counter({"3": 1})
    assert_files_match_journal(state, third)


def test_a_journal_from_before_sessions_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE runs (id TEXT PRIMARY KEY, job TEXT NOT NULL, input_hash TEXT NOT NULL,"
            " input_path TEXT NOT NULL, options TEXT NOT NULL, started_at REAL NOT NULL,"
            " ended_at REAL, status TEXT NOT NULL, counts TEXT NOT NULL DEFAULT '{}');"
            "CREATE TABLE records (run_id TEXT NOT NULL, key TEXT NOT NULL, line INTEGER NOT NULL,"
            " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT,"
            " message TEXT, field TEXT, retryable INTEGER NOT NULL DEFAULT 0, batch_id TEXT,"
            " remote_id TEXT, PRIMARY KEY (run_id, key)) WITHOUT ROWID;"
            "INSERT INTO runs VALUES ('r', 'fake', 'h', 'in.csv', '{}', 0, NULL, 'failed', '{}');"
            "INSERT INTO records (run_id, key, line, state) VALUES ('r', '2', 2, 'failed');"
        )
    with Journal(path) as journal:
        assert journal.open_session("r") == 2
        assert journal.states_by_line("r", [2]) == {2: (State.FAILED, 1)}
