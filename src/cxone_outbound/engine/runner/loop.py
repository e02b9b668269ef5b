"""The run loop every job shares: stream, prepare, settle, batch, claim, send, journal, report.

One pass over the source. On resume each window of records is looked up in the journal: what
ended is not sent again, what was in-flight is handed to `Job.reconcile`, the rest is sent.
Outcomes are buffered and committed together with the result files, so the files never claim
what the journal does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.clock import Clock, SystemClock
from cxone_outbound.client.events import RequestEvent, RequestObserver
from cxone_outbound.engine import journal as journal_mod
from cxone_outbound.engine.accounting import AccountingMismatch, Ledger, Removals
from cxone_outbound.engine.audit import AuditLog
from cxone_outbound.engine.job import Job, RunContext, Source
from cxone_outbound.engine.journal import Entry, Journal, RunInfo
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.progress import Reporter, SilentReporter
from cxone_outbound.engine.records import (
    TERMINAL_STATES,
    Batch,
    Item,
    Outcome,
    Record,
    RecordError,
    State,
)
from cxone_outbound.engine.results import ResultFiles, SafeCsvWriter, merge_sessions
from cxone_outbound.engine.runlock import RunLock
from cxone_outbound.engine.runner.outcomes import PendingOutcomes, settle_as_read
from cxone_outbound.engine.runner.resends import Resends
from cxone_outbound.engine.runner.runs import (
    DRY_RUN,
    RunConfig,
    RunSummary,
    ending_status,
    job_sections,
    journal_path,
    open_run,
    run_dir_for,
)
from cxone_outbound.engine.runner.sending import Sender
from cxone_outbound.engine.sources.tabular import SourceBroken
from cxone_outbound.private_files import write_private

ClientFactory = Callable[[RequestObserver], AbstractAsyncContextManager[Any]]
"""Builds the API client of a run, given the observer that feeds audit and metrics."""

def _windows(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while window := list(itertools.islice(iterator, size)):
        yield window


def _removals_of(job: Job) -> Removals | None:
    """A job's accounting of the list records it removes (`import --mirror`), if it keeps one."""
    report = getattr(job, "removals", None)
    found = report() if callable(report) else None
    return found if isinstance(found, Removals) else None


@contextlib.asynccontextmanager
async def _no_client(observer: RequestObserver) -> AsyncIterator[None]:
    yield None


