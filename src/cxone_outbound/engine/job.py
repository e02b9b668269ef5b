"""How a job plugs into the engine: a `Source` of records and a `Job` that prepares and sends them.

Everything else (streaming, batching, concurrency, journal, resume, results, audit, progress,
signals) is the engine's. See docs/engine.md.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import random
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from cxone_outbound.client.clock import Clock
from cxone_outbound.engine.accounting import Removals
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError
from cxone_outbound.engine.results import SafeCsvWriter


@runtime_checkable
class Source(Protocol):
    """Where records come from: a CSV file (`CsvSource`) or anything iterable like it."""

    header: list[str]  # column names written back in failed.csv / succeeded.csv

    @property
    def description(self) -> str: ...  # shown in `cxo runs`: a path, or e.g. "list 123"

    def fingerprint(self) -> str: ...  # same input -> same value: offers resume on re-run

    def progress(self) -> float | None: ...  # fraction done, or None when unknown

    def __iter__(self) -> Iterator[Record]: ...



class PassThroughSource:
    """A source seen through another: its header, description, fingerprint and progress are
    the inner source's (a resume offers itself on the same input); subclasses decide what
    `__iter__` does as the records pass (keep their keys, fetch ahead...)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.header = source.header

    @property
    def description(self) -> str:
        return self.source.description

    def fingerprint(self) -> str:
        return self.source.fingerprint()

    def progress(self) -> float | None:
        return self.source.progress()

    def __iter__(self) -> Iterator[Record]:
        return iter(self.source)

class Deferred(Exception):
    """Raised by `Job.send` to leave a batch in-flight (e.g. stopping while a job is polled).

    The batch stays journaled as in-flight with its remote id, and `Job.reconcile` finishes it
    on resume.
    """


class Job(Protocol):
    """A job: a name, a batch size, how many batches fly at once, and its steps.

    The engine also uses the parts of `JobExtras` when a job has them.
    """

    # read-only here (the engine never sets them), so a wrapper may answer them as properties
    @property
    def name(self) -> str: ...

    @property
    def batch_size(self) -> int: ...

    @property
    def concurrency(self) -> int: ...

    def options(self) -> Mapping[str, Any]:
        """The job's options, journaled with the run and shown by `cxo runs show`."""
        ...

    async def start(self, ctx: RunContext) -> None:
        """Called once, the client open, before the first record is read (e.g. to read what
        `settle` compares against)."""
        ...

    def prepare(self, record: Record) -> Item | RecordError:
        """Validate and transform one record (pure): the payload to send, or why not."""
        ...

    def settle(self, item: Item) -> Outcome | None:
        """The outcome of a prepared item that needs no request (e.g. `unchanged`: its values
        already hold), or None to send it. Called in input order, once per item a session."""
        ...

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        """The id journaled for a batch before sending (may be derived from its content)."""
        ...

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """Send a batch; return one outcome per item (or raise; see docs/engine.md)."""
        ...

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        """Finish a batch found in-flight on resume, or return None to have it sent again."""
        ...

    async def finish(self, ctx: RunContext) -> None:
        """Called once after the last outcome (e.g. to write an extra report)."""
        ...

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        """The job's own sections of the summary: name -> JSON-able data.

        Called once at the end of every run (completed, interrupted, failed or dry), after
        `finish`; each name becomes a top-level key of summary.json and of the `--json`
        document, and is printed with the summary. Names of the engine's keys are refused.
        """
        ...


