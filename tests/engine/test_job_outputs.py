"""A job's own CSV files (`ctx.csv_output`): headed once, neutralised, kept across resumes."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from tests.engine.fakes import FakeSink, write_csv

from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import Batch, CsvSource, Outcome, RunConfig, RunContext, Runner


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


class NotingSink(FakeSink):
    """Notes every record it refuses in notes.csv, with a hostile cell."""

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        outcomes = await super().send(batch, ctx)
        for item, outcome in zip(batch.items, outcomes, strict=True):
            if outcome.error is not None:
                ctx.csv_output("notes.csv", ["line", "note"]).writerow(
                    [item.record.line, "=" + outcome.error.message]
                )
        return outcomes


async def run(job: FakeSink, path: Path, state: Path, **config: Any) -> Any:
    runner = Runner(job, CsvSource(path), RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


async def test_a_job_csv_output_is_headed_once_and_neutralised(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id\n1\n2\n3\n")
    job = NotingSink(batch_size=1, refuse={"1": "no", "3": "never"})
    summary = await run(job, path, tmp_path / "s")
    rows = read(summary.run_dir / "notes.csv")
    assert rows[0] == ["line", "note"]
    assert sorted(rows[1:]) == [["2", "'=no"], ["4", "'=never"]]


async def test_a_resumed_run_appends_to_the_job_csv_output(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "id\n1\n2\n3\n4\n")
    first = NotingSink(batch_size=1, concurrency=1, refuse={"1": "a"}, stop_after=1)
    interrupted = await run(first, path, tmp_path / "s")
    again = NotingSink(batch_size=1, concurrency=1, refuse={"3": "b"})
    done = await run(again, path, tmp_path / "s", resume=interrupted.run_id)
    assert read(done.run_dir / "notes.csv") == [["line", "note"], ["2", "'=a"], ["4", "'=b"]]
