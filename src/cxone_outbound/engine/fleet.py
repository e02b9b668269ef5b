"""Several runs in one event loop: an agency driving many business units from one process.

Each run keeps everything of its own (journal in its state dir, client with its own
credentials, rate limiter and retry quota, run folder): tenants share nothing but the loop and
the CPU, so one tenant's 429s never slow another. A run that fails or raises does not stop the
others. `bench/tenants.py` measures how many tenants one process drives at their full rate;
docs/scale.md says what to do past that.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cxone_outbound.engine.job import Job, Source
from cxone_outbound.engine.progress import Reporter, SilentReporter
from cxone_outbound.engine.runner import ClientFactory, RunConfig, Runner, RunSummary

__all__ = ["FleetResult", "FleetRun", "run_fleet"]


@dataclass(frozen=True)
class FleetRun:
    """One run of a fleet, typically one business unit's job. `config.state_dir` should be the
    tenant's own: journals are per tenant, so are resumes."""

    name: str
    job: Job
    source: Source
    config: RunConfig
    client_factory: ClientFactory


@dataclass(frozen=True)
class FleetResult:
    """How one run of the fleet ended: its summary, or the exception that ended it."""

    name: str
    summary: RunSummary | None
    error: BaseException | None
    elapsed_s: float


async def run_fleet(
    runs: Sequence[FleetRun],
    *,
    max_parallel: int | None = None,
    reporter: Callable[[FleetRun], Reporter] | None = None,
) -> list[FleetResult]:
    """Run every run to its end, at most `max_parallel` at once (all when None), in order."""
    gate = asyncio.Semaphore(max_parallel or max(1, len(runs)))

    async def one(run: FleetRun) -> FleetResult:
        async with gate:
            started = time.perf_counter()
            runner = Runner(
                run.job, run.source, run.config, client_factory=run.client_factory,
                reporter=reporter(run) if reporter else SilentReporter(),
            )
            try:
                summary = await runner.run()
            except Exception as exc:  # one tenant's failure is its own
                return FleetResult(run.name, None, exc, time.perf_counter() - started)
            return FleetResult(run.name, summary, None, time.perf_counter() - started)

    return list(await asyncio.gather(*(one(run) for run in runs)))
