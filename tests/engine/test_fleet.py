"""run_fleet: several runs in one loop, each on its own; one's failure is not another's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tests.engine.fakes import FakeSink, write_csv

from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig
from cxone_outbound.engine.fleet import FleetRun, run_fleet


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


def _run(tmp_path: Path, name: str, rows: int, job: FakeSink) -> FleetRun:
    body = "id,name\n" + "".join(f"{name}{i},n\n" for i in range(rows))
    path = write_csv(tmp_path / f"{name}.csv", body)
    return FleetRun(name, job, CsvSource(path), RunConfig(tmp_path / "state" / name), no_client)


async def test_every_run_of_a_fleet_finishes_with_its_own_counts(tmp_path: Path) -> None:
    runs = [_run(tmp_path, f"bu{i}", 10 + i, FakeSink()) for i in range(5)]
    results = await run_fleet(runs, max_parallel=2)
    assert [r.name for r in results] == [f"bu{i}" for i in range(5)]
    assert [r.summary.counts for r in results if r.summary] == [
        {"succeeded": 10 + i} for i in range(5)
    ]


async def test_a_run_that_fails_leaves_the_others_alone(tmp_path: Path) -> None:
    class Broken(FakeSink):
        def options(self) -> dict[str, object]:
            raise RuntimeError("this tenant is misconfigured")

    results = await run_fleet([_run(tmp_path, "bad", 3, Broken()),
                               _run(tmp_path, "good", 3, FakeSink())])
    bad, good = results
    assert bad.summary is None and isinstance(bad.error, RuntimeError)
    assert good.summary is not None and good.summary.counts == {"succeeded": 3}


async def test_each_run_keeps_its_own_journal(tmp_path: Path) -> None:
    await run_fleet([_run(tmp_path, "a", 2, FakeSink()), _run(tmp_path, "b", 2, FakeSink())])
    assert (tmp_path / "state" / "a" / "journal.sqlite3").exists()
    assert (tmp_path / "state" / "b" / "journal.sqlite3").exists()
