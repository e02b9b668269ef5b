"""Running a job against a live (sandbox) server from a test: the real client, the real engine.

`run_live` also checks the accounting invariant of every run it makes (`assert_accounted`), the
shared assertion of the jobs' acceptance tests.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, Job, Record, RunConfig, Runner, RunSummary
from cxone_outbound.engine.accounting import accounting_of


async def run_live(
    job: Job, source: CsvSource, settings: Settings, state_dir: Path, **config: Any
) -> RunSummary:
    def factory(observer: RequestObserver) -> OpenedApi:
        return open_api(settings, observer=observer)  # the dialect the settings name

    runner = Runner(job, source, RunConfig(state_dir, **config), client_factory=factory)
    summary = await runner.run()
    assert_accounted(summary, source)
    return summary


def _result_lines(run_dir: Path, name: str) -> list[str]:
    path = run_dir / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return [row[0] for row in list(csv.reader(fh))[1:] if row]


def assert_accounted(summary: RunSummary, source: Iterable[Record] | None = None) -> None:
    """Every record read is accounted for: read = succeeded + failed + skipped + unchanged (+ in
    flight, not sent, planned), in the summary and in summary.json alike; for a completed run,
    read is every record of the source (counted again here) and the result files list each
    once."""
    accounting = summary.accounting
    assert accounting is not None
    assert accounting.balanced, accounting.problems
    total = (
        sum(accounting.settled.values())
        + accounting.in_flight + accounting.not_sent + accounting.planned
    )
    assert accounting.read == total
    document = json.loads((summary.run_dir / "summary.json").read_text())
    assert accounting_of(document) == accounting
    if summary.status != "completed":
        return
    if source is not None:
        assert accounting.read == sum(1 for _ in source)
    succeeded = _result_lines(summary.run_dir, "succeeded.csv")
    failed = _result_lines(summary.run_dir, "failed.csv")
    unchanged = _result_lines(summary.run_dir, "unchanged.csv")
    assert len(succeeded) == accounting.succeeded
    assert len(failed) == accounting.failed
    assert len(unchanged) == accounting.unchanged
    listed = [*succeeded, *failed, *unchanged]
    assert len(set(listed)) == len(listed)
