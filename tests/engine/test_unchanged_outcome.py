"""The `unchanged` outcome: a record a job settles without a request (`Job.settle`) is counted,
journaled, listed in unchanged.csv and shown in the summary and the report like every other
outcome, and a resume does not look at it again."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from tests.engine.fakes import FakeSink, write_csv
from tests.engine.live import assert_accounted
from tests.engine.test_accounting import no_client

from cxone_outbound.engine import CsvSource, Item, Outcome, RunConfig, Runner, RunSummary
from cxone_outbound.engine.summary import render_summary
from cxone_outbound.report import load_run, render_report


class Syncing(FakeSink):
    """Settles the records whose id is in `holding` as unchanged; sends the rest."""

    def __init__(self, holding: set[str], **options: Any) -> None:
        super().__init__(**options)
        self.holding = holding
        self.settled: list[str] = []

    def settle(self, item: Item) -> Outcome | None:
        if item.payload["id"] not in self.holding:
            return None
        self.settled.append(item.payload["id"])
        return Outcome.unchanged(item.key, remote_id=item.payload["id"])


def rows(tmp_path: Path, n: int) -> Path:
    return write_csv(tmp_path / "in.csv", "id,name\n" + "".join(f"{i},n{i}\n" for i in range(n)))


async def run(job: FakeSink, path: Path, state: Path, **config: Any) -> RunSummary:
    runner = Runner(job, CsvSource(path), RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


async def test_settled_records_are_never_sent_and_are_counted_unchanged(tmp_path: Path) -> None:
    path = rows(tmp_path, 10)
    job = Syncing({"1", "4", "7"})
    summary = await run(job, path, tmp_path / "s")
    assert_accounted(summary, CsvSource(path))
    assert summary.counts == {"succeeded": 7, "unchanged": 3}
    assert set(job.sent) == {str(i) for i in range(10)} - {"1", "4", "7"}
    assert summary.accounting is not None and summary.accounting.unchanged == 3


async def test_unchanged_records_are_listed_in_unchanged_csv_with_their_row(
    tmp_path: Path,
) -> None:
    summary = await run(Syncing({"2"}), rows(tmp_path, 4), tmp_path / "s")
    (row,) = list(csv.DictReader((summary.run_dir / "unchanged.csv").open()))
    assert row == {"line": "4", "remote_id": "2", "id": "2", "name": "n2"}
    document = json.loads((summary.run_dir / "summary.json").read_text())
    assert document["accounting"]["unchanged"] == 1
    assert document["metrics"]["unchanged"] == 1
    assert "unchanged.csv" in document["files"]


async def test_a_run_without_unchanged_records_writes_no_unchanged_csv(tmp_path: Path) -> None:
    summary = await run(FakeSink(), rows(tmp_path, 3), tmp_path / "s")
    assert not (summary.run_dir / "unchanged.csv").exists()
    assert " unchanged" not in render_summary(summary).replace(str(tmp_path), "")


async def test_the_summary_and_the_accounting_line_show_unchanged(tmp_path: Path) -> None:
    summary = await run(Syncing({"0", "1"}), rows(tmp_path, 5), tmp_path / "s")
    text = render_summary(summary)
    assert "records: 3 succeeded, 0 failed, 0 skipped, 2 unchanged, 0 in flight" in text
    assert "accounting: 5 read = 3 succeeded + 0 failed + 0 skipped + 2 unchanged (balanced)" \
        in text


async def test_the_report_shows_unchanged_next_to_succeeded_and_failed(tmp_path: Path) -> None:
    summary = await run(Syncing({"0", "1"}, refuse={"3": "no"}), rows(tmp_path, 5),
                        tmp_path / "s")
    page = render_report(load_run(summary.run_dir, now=0.0))
    labels = re.findall(r'<div class="label">([^<]*)</div>', page)
    assert labels[:4] == ["Succeeded", "Failed", "Skipped", "Unchanged"]
    assert re.search(r'<div class="label">Unchanged</div><div class="value">2</div>', page)
    assert "sw-unchanged" in page  # in the throughput chart's legend
    assert "unchanged.csv" in page


async def test_a_resume_neither_settles_nor_sends_what_ended_unchanged(tmp_path: Path) -> None:
    path = rows(tmp_path, 40)
    holding = {str(i) for i in range(0, 40, 2)}
    first = await run(Syncing(holding, batch_size=2, concurrency=1, stop_after=4), path,
                      tmp_path / "s", window=8)
    assert first.status == "interrupted"
    done_before = first.counts.get("unchanged", 0)
    assert done_before > 0
    again = Syncing(holding)
    second = await run(again, path, tmp_path / "s", resume=first.run_id)
    assert_accounted(second, CsvSource(path))
    assert second.counts == {"succeeded": 20, "unchanged": 20}
    assert len(again.settled) == 20 - done_before
    lines = [r["line"] for r in csv.DictReader((second.run_dir / "unchanged.csv").open())]
    assert sorted(map(int, lines)) == [i + 2 for i in range(0, 40, 2)]  # merged, once each
