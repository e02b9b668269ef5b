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
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.clock import Clock, SystemClock
from cxone_outbound.client.events import RequestEvent, RequestObserver
from cxone_outbound.engine import journal as journal_mod
from cxone_outbound.engine.accounting import Accounting, AccountingMismatch, Ledger, Removals
from cxone_outbound.engine.audit import AuditLog
from cxone_outbound.engine.job import Deferred, Job, RunContext, Source
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
from cxone_outbound.engine.results import (
    ALWAYS_WRITTEN,
    RESULT_FILES,
    ResultFiles,
    SafeCsvWriter,
    merge_sessions,
)
from cxone_outbound.engine.runlock import RunLock
from cxone_outbound.private_files import write_private

ClientFactory = Callable[[RequestObserver], AbstractAsyncContextManager[Any]]
"""Builds the API client of a run, given the observer that feeds audit and metrics."""

DRY_RUN = journal_mod.DRY_RUN
_RETRYABLE_ERRORS = (errors.ServerError, errors.TransportError, errors.RateLimited)
# NotFound escapes a job's send only for what the whole command targets (its list, campaign):
# a job turns a 404 for one record into an outcome itself. Every other batch would fail alike.
_FATAL_ERRORS = (
    errors.AuthError, errors.PermissionDenied, errors.ConfigurationError, errors.SchemaDrift,
    errors.NotFound,
)


class ResumeError(Exception):
    """A resume that cannot be honoured (unknown run, other job, changed input): usage error."""


def new_run_id() -> str:
    """A sortable, readable run id: UTC time plus a random suffix."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def journal_path(state_dir: Path) -> Path:
    return state_dir / "journal.sqlite3"


def run_dir_for(state_dir: Path, run_id: str) -> Path:
    return state_dir / "runs" / run_id


@dataclass(frozen=True)
class RunConfig:
    """How the engine runs a job (not what the job does)."""

    state_dir: Path
    resume: str | None = None  # a run id to continue
    dry_run: bool = False
    flush_interval_s: float = 0.25  # how stale the journal's outcomes may get
    flush_records: int = 2000
    window: int = 1000  # records read (and looked up in the journal) at a time
    claim_records: int = 64  # records claimed per journal transaction (whole batches, >= 1)


@dataclass(frozen=True)
class RunSummary:
    """How a run ended: status, journal totals (across resumes), this process's metrics."""

    run_id: str
    job: str
    status: str
    run_dir: Path
    input: str
    counts: dict[str, int]
    metrics: dict[str, Any]
    planned: dict[str, int] = field(default_factory=dict)
    fatal_error: str | None = None
    fatal_exception: BaseException | None = None
    sections: dict[str, Any] = field(default_factory=dict)  # the job's, by `Job.summary_extra`
    accounting: Accounting | None = None  # records read = every outcome state's (+ ...)

    @property
    def resumable(self) -> bool:
        return self.status in (journal_mod.INTERRUPTED, journal_mod.FAILED)

    def as_dict(self) -> dict[str, Any]:
        """The document of summary.json and `--json`: the engine's keys, then the job's sections."""
        return {**self._engine_dict(), **self.sections}

    def _engine_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "status": self.status,
            "input": self.input,
            "run_dir": str(self.run_dir),
            "counts": self.counts,
            "metrics": self.metrics,
            "planned": self.planned,
            "fatal_error": self.fatal_error,
            "accounting": self.accounting.as_dict() if self.accounting else None,
            "files": {
                name: str(self.run_dir / name)
                for name in ("succeeded.csv", "failed.csv", *self._other_result_files(),
                             "audit.jsonl", "summary.json")
            },
        }

    def _other_result_files(self) -> list[str]:
        """The result files beyond succeeded.csv and failed.csv that some record is in."""
        return [name for state, name in RESULT_FILES.items()
                if state not in ALWAYS_WRITTEN and self.counts.get(str(state))]