class JobExtras(Protocol):
    """The optional parts of a job: the engine looks each up by name and uses it only when the
    job has it (`tests/engine/test_wrapping_job.py` checks that the engine asks for no other)."""

    # whether succeeded.csv repeats each record's row after `line, remote_id` (default True)
    succeeded_rows: bool

    def settle_dry_run(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        """The outcomes a dry run can give without sending (records a screen skips): recorded,
        and not counted as would-send."""
        ...

    def removals(self) -> Removals | None:
        """The accounting of the list records the job removed (`import --mirror`)."""
        ...

    def settle_read(self, records: Sequence[Record]) -> Sequence[tuple[int, str | None]]:
        """Records of a window just read that end `unchanged` with no `prepare` at all (index
        in `records`, remote id), decided together: the engine journals and writes them in
        bulk (`update --changed-only --against last-sync`'s early settling)."""
        ...

    def writes(self, batch: Batch) -> Collection[str]:
        """What the batch writes on the server (contact ids), where two records of a run can
        write the same thing: a batch is sent only once every batch queued before it that
        writes one of the same has ended, so the file's later row is the one that stays."""
        ...

    def targets_of(self, record: Record) -> Collection[str]:
        """What a record would write (as `writes` names it), from its row alone, without a
        `prepare` (whose counters must count a record once): a resume sends a record an
        earlier session ended again when it writes what the resume has sent since."""
        ...


_BATCH_PREFIX = uuid.uuid4().hex[:24]
_batch_counter = itertools.count()


def _reseed_batch_ids() -> None:
    global _BATCH_PREFIX, _batch_counter
    _BATCH_PREFIX = uuid.uuid4().hex[:24]
    _batch_counter = itertools.count()


os.register_at_fork(after_in_child=_reseed_batch_ids)  # a forked child must not repeat ids


class BaseJob:
    """Defaults for the optional parts of `Job`: random batch ids, every item sent, resend on
    resume, no extras."""

    name = "job"
    batch_size = 1
    concurrency = 16
    # whether succeeded.csv repeats each record's row after `line, remote_id`: a job whose
    # input file is what it sent (import) says no, so the file stays small (the row is the
    # input's line of that number)
    succeeded_rows = True

    def options(self) -> Mapping[str, Any]:
        return {}

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        # a random per-process prefix and a counter: unique like a uuid4, without a urandom
        # call per batch (per record when batches hold one)
        return f"{_BATCH_PREFIX}{next(_batch_counter):08x}"

    async def start(self, ctx: RunContext) -> None:
        return None

    def settle(self, item: Item) -> Outcome | None:
        return None

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        return None

    async def finish(self, ctx: RunContext) -> None:
        return None

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        return {}


class WrappingJob:
    """A job around another (`inner`): every part of `Job`, of `BaseJob` and of `JobExtras` is
    the inner job's unless the wrapper overrides it (the DNC screen, the mirror step).

    Hand-copied delegation drops what it forgets (a wrapper once lost `succeeded_rows`, and
    import's succeeded.csv its `line, remote_id` shape); here a wrapper overrides only what it
    changes, and `tests/engine/test_wrapping_job.py` fails if a part is not forwarded. The
    attributes are read-only properties: assigning one in a wrapper raises instead of freezing
    a copy.
    """

    def __init__(self, inner: Job) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def batch_size(self) -> int:
        return self.inner.batch_size

    @property
    def concurrency(self) -> int:
        return self.inner.concurrency

    @property
    def succeeded_rows(self) -> bool:
        rows: bool = getattr(self.inner, "succeeded_rows", True)
        return rows

    def options(self) -> Mapping[str, Any]:
        return self.inner.options()

    async def start(self, ctx: RunContext) -> None:
        await self.inner.start(ctx)

    def prepare(self, record: Record) -> Item | RecordError:
        return self.inner.prepare(record)

    def settle(self, item: Item) -> Outcome | None:
        return self.inner.settle(item)

    def batch_id(self, items: Sequence[Item], attempt: int) -> str:
        return self.inner.batch_id(items, attempt)

    async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        return await self.inner.send(batch, ctx)

    async def reconcile(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome] | None:
        return await self.inner.reconcile(batch, ctx)

    async def finish(self, ctx: RunContext) -> None:
        await self.inner.finish(ctx)

    def summary_extra(self, ctx: RunContext) -> Mapping[str, Any]:
        return self.inner.summary_extra(ctx)

    # `JobExtras`: an inner job without one is answered as the engine treats a job without it

    def settle_dry_run(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
        settle = getattr(self.inner, "settle_dry_run", None)
        settled: Sequence[Outcome] = () if settle is None else settle(batch, ctx)
        return settled

    def removals(self) -> Removals | None:
        report = getattr(self.inner, "removals", None)
        found: Removals | None = report() if callable(report) else None
        return found

    def settle_read(self, records: Sequence[Record]) -> Sequence[tuple[int, str | None]]:
        settle = getattr(self.inner, "settle_read", None)
        settled: Sequence[tuple[int, str | None]] = () if settle is None else settle(records)
        return settled

    def writes(self, batch: Batch) -> Collection[str]:
        found = getattr(self.inner, "writes", None)
        targets: Collection[str] = () if found is None else found(batch)
        return targets

    def targets_of(self, record: Record) -> Collection[str]:
        found = getattr(self.inner, "targets_of", None)
        targets: Collection[str] = () if found is None else found(record)
        return targets


def batch_key(run_id: str, batch_id: str, *parts: Any) -> str:
    """An idempotency key naming one request of one batch of one run.

    The same on a retry and on a resume (a resume keeps the run id and the journaled batch
    id), different in any other run: a new run over the same file sends again and is answered
    about what it sent, never with an earlier run's replayed answer. `parts` must be JSON-able.
    """
    digest = hashlib.sha256(orjson.dumps([batch_id, *parts], option=orjson.OPT_SORT_KEYS))
    return f"{run_id}.{digest.hexdigest()[:40]}"


@dataclass
class RunContext:
    """What a job sees of the run it is part of."""

    run_id: str
    run_dir: Path
    client: Any  # a CXoneClient; None in a dry run
    clock: Clock
    rng: random.Random
    metrics: RunMetrics
    dry_run: bool = False
    resumed: bool = False
    _remote_id_writer: Callable[[Batch, str], None] | None = None
    _audit_writer: Callable[[dict[str, Any]], None] | None = None
    _logger: Callable[[str], None] | None = None
    _stop_requested: Callable[[], bool] = field(default=lambda: False)
    _csv_opener: Callable[[str, Sequence[str]], SafeCsvWriter] | None = None

    @property
    def stopping(self) -> bool:
        """True once Ctrl-C / SIGTERM asked the run to stop: finish or defer, start nothing."""
        return self._stop_requested()

    def note_remote_id(self, batch: Batch, remote_id: str) -> None:
        """Journal the API's id for a batch (e.g. an import job id) before waiting on it."""
        batch.remote_id = remote_id
        if self._remote_id_writer is not None:
            self._remote_id_writer(batch, remote_id)

    def idempotency_key(self, batch: Batch, *parts: Any) -> str:
        """The idempotency key of one request made for `batch` (`parts` tell its requests
        apart: target, attempt, which items); see `batch_key`."""
        return batch_key(self.run_id, batch.id, *parts)

    def audit(self, event: dict[str, Any]) -> None:
        """Add a job-level event to audit.jsonl (never put a secret in it)."""
        if self._audit_writer is not None:
            self._audit_writer({"type": "job", **event})

    def log(self, message: str) -> None:
        """A human message (stderr; silent in --json mode)."""
        if self._logger is not None:
            self._logger(message)

    def output_path(self, name: str) -> Path:
        """A file in the run folder, for job-specific reports."""
        return self.run_dir / name

    def csv_output(self, name: str, header: Sequence[str]) -> SafeCsvWriter:
        """A job-specific CSV in the run folder (e.g. missing-contacts.csv), kept by the run.

        The same writer for the same name; cells are neutralised against formula injection;
        the header is written once (a resumed run appends); flushed with the journal's
        commits and closed at the end of the run.
        """
        if self._csv_opener is None:  # a context outside a Runner (a job's unit test)
            return SafeCsvWriter(self.output_path(name), header)
        return self._csv_opener(name, header)
