"""Sending batches: claimed in the journal first, `concurrency` in flight, reconciled on resume;
a batch that raises fails its records (retryable or not by the error), never the run, unless
the error is fatal (auth, a missing list): then the run stops.

Batches are sent by at most `concurrency` long-lived worker tasks fed through a queue, not by
a task a batch: a per-contact update has a batch a record, and a task's creation, scheduling
and done callbacks cost about as much again as handing work to a waiting worker (issue 15).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from cxone_outbound.client import errors
from cxone_outbound.engine.accounting import Ledger
from cxone_outbound.engine.job import Deferred, Job, RunContext
from cxone_outbound.engine.journal import Entry, Journal
from cxone_outbound.engine.records import Batch, Item, Outcome, Record
from cxone_outbound.engine.runner.outcomes import fail_all

_RETRYABLE_ERRORS = (errors.ServerError, errors.TransportError, errors.RateLimited)
# NotFound escapes a job's send only for what the whole command targets (its list, campaign):
# a job turns a 404 for one record into an outcome itself. Every other batch would fail alike.
_FATAL_ERRORS = (
    errors.AuthError, errors.PermissionDenied, errors.ConfigurationError, errors.SchemaDrift,
    errors.NotFound,
)


class Sender:
    """Claims and sends the batches of one run (the runner's half that talks to the job)."""

    def __init__(
        self,
        job: Job,
        journal: Journal,
        run_id: str,
        ledger: Ledger,
        *,
        dry_run: bool,
        stopping: Callable[[], bool],
        on_fatal: Callable[[BaseException], None],
        on_outcomes: Callable[[Batch, Sequence[Outcome]], None],
        on_settled: Callable[[Record, Outcome], None],
        log: Callable[[str], None],
    ) -> None:
        self.job = job
        self.journal = journal
        self.run_id = run_id
        self.ledger = ledger
        self.dry_run = dry_run
        self._stopping = stopping
        self._on_fatal = on_fatal
        self._on_outcomes = on_outcomes
        self._on_settled = on_settled  # an outcome given without sending (a dry run's)
        self._log = log
        self.slots = asyncio.Semaphore(job.concurrency)  # batches started and not ended
        self._work: asyncio.Queue[tuple[Batch, RunContext, bool] | None] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._error: Exception | None = None  # the first a batch's handling raised
        self.planned_records = 0  # a dry run's
        self.planned_batches = 0

    async def drain(self) -> None:
        """Wait for every batch in flight; the workers end (a later batch starts new ones)."""
        while self._workers:
            workers, self._workers = self._workers, []
            for _ in workers:  # after every batch queued before it
                self._work.put_nowait(None)
            await asyncio.gather(*workers)
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def _worker(self) -> None:
        """Send batches until told to end. An error escaping a batch (e.g. the journal's) does
        not end the worker, whose slot would then be lost: it is raised by `drain`, after every
        batch started has ended (as a task of its own would have raised it there)."""
        while (work := await self._work.get()) is not None:
            try:
                await self.run_batch(*work)
            except Exception as exc:
                self._error = self._error or exc

    def new_batch(self, items: list[Item]) -> Batch:
        if self.dry_run:  # nothing is journaled or sent: no id to derive
            return Batch("", items)
        return Batch(self.job.batch_id(items, 1), items)

    async def dispatch_claimed(
        self,
        batches: list[Batch],
        prior: Mapping[str, Entry],
        ctx: RunContext,
    ) -> None:
        """Claim new batches in one transaction (one commit a group, not one a record), then
        send each as a slot frees; on a stop meanwhile, the unsent are unclaimed (journaled
        as they were before), so a stopped run leaves nothing in flight it did not send."""
        if self._stopping():
            self.ledger.not_sent += sum(len(b.items) for b in batches)
            return
        if not batches:
            return
        if self.dry_run:
            for batch in batches:
                await self.dispatch(batch, ctx)
            return
        self.journal.claim(self.run_id, batches)
        for n, batch in enumerate(batches):
            await self.slots.acquire()
            if self._stopping():
                self.slots.release()
                self.journal.unclaim(self.run_id, batches[n:], prior)
                self.ledger.not_sent += sum(len(b.items) for b in batches[n:])
                return
            self.start(batch, ctx, reconcile=False)

    def start(
        self, batch: Batch, ctx: RunContext, *, reconcile: bool
    ) -> None:
        """Hand a batch whose slot is taken to a worker (one is idle: workers are as many as
        slots, and a worker releases its slot only as it finishes a batch)."""
        self._work.put_nowait((batch, ctx, reconcile))
        if len(self._workers) < self.job.concurrency:
            self._workers.append(asyncio.create_task(self._worker()))

    async def dispatch(
        self, batch: Batch, ctx: RunContext, *, reconcile: bool = False
    ) -> None:
        await self.slots.acquire()
        if self._stopping():
            self.slots.release()
            self.ledger.not_sent += len(batch.items)
            return
        if self.dry_run:
            settled = self._settle_dry(batch, ctx)
            if len(settled) < len(batch.items):
                self.planned_batches += 1
                self.planned_records += len(batch.items) - len(settled)
            self.slots.release()
            return
        if not reconcile:
            self.journal.claim(self.run_id, [batch])
        self.start(batch, ctx, reconcile=reconcile)

    def _settle_dry(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """A dry run's outcomes the job can give without sending (a screened-out record is
        skipped whether or not the run is real): recorded, and not counted as would-send."""
        settle = getattr(self.job, "settle_dry_run", None)
        if settle is None:
            return ()
        settled: Sequence[Outcome] = settle(batch, ctx)
        records = {item.key: item.record for item in batch.items}
        for outcome in settled:
            self._on_settled(records[outcome.key], outcome)
        return settled

    async def run_batch(
        self, batch: Batch, ctx: RunContext, reconcile: bool
    ) -> None:
        try:
            outcomes = None
            if reconcile:
                outcomes = await self.job.reconcile(batch, ctx)
                if outcomes is None:
                    self.journal.claim(self.run_id, [batch])
            if outcomes is None:
                outcomes = await self.job.send(batch, ctx)
        except Deferred:
            self.ledger.in_flight += len(batch.items)
            return
        except _FATAL_ERRORS as exc:
            self._on_fatal(exc)
            outcomes = fail_all(batch, exc, retryable=True)
        except errors.CXoneError as exc:
            outcomes = fail_all(batch, exc, retryable=isinstance(exc, _RETRYABLE_ERRORS))
        except Exception as exc:  # a bug in a job must not lose the records: fail them, go on
            self._log(f"internal error in batch {batch.id}: {exc!r}")
            outcomes = fail_all(batch, exc, retryable=True)
        finally:
            self.slots.release()
        # One batch's outcomes are committed together: a batch is never found half-ended on
        # resume, so `reconcile` always gets back the whole batch the server answered about.
        self._on_outcomes(batch, outcomes)