ENGINE_KEYS = frozenset(RunSummary("", "", "", Path(), "", {}, {})._engine_dict())
"""The top-level keys of summary.json that are the engine's; a job's sections use other names."""


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
        self._pending: list[tuple[Record, Outcome]] = []
        self._last_flush = 0.0
        self._results: ResultFiles | None = None
        self._audit: AuditLog | None = None
        self._outputs: dict[str, SafeCsvWriter] = {}  # the job's own CSV files, by name
        self._tasks: set[asyncio.Task[None]] = set()
        self._planned_records = 0
        self._planned_batches = 0
        self._lock: RunLock | None = None
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

    def _open_run(self) -> tuple[RunInfo, bool]:
        fingerprint = self.source.fingerprint()
        if self.config.resume:
            run = self.journal.get_run(self.config.resume)
            if run is None:
                raise ResumeError(f"no run {self.config.resume!r} in {self.config.state_dir}")
            if run.job != self.job.name:
                raise ResumeError(f"run {run.id} is a {run.job!r} run, not {self.job.name!r}")
            if run.input_hash != fingerprint:
                raise ResumeError(
                    f"the input changed since run {run.id} ({run.input_path}); cannot resume"
                )
            self._take_lock(run.id)
            self.journal.set_status(run.id, journal_mod.RUNNING)
            if not self.config.dry_run:
                self.session = self.journal.open_session(run.id)
            return run, True
        run_id = new_run_id()
        self._take_lock(run_id)  # before the run is journaled: a `--resume auto` may find it
        status_options = {**self.job.options(), "dry_run": self.config.dry_run}
        run = self.journal.create_run(
            run_id,
            self.job.name,
            fingerprint,
            self.source.description,
            status_options,
            time.time(),
        )
        return run, False

    def _take_lock(self, run_id: str) -> None:
        """One process per run, before anything is changed or sent (raises `RunLocked`)."""
        lock = RunLock(run_dir_for(self.config.state_dir, run_id))
        stale = lock.acquire()
        if stale is not None:
            self.reporter.message(f"took over the lock left by {stale.describe()}: it ended")
        self._lock = lock

    async def run(self) -> RunSummary:
        try:
            run, resumed = self._open_run()
        except BaseException:
            self.journal.close()
            if self._lock is not None:
                self._lock.release()
            raise
        self.info = run
        run_dir = run_dir_for(self.config.state_dir, run.id)
        self._results = ResultFiles(run_dir, self.source.header, self.session)
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
            sections = self._job_sections(ctx)
            self.reporter.update(self.metrics, self.source.progress(), self._elapsed(started))
            self.reporter.stop()
        return self._close_run(run, run_dir, started, sections)

    def _csv_output(self, run_dir: Path, name: str, header: Sequence[str]) -> SafeCsvWriter:
        if name not in self._outputs:
            self._outputs[name] = SafeCsvWriter(run_dir / name, header)
        return self._outputs[name]

    def _elapsed(self, started: float) -> float:
        return max(0.0, self.clock.monotonic() - started)

    def _job_sections(self, ctx: RunContext) -> dict[str, Any]:
        """The job's summary sections; a failing or clashing one is reported, never fatal."""
        try:
            extra = dict(self.job.summary_extra(ctx))
        except Exception as exc:  # a bug in a job's report must not lose the run's summary
            self.reporter.message(f"internal error in the job's summary: {exc!r}")
            return {}
        # admin: how many row outcomes were read back from the list (an upload job gives none)
        verified = getattr(ctx.client, "verified", 0)
        if isinstance(verified, int) and verified > 0 and "verification" not in extra:
            extra["verification"] = {"outcomesVerified": verified,
                                     "how": "each uploaded row read back from the list"}
        for name in sorted(ENGINE_KEYS.intersection(extra)):
            self.reporter.message(f"the job's summary section {name!r} is an engine key: left out")
            del extra[name]
        return extra

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
        if self.config.dry_run:
            status = DRY_RUN
        elif self._fatal is not None:
            status = journal_mod.FAILED
        elif self.stop_requested:
            status = journal_mod.INTERRUPTED
        else:
            status = journal_mod.COMPLETED
        counts = self.journal.counts(run.id)
        if status == journal_mod.COMPLETED and counts.get(str(State.IN_FLIGHT)):
            status = journal_mod.INTERRUPTED  # deferred batches: a resume finishes them
        if self.config.dry_run:
            counts = {str(State.FAILED): self.metrics.failed}
            if skipped := self.metrics.outcomes[str(State.SKIPPED)]:
                counts[str(State.SKIPPED)] = skipped
        self.ledger.planned = self._planned_records
        accounting = self.ledger.close(
            self.metrics.outcomes, counts if status == journal_mod.COMPLETED else None
        )
        removals = _removals_of(self.job)
        if removals is not None:  # list records a job removed: not input lines, checked apart
            accounting = accounting.with_removals(removals)
        if not accounting.balanced:  # never a quiet summary that adds up to less than the input
            self.reporter.message("ACCOUNTING MISMATCH: " + "; ".join(accounting.problems))
            self._fatal = self._fatal or AccountingMismatch("; ".join(accounting.problems))
            status = journal_mod.FAILED if status != DRY_RUN else status
        metrics = self.metrics.as_dict(elapsed)
        planned = (
            {"records": self._planned_records, "batches": self._planned_batches}
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
        slots = asyncio.Semaphore(self.job.concurrency)
        for window in _windows(self.source, self.config.window):
            if self.stop_requested:
                break
            entries = self.journal.lookup(run_id, [r.key for r in window]) if resumed else {}
            for record in window:
                if self.stop_requested:
                    break
                self.ledger.read += 1
                entry = entries.get(record.key)
                if (
                    entry is not None
                    and entry.state in TERMINAL_STATES
                    and not (entry.state is State.FAILED and entry.retryable)
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
                    batch_id = batch_of[record.key]
                    bucket = buckets.setdefault(batch_id, {})
                    bucket[record.key] = prepared
                    if len(bucket) == len(plan[batch_id][1]):
                        del buckets[batch_id]
                        batch = Batch(batch_id, list(bucket.values()), plan[batch_id][0])
                        await self._dispatch(batch, ctx, slots, reconcile=True)
                    continue
                current.append(prepared)
                if entry is not None:
                    prior[record.key] = entry
                if len(current) >= self.job.batch_size:
                    ready.append(self._new_batch(current))
                    current = []
                    if len(ready) >= group:
                        await self._dispatch_claimed(ready, prior, ctx, slots)
                        ready, prior = [], {}
            self._maybe_flush()
            await asyncio.sleep(0)
        if not self.stop_requested:
            if current:
                ready.append(self._new_batch(current))
            await self._dispatch_claimed(ready, prior, ctx, slots)
            for batch_id, bucket in buckets.items():  # part of a batch is no longer sendable
                batch = Batch(batch_id, list(bucket.values()), plan[batch_id][0])
                await self._dispatch(batch, ctx, slots, reconcile=True)
        else:  # read, then left behind by the stop
            self.ledger.not_sent += (
                len(current) + sum(len(b) for b in buckets.values())
                + sum(len(b.items) for b in ready)
            )
        while self._tasks:
            await asyncio.gather(*list(self._tasks))

    def _new_batch(self, items: list[Item]) -> Batch:
        if self.config.dry_run:  # nothing is journaled or sent: no id to derive
            return Batch("", items)
        return Batch(self.job.batch_id(items, 1), items)

    async def _dispatch_claimed(
        self,
        batches: list[Batch],
        prior: Mapping[str, Entry],
        ctx: RunContext,
        slots: asyncio.Semaphore,
    ) -> None:
        """Claim new batches in one transaction (one commit a group, not one a record), then
        send each as a slot frees; on a stop meanwhile, the unsent are unclaimed (journaled
        as they were before), so a stopped run leaves nothing in flight it did not send."""
        if self.stop_requested:
            self.ledger.not_sent += sum(len(b.items) for b in batches)
            return
        if not batches:
            return
        if self.config.dry_run:
            for batch in batches:
                await self._dispatch(batch, ctx, slots)
            return
        assert self.info is not None
        self.journal.claim(self.info.id, batches)
        for n, batch in enumerate(batches):
            await slots.acquire()
            if self.stop_requested:
                slots.release()
                self.journal.unclaim(self.info.id, batches[n:], prior)
                self.ledger.not_sent += sum(len(b.items) for b in batches[n:])
                return
            self._start(batch, ctx, slots, reconcile=False)

    def _start(
        self, batch: Batch, ctx: RunContext, slots: asyncio.Semaphore, *, reconcile: bool
    ) -> None:
        task = asyncio.create_task(self._run_batch(batch, ctx, slots, reconcile))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(
        self, batch: Batch, ctx: RunContext, slots: asyncio.Semaphore, *, reconcile: bool = False
    ) -> None:
        await slots.acquire()
        if self.stop_requested:
            slots.release()
            self.ledger.not_sent += len(batch.items)
            return
        if self.config.dry_run:
            settled = self._settle_dry(batch, ctx)
            if len(settled) < len(batch.items):
                self._planned_batches += 1
                self._planned_records += len(batch.items) - len(settled)
            slots.release()
            return
        assert self.info is not None
        if not reconcile:
            self.journal.claim(self.info.id, [batch])
        self._start(batch, ctx, slots, reconcile=reconcile)

    def _settle_dry(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """A dry run's outcomes the job can give without sending (a screened-out record is
        skipped whether or not the run is real): recorded, and not counted as would-send."""
        settle = getattr(self.job, "settle_dry_run", None)
        if settle is None:
            return ()
        settled: Sequence[Outcome] = settle(batch, ctx)
        records = {item.key: item.record for item in batch.items}
        for outcome in settled:
            self._record(records[outcome.key], outcome)
        return settled

    async def _run_batch(
        self, batch: Batch, ctx: RunContext, slots: asyncio.Semaphore, reconcile: bool
    ) -> None:
        assert self.info is not None
        try:
            outcomes = None
            if reconcile:
                outcomes = await self.job.reconcile(batch, ctx)
                if outcomes is None:
                    self.journal.claim(self.info.id, [batch])
            if outcomes is None:
                outcomes = await self.job.send(batch, ctx)
        except Deferred:
            self.ledger.in_flight += len(batch.items)
            return
        except _FATAL_ERRORS as exc:
            self._fatal = self._fatal or exc
            self.request_stop()
            outcomes = self._fail_all(batch, exc, retryable=True)
        except errors.CXoneError as exc:
            outcomes = self._fail_all(batch, exc, retryable=isinstance(exc, _RETRYABLE_ERRORS))
        except Exception as exc:  # a bug in a job must not lose the records: fail them, go on
            self.reporter.message(f"internal error in batch {batch.id}: {exc!r}")
            outcomes = self._fail_all(batch, exc, retryable=True)
        finally:
            slots.release()
        by_key = {outcome.key: outcome for outcome in outcomes}
        # One batch's outcomes are committed together: a batch is never found half-ended on
        # resume, so `reconcile` always gets back the whole batch the server answered about.
        self._pending.extend(
            (
                item.record,
                by_key.get(item.key)
                or Outcome.failed(
                    item.key, "NO_OUTCOME", "the job returned no outcome", retryable=True
                ),
            )
            for item in batch.items
        )
        if len(self._pending) >= self.config.flush_records:
            self._flush()

    @staticmethod
    def _fail_all(batch: Batch, exc: BaseException, *, retryable: bool) -> list[Outcome]:
        if isinstance(exc, errors.CXoneError):
            code = exc.code or type(exc).__name__.upper()
            message, error_field = exc.message, exc.field
        else:
            code, message, error_field = "INTERNAL_ERROR", f"{type(exc).__name__}: {exc}", None
        return [
            Outcome.failed(
                item.key,
                code,
                message,
                field=error_field,
                retryable=retryable,
                remote_id=batch.remote_id,
            )
            for item in batch.items
        ]

    # outcomes, journal, files

    def _observe(self, event: RequestEvent) -> None:
        self.metrics.on_request(event)
        if self._audit is not None:
            self._audit.request(event)

    def _write_remote_id(self, batch: Batch, remote_id: str) -> None:
        assert self.info is not None
        self.journal.set_remote_id(self.info.id, batch, remote_id)

    def _record(self, record: Record, outcome: Outcome) -> None:
        self._pending.append((record, outcome))
        if len(self._pending) >= self.config.flush_records:
            self._flush()

    def _maybe_flush(self) -> None:
        if self.clock.monotonic() - self._last_flush >= self.config.flush_interval_s:
            self._flush()

    def _flush(self) -> None:
        self._last_flush = self.clock.monotonic()
        for output in self._outputs.values():  # before the outcomes they explain are committed
            output.flush()
        if not self._pending or self.info is None:
            return
        pending, self._pending = self._pending, []
        if self.config.dry_run:
            attempts = {record.key: 0 for record, _ in pending}
        else:
            attempts = self.journal.record_outcomes(self.info.id, pending, session=self.session)
        assert self._results is not None and self._audit is not None
        for record, outcome in pending:
            tries = max(attempts.get(record.key, 0), outcome.attempts)
            self._results.write(record, outcome, tries)
            self._audit.outcome(record, outcome, tries)
            self.metrics.on_outcome(outcome.state)
        self._results.flush()
        self._audit.flush()
