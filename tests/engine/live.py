"""Running a job against a live (sandbox) server from a test: the real client, the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, Job, RunConfig, Runner, RunSummary


async def run_live(
    job: Job, source: CsvSource, settings: Settings, state_dir: Path, **config: Any
) -> RunSummary:
    def factory(observer: RequestObserver) -> OpenedApi:
        return open_api(settings, observer=observer)  # the dialect the settings name

    runner = Runner(job, source, RunConfig(state_dir, **config), client_factory=factory)
    return await runner.run()
