"""The background worker that runs import jobs, paced to a configured number of rows per second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from cxone_outbound.sandbox.store.lists.imports import Imports

log = logging.getLogger(__name__)
TICK_S = 0.02


class ImportWorker:
    """Runs one job at a time, a chunk per tick, so an import of N rows takes about N/rate s."""

    def __init__(self, imports: Imports, rows_per_s: float) -> None:
        self.imports = imports
        self.rows_per_s = rows_per_s
        self.wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def notify(self) -> None:
        self.wakeup.set()

    async def _run(self) -> None:
        chunk = max(1, int(self.rows_per_s * TICK_S))
        while True:
            job_id = self.imports.next_active()
            if job_id is None:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=1.0)
                continue
            started = time.monotonic()
            try:
                self.imports.step(job_id, chunk)
            except Exception:  # a bug must not kill the worker: fail the job, keep serving
                log.exception("import job %s failed", job_id)
                self.imports.fail(job_id, "internal error while importing")
            spent = time.monotonic() - started
            await asyncio.sleep(max(0.0, chunk / self.rows_per_s - spent))