class Runner:
    """Runs one job over one source, once. Create, then `await run()`."""

    def __init__(
        self,
        job: Job,
        source: Source,
        config: RunConfig,
        *,
        client_factory: ClientFactory | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        self.job = job
        self.source = source
        self.config = config
        self.client_factory = client_factory
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.reporter = reporter or SilentReporter()
        self.metrics = RunMetrics()
        self.journal = Journal(journal_path(config.state_dir))
        self.info: RunInfo | None = None
        self.session = 1  # how many processes this run has had, this one included
        self.stop_requested = False
        self._fatal: BaseException | None = None
        self._outcomes = PendingOutcomes()
        self._last_flush = 0.0
        self._results: ResultFiles | None = None
        self._audit: AuditLog | None = None
        self._outputs: dict[str, SafeCsvWriter] = {}  # the job's own CSV files, by name
        self._sender: Sender | None = None
        self._lock: RunLock | None = None
        self._broken: SourceBroken | None = None  # the source's error, if it broke mid-read
        self.ledger = Ledger()  # where each record read went (engine/accounting.py)

    # control, callable from signal handlers

    def request_stop(self) -> None:
        """Stop taking new work; in-flight batches finish (or are deferred) and are journaled."""
        if not self.stop_requested:
            self.stop_requested = True
            self.reporter.message("stopping: finishing in-flight work (Ctrl-C again to quit now)")

    def flush_now(self) -> None:
        """Commit buffered outcomes now (the second Ctrl-C calls it before exiting)."""
        self._flush()

    # the run

    def _take_lock(self, run_id: str) -> None:
        """One process per run, before anything is changed or sent (raises `RunLocked`)."""
        lock = RunLock(run_dir_for(self.config.state_dir, run_id))
        stale = lock.acquire()
        if stale is not None:
            self.reporter.message(f"took over the lock left by {stale.describe()}: it ended")
        self._lock = lock

    async def run(self) -> RunSummary:
        try:
            run, resumed, session = open_run(
                self.journal, self.job, self.source, self.config, self._take_lock
            )
            self.session = session
        except BaseException:
            self.journal.close()
            if self._lock is not None:
                self._lock.release()
            raise
        self.info = run
        run_dir = run_dir_for(self.config.state_dir, run.id)
        self._results = ResultFiles(
            run_dir,
            self.source.header,
            self.session,
            succeeded_rows=bool(getattr(self.job, "succeeded_rows", True)),
        )
        self._audit = AuditLog(run_dir / "audit.jsonl")
        self._audit.write(
            {
                "type": "run",
                "event": "resumed" if resumed else "started",
                "run_id": run.id,
                "job": self.job.name,
                "input": run.input_path,
            }
        )
        started = self.clock.monotonic()
        self._last_flush = started
        factory = _no_client if self.config.dry_run else self.client_factory
        if factory is None:
            raise ValueError("a client_factory is needed unless dry_run")
        ctx = RunContext(
            run_id=run.id,
            run_dir=run_dir,
            client=None,
            clock=self.clock,
            rng=self.rng,
            metrics=self.metrics,
            dry_run=self.config.dry_run,
            resumed=resumed,
            _remote_id_writer=self._write_remote_id,
            _audit_writer=self._audit.write,
            _logger=self.reporter.message,
            _stop_requested=lambda: self.stop_requested,
            _csv_opener=lambda name, header: self._csv_output(run_dir, name, header),
        )
        self.reporter.start(f"{self.job.name} {run.id}")
        progress = asyncio.create_task(self._report_progress(started))
        try:
            async with factory(self._observe) as client:
                ctx.client = client
                await self.job.start(ctx)
                await self._execute(ctx, resumed)
                if not self.stop_requested:
                    await self.job.finish(ctx)
        except (errors.CXoneError, OSError) as exc:
            # e.g. the token endpoint refused us while opening the client
            self._fatal = self._fatal or exc
        finally:
            progress.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await progress
            self._flush()
            sections = job_sections(self.job, ctx, self.reporter.message)
            self.reporter.update(self.metrics, self.source.progress(), self._elapsed(started))
            self.reporter.stop()
        return self._close_run(run, run_dir, started, sections)

    def _csv_output(self, run_dir: Path, name: str, header: Sequence[str]) -> SafeCsvWriter:
        if name not in self._outputs:
            self._outputs[name] = SafeCsvWriter(run_dir / name, header)
        return self._outputs[name]

    def _elapsed(self, started: float) -> float:
        return max(0.0, self.clock.monotonic() - started)

    def _close_run(
        self, run: RunInfo, run_dir: Path, started: float, sections: dict[str, Any]
    ) -> RunSummary:
        elapsed = self._elapsed(started)
        assert self._audit is not None and self._results is not None
        self._results.close()
        for output in self._outputs.values():
            output.close()
        if not self.config.dry_run:  # before the status: a run is complete once its files are
            merge_sessions(run_dir, lambda lines: self.journal.states_by_line(run.id, lines))
        counts = self.journal.counts(run.id)
        status = ending_status(
            dry_run=self.config.dry_run,
            failed=self._fatal is not None,
            stopped=self.stop_requested,
            in_flight=counts.get(str(State.IN_FLIGHT), 0),
        )
        if self.config.dry_run:
            counts = {str(State.FAILED): self.metrics.failed}
            if skipped := self.metrics.outcomes[str(State.SKIPPED)]:
                counts[str(State.SKIPPED)] = skipped
        planned_records = self._sender.planned_records if self._sender else 0
        planned_batches = self._sender.planned_batches if self._sender else 0
        self.ledger.planned = planned_records
        accounting = self.ledger.close(
            self.metrics.outcomes, counts if status == journal_mod.COMPLETED else None
        )
        if isinstance(self._fatal, SourceBroken):
            accounting = replace(accounting, input_complete=False)
        removals = _removals_of(self.job)
        if removals is not None:  # list records a job removed: not input lines, checked apart
            accounting = accounting.with_removals(removals)
        if not accounting.balanced:  # never a quiet summary that adds up to less than the input
            self.reporter.message("ACCOUNTING MISMATCH: " + "; ".join(accounting.problems))
            self._fatal = self._fatal or AccountingMismatch("; ".join(accounting.problems))
            status = journal_mod.FAILED if status != DRY_RUN else status
        metrics = self.metrics.as_dict(elapsed)
        planned = (
            {"records": planned_records, "batches": planned_batches}
            if self.config.dry_run
            else {}
        )
        summary = RunSummary(
            run_id=run.id,
            job=run.job,
            status=status,
            run_dir=run_dir,
            input=run.input_path,
            counts=counts,
            metrics=metrics,
            planned=planned,
            fatal_error=str(self._fatal) if self._fatal else None,
            fatal_exception=self._fatal,
            sections=sections,
            accounting=accounting,
        )
        document = json.dumps(summary.as_dict(), indent=2, default=str) + "\n"
        write_private(run_dir / "summary.json", document)
        self.journal.set_status(
            run.id, status, counts={**counts, "last": metrics}, ended_at=time.time()
        )
        self._audit.write({"type": "run", "event": status, "run_id": run.id, "counts": counts})
        self._audit.close()
        self.journal.close()
        if self._lock is not None:
            self._lock.release()
        return summary

    async def _report_progress(self, started: float) -> None:
        while True:
            interval = min(self.reporter.interval_s, self.config.flush_interval_s)
            await asyncio.sleep(interval)
            self._maybe_flush()
            if self.reporter.interval_s != float("inf"):
                now = self.clock.monotonic()
                if now - getattr(self, "_last_report", 0.0) >= self.reporter.interval_s:
                    self._last_report = now
                    self.reporter.update(self.metrics, self.source.progress(), now - started)

    # the loop

    async def _execute(self, ctx: RunContext, resumed: bool) -> None:
        assert self.info is not None
        run_id = self.info.id
        plan = self.journal.in_flight_batches(run_id) if resumed else {}
        batch_of = {key: batch_id for batch_id, (_, keys) in plan.items() for key in keys}
        buckets: dict[str, dict[str, Item]] = {}
        current: list[Item] = []
        ready: list[Batch] = []  # new batches, claimed together (one transaction) when full
        prior: dict[str, Entry] = {}  # the journal's entries of their records, to unclaim
        group = max(1, self.config.claim_records // max(1, self.job.batch_size))
        sender = self._sender = Sender(
            self.job,
            self.journal,
            run_id,
            self.ledger,
            dry_run=self.config.dry_run,
            stopping=lambda: self.stop_requested,
            on_fatal=self._on_fatal,
            on_outcomes=self._on_outcomes,
            on_settled=self._record,
            log=self.reporter.message,
        )
        settle_read = getattr(self.job, "settle_read", None)
        resends = Resends(self.job, tracking=resumed)
        for window in _windows(self._until_broken(), self.config.window):
            if self.stop_requested:
                break
            entries = self.journal.lookup(run_id, window) if resumed else {}
            if settle_read is not None:  # ended as read, in bulk: the rest goes one by one
                window = settle_as_read(settle_read, window, entries, self._outcomes, self.ledger)
                if len(self._outcomes) >= self.config.flush_records:
                    self._flush()
            for record in window:
                if self.stop_requested:
                    break
                self.ledger.read += 1
                entry = entries.get(record.key)
                if (
                    entry is not None
                    and entry.state in TERMINAL_STATES
                    and not (entry.state is State.FAILED and entry.retryable)
                    and not resends.again(record)
                ):
                    self.metrics.previously_done += 1
                    self.ledger.done_before[str(entry.state)] += 1
                    continue
                if record.error is not None:
                    self._record(record, Outcome(record.key, State.FAILED, record.error, None, 0))
                    continue
                prepared = self.job.prepare(record)
                if isinstance(prepared, RecordError):
                    self._record(record, Outcome(record.key, State.FAILED, prepared, None, 0))
                    continue
                settled = self.job.settle(prepared)  # also an in-flight one: its values may hold
                if settled is not None:
                    self._record(record, settled)
                    continue
                if entry is not None and entry.state is State.IN_FLIGHT and record.key in batch_of:
                    resends.sent(prepared)
                    batch_id = batch_of[record.key]
                    bucket = buckets.setdefault(batch_id, {})
                    bucket[record.key] = prepared
                    if len(bucket) == len(plan[batch_id][1]):
                        del buckets[batch_id]
                        batch = Batch(batch_id, list(bucket.values()), plan[batch_id][0])
                        await sender.dispatch(batch, ctx, reconcile=True)
                    continue
                current.append(prepared)
                resends.sent(prepared)
                if entry is not None:
                    prior[record.key] = entry
                if len(current) >= self.job.batch_size:
                    ready.append(sender.new_batch(current))
                    current = []
                    if len(ready) >= group:
                        await sender.dispatch_claimed(ready, prior, ctx)
                        ready, prior = [], {}
            self._maybe_flush()
            await asyncio.sleep(0)
        if self._broken is not None:  # nothing more starts; `finish` is skipped (--mirror must
            self._on_fatal(self._broken)  # not remove what the source did not get to say)
        if not self.stop_requested:
            if current:
                ready.append(sender.new_batch(current))
            await sender.dispatch_claimed(ready, prior, ctx)
            for batch_id, bucket in buckets.items():  # part of a batch is no longer sendable
                batch = Batch(batch_id, list(bucket.values()), plan[batch_id][0])
                await sender.dispatch(batch, ctx, reconcile=True)
        else:  # read, then left behind by the stop
            self.ledger.not_sent += (
                len(current) + sum(len(b) for b in buckets.values())
                + sum(len(b.items) for b in ready)
            )
        await sender.drain()

    def _until_broken(self) -> Iterator[Record]:
        """The source's records, ending where it breaks: what it read is sent and accounted for,
        in-flight batches are answered, and the error ends the run (`_broken`)."""
        try:
            yield from self.source
        except SourceBroken as exc:
            self._broken = exc

    # outcomes, journal, files

    def _on_fatal(self, exc: BaseException) -> None:
        self._fatal = self._fatal or exc
        self.request_stop()

    def _on_outcomes(self, batch: Batch, outcomes: Sequence[Outcome]) -> None:
        # One batch's outcomes are committed together: a batch is never found half-ended on
        # resume, so `reconcile` always gets back the whole batch the server answered about.
        self._outcomes.add_batch(batch, outcomes)
        if len(self._outcomes) >= self.config.flush_records:
            self._flush()

    def _observe(self, event: RequestEvent) -> None:
        self.metrics.on_request(event)
        if self._audit is not None:
            self._audit.request(event)

    def _write_remote_id(self, batch: Batch, remote_id: str) -> None:
        assert self.info is not None
        self.journal.set_remote_id(self.info.id, batch, remote_id)

    def _record(self, record: Record, outcome: Outcome) -> None:
        """An outcome decided before any claim (the record was never sent)."""
        self._outcomes.add_unsent(record, outcome)
        if len(self._outcomes) >= self.config.flush_records:
            self._flush()

    def _maybe_flush(self) -> None:
        if self.clock.monotonic() - self._last_flush >= self.config.flush_interval_s:
            self._flush()

    def _flush(self) -> None:
        self._last_flush = self.clock.monotonic()
        for output in self._outputs.values():  # before the outcomes they explain are committed
            output.flush()
        if self.info is None or self._results is None or self._audit is None:
            return
        self._outcomes.commit(
            None if self.config.dry_run else self.journal,
            self.info.id,
            self.session,
            self._results,
            self._audit,
            self.metrics,
        )
