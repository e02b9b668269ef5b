"""A job's own summary data (`Job.summary_extra`): in summary.json, in `--json`, printed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from tests.engine.fakes import FakeSink, write_csv
from typer.testing import CliRunner

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.state import CliState
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.engine import CsvSource, RunConfig, RunContext, Runner, RunSummary
from cxone_outbound.engine.summary import render_section, render_summary


@contextlib.asynccontextmanager
async def no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


class ReportingSink(FakeSink):
    """A fake job that reports how many records it sent, as a job would its own figures."""

    def __init__(self, extra: Mapping[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.extra = extra

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        if self.extra is not None:
            return self.extra
        return {"sink": {"sent": sum(self.sent.values()), "stopping": ctx.stopping}}


def input_file(tmp_path: Path, n: int = 3) -> Path:
    return write_csv(tmp_path / "in.csv", "id\n" + "".join(f"{i}\n" for i in range(1, n + 1)))


async def run(job: FakeSink, path: Path, state: Path, **config: Any) -> RunSummary:
    runner = Runner(job, CsvSource(path), RunConfig(state, **config), client_factory=no_client)
    job.on_stop = runner.request_stop
    return await runner.run()


async def test_job_sections_are_written_into_summary_json(tmp_path: Path) -> None:
    summary = await run(ReportingSink(), input_file(tmp_path), tmp_path / "s")
    written = json.loads((summary.run_dir / "summary.json").read_text())
    assert written["sink"] == {"sent": 3, "stopping": False}
    assert written["counts"] == {"succeeded": 3}


async def test_job_sections_are_collected_when_the_run_is_interrupted(tmp_path: Path) -> None:
    job = ReportingSink(batch_size=1, concurrency=1, stop_after=1)
    summary = await run(job, input_file(tmp_path, 5), tmp_path / "s")
    assert summary.status == "interrupted"
    assert summary.sections == {"sink": {"sent": 1, "stopping": True}}


async def test_a_section_named_like_an_engine_key_is_left_out(tmp_path: Path) -> None:
    job = ReportingSink({"counts": {"x": 1}, "mine": {"y": 2}})
    summary = await run(job, input_file(tmp_path), tmp_path / "s")
    assert summary.counts == {"succeeded": 3}
    assert summary.sections == {"mine": {"y": 2}}


async def test_a_failing_summary_extra_does_not_lose_the_summary(tmp_path: Path) -> None:
    class Broken(FakeSink):
        def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
            raise RuntimeError("boom")

    summary = await run(Broken(), input_file(tmp_path), tmp_path / "s")
    assert json.loads((summary.run_dir / "summary.json").read_text())["status"] == "completed"


async def test_job_sections_are_printed_with_the_summary(tmp_path: Path) -> None:
    summary = await run(ReportingSink(), input_file(tmp_path), tmp_path / "s")
    assert "  sink: sent=3, stopping=False" in render_summary(summary).splitlines()


def test_a_long_section_is_printed_in_part_with_a_pointer_to_summary_json() -> None:
    line = render_section("big", {"n": {str(i): i for i in range(20)}, "list": [1, 2]})
    assert line.startswith("  big: n.0=0, n.1=1,")
    assert line.endswith("… 13 more in summary.json")


@pytest.mark.parametrize("dry_run", [False, True])
def test_job_sections_are_in_the_json_output(tmp_path: Path, dry_run: bool) -> None:
    app = typer.Typer()
    path = input_file(tmp_path)

    @app.command()
    def go(ctx: typer.Context) -> None:
        source = runs.open_csv(path)
        runs.execute(
            ctx,
            ReportingSink(),
            source,
            state_dir=tmp_path / "s",
            dry_run=dry_run,
            progress="none",
            client_factory=no_client,
        )

    result = CliRunner().invoke(app, [], obj=CliState(json_output=True))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["sink"] == {"sent": 0 if dry_run else 3, "stopping": False}
