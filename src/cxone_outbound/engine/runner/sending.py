"""Sending batches: claimed in the journal first, `concurrency` in flight, reconciled on resume;
a batch that raises fails its records (retryable or not by the error), never the run, unless
the error is fatal (auth, a missing list): then the run stops.

Batches are sent by `concurrency` long-lived workers taking them from a queue, not by a task a
batch, and the run loop waits for room a claim group at a time, not a batch at a time: a
per-contact update has a batch a record, and a task's creation and callbacks, and a wake-up of
the run loop for each record, cost about as much again as the record's own work (issue 15).

Two batches writing one thing (two rows of one contact, `Job.writes`) are not sent at once: the
later waits for the earlier to end, so the file's later row is the one that stays whatever the
network's timing. It cannot wait forever: the queue is first in, first out, so what it waits
for was taken by a worker before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class _Work:
    """A batch queued for a worker, with the ends of the batches it waits for (they write
    something it writes) and its own end, made when a later batch waits for it."""

    batch: Batch
    ctx: RunContext
    reconcile: bool
    targets: Collection[str] = ()
    after: list[asyncio.Future[None]] = field(default_factory=list)
    ended: asyncio.Future[None] | None = None


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
        # batches waiting for a worker; None ends a worker
        self._work: asyncio.Queue[_Work | None] = asyncio.Queue()
        self._writes_of = getattr(self.job, "writes", None)
        self._writing: dict[str, _Work] = {}  # the last batch queued that writes each target
        self._workers: list[asyncio.Task[None]] = []
        self._room: asyncio.Future[None] | None = None  # the run loop waiting for room
        self._room_below = 0  # ...until fewer batches than this wait for a worker
        self._prior: dict[str, Entry] = {}  # journal entries of claimed records, to unclaim
        self._unsent: list[Batch] = []  # claimed, then left behind by a stop
        self._error: Exception | None = None  # the first a batch's handling raised
        self.planned_records = 0  # a dry run's
        self.planned_batches = 0

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
        """Claim new batches in one transaction (one commit a group, not one a record), queue
        them for the workers, and return once fewer than half of them wait (the next group is
        read and claimed while the rest are sent). A stop leaves the unsent ones unclaimed
        (journaled as they were before): a stopped run leaves nothing in flight it did not
        send."""
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
        self._prior.update(prior)
        for batch in batches:
            self._queue(batch, ctx, reconcile=False)
        await self._wait_for_room(len(batches) // 2)

    async def dispatch(
        self, batch: Batch, ctx: RunContext, *, reconcile: bool = False
    ) -> None:
        """Send one batch (a resumed run's in-flight one: `reconcile`) once a worker takes it."""
        if self._stopping():
            self.ledger.not_sent += len(batch.items)
            return
        if self.dry_run:
            settled = self._settle_dry(batch, ctx)
            if len(settled) < len(batch.items):
                self.planned_batches += 1
                self.planned_records += len(batch.items) - len(settled)
            return
        if not reconcile:
            self.journal.claim(self.run_id, [batch])
        self._queue(batch, ctx, reconcile=reconcile)
        await self._wait_for_room(1)

    def _queue(self, batch: Batch, ctx: RunContext, *, reconcile: bool) -> None:
        work = _Work(batch, ctx, reconcile)
        if self._writes_of is not None and (targets := self._writes_of(batch)):
            work.targets = targets
            writing = self._writing
            for target in targets:
                earlier = writing.get(target)
                if earlier is not None:
                    if earlier.ended is None:  # made only when a batch waits: most never do
                        earlier.ended = asyncio.get_running_loop().create_future()
                    if earlier.ended not in work.after:
                        work.after.append(earlier.ended)
                writing[target] = work
        self._work.put_nowait(work)
        if len(self._workers) < self.job.concurrency:
            self._workers.append(asyncio.create_task(self._worker()))

    async def _wait_for_room(self, below: int) -> None:
        """Wait until fewer than `below` batches wait for a worker (0: until none does)."""
        while self._work.qsize() > max(below - 1, 0) and self._workers:
            self._room_below = max(below, 1)
            self._room = asyncio.get_running_loop().create_future()
            await self._room

    async def drain(self) -> None:
        """Wait for every batch queued to end; the workers end (a later batch starts new
        ones). Batches a stop left unsent are unclaimed here, in one transaction."""
        while self._workers:
            workers, self._workers = self._workers, []
            for _ in workers:  # each after every batch queued before it
                self._work.put_nowait(None)
            await asyncio.gather(*workers)
        if self._unsent:
            unsent, self._unsent = self._unsent, []
            self.journal.unclaim(self.run_id, unsent, self._prior)
            self.ledger.not_sent += sum(len(b.items) for b in unsent)
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def _worker(self) -> None:
        """Send batches until told to end (a None). An error escaping a batch (e.g. the
        journal's) does not end the worker: it is raised by `drain`, once every batch queued
        has ended (as a task of its own would have raised it there)."""
        while (work := await self._work.get()) is not None:
            room = self._room
            if room is not None and self._work.qsize() < self._room_below:
                self._room = None
                if not room.done():
                    room.set_result(None)
            try:
                for earlier in work.after:
                    await earlier
                await self._run_work(work)
            finally:
                self._ended(work)

    async def _run_work(self, work: _Work) -> None:
        batch, ctx, reconcile = work.batch, work.ctx, work.reconcile
        if self._stopping():  # not sent: a new batch is unclaimed, an in-flight one stays
            if reconcile:
                self.ledger.not_sent += len(batch.items)
            else:
                self._unsent.append(batch)
            return
        try:
            await self.run_batch(batch, ctx, reconcile)
        except Exception as exc:
            self._error = self._error or exc

    def _ended(self, work: _Work) -> None:
        """Let the batches waiting for this one go; forget what no later batch writes."""
        if work.ended is not None:
            work.ended.set_result(None)
        writing = self._writing
        for target in work.targets:
            if writing.get(target) is work:
                del writing[target]

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
        # One batch's outcomes are committed together: a batch is never found half-ended on
        # resume, so `reconcile` always gets back the whole batch the server answered about.
        self._on_outcomes(batch, outcomes)

