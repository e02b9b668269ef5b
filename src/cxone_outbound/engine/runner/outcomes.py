"""Outcomes waiting to be committed, and their commit: the journal first (one transaction),
then the result files and the audit, so the files never claim what the journal does not.

Per record this is the engine's hottest path (issue 15), so the common cases are handled in
bulk: records that succeeded as claimed, and records settled `unchanged` (a change-only sync's
most), are journaled in one statement a flush, written to their result file in one call and
counted on one audit line; a record that failed or was skipped is handled alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import chain, compress

from cxone_outbound.client import errors
from cxone_outbound.engine.accounting import Ledger
from cxone_outbound.engine.audit import AuditLog
from cxone_outbound.engine.journal import Entry, Journal
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, State
from cxone_outbound.engine.results import ResultFiles


def _paired(items: Sequence[Item], outcomes: Sequence[Outcome]) -> list[tuple[Record, Outcome]]:
    """Each item's record with its outcome (a missing one: a retryable failure)."""
    if len(items) == len(outcomes) and all(
        o.key == i.record.key for i, o in zip(items, outcomes, strict=True)
    ):  # the usual: in order, one each
        return [(i.record, o) for i, o in zip(items, outcomes, strict=True)]
    by_key = {outcome.key: outcome for outcome in outcomes}
    missing = "the job returned no outcome"
    return [
        (
            item.record,
            by_key.get(item.key) or Outcome.failed(item.key, "NO_OUTCOME", missing, retryable=True),
        )
        for item in items
    ]


def fail_all(batch: Batch, exc: BaseException, *, retryable: bool) -> list[Outcome]:
    """The outcome of each record of a batch whose sending raised `exc`."""
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


COUNTED = (State.SUCCEEDED, State.UNCHANGED)
"""The states whose records are written in bulk and counted on the audit's `outcomes` line."""


class PendingOutcomes:
    """The outcomes of a run not committed yet (see the module's docstring)."""

    def __init__(self) -> None:
        self._pending: list[tuple[Record, Outcome]] = []
        self._unclaimed: set[str] = set()  # keys among _pending that were never claimed
        self._journal_rows: list[tuple[Record, Outcome]] = []  # _pending, but for _plain
        self._plain: list[Record] = []  # succeeded as claimed, journaled a batch at a time
        self._unchanged: list[tuple[Record, str | None]] = []  # settled unchanged, so too
        self._read: list[tuple[Record, str | None]] = []  # settled as read: no outcome each

    def __len__(self) -> int:
        return len(self._pending) + len(self._read)

    def add_unsent(self, record: Record, outcome: Outcome) -> None:
        """An outcome decided before any claim (the record was never sent)."""
        self._unclaimed.add(record.key)
        self._pending.append((record, outcome))
        if outcome.state is State.UNCHANGED and outcome.error is None:
            self._unchanged.append((record, outcome.remote_id))
        else:
            self._journal_rows.append((record, outcome))

    def add_unchanged(self, settled: Sequence[tuple[Record, str | None]]) -> None:
        """Records settled `unchanged` as they were read (`Job.settle_read`), each with its
        remote id: never claimed, and no `Outcome` made for each."""
        self._read.extend(settled)

    def add_batch(self, batch: Batch, outcomes: Sequence[Outcome]) -> None:
        """A sent batch's outcomes, one for each of its records (a missing one: failed)."""
        remote = batch.remote_id
        for record, outcome in _paired(batch.items, outcomes):
            self._pending.append((record, outcome))
            if (  # as claimed, first try: journaled a batch at a time
                outcome.state is State.SUCCEEDED
                and outcome.attempts <= 1
                and outcome.remote_id == remote
                and outcome.error is None
            ):
                self._plain.append(record)
            else:
                self._journal_rows.append((record, outcome))

    def commit(
        self,
        journal: Journal | None,
        run_id: str,
        session: int,
        results: ResultFiles,
        audit: AuditLog,
        metrics: RunMetrics,
    ) -> None:
        """Journal everything pending (not in a dry run: `journal` None), then write it out."""
        if not len(self):
            return
        pending, self._pending = self._pending, []
        read, self._read = self._read, []
        rows, self._journal_rows = self._journal_rows, []
        plain, self._plain = self._plain, []
        unchanged, self._unchanged = self._unchanged, []
        unclaimed, self._unclaimed = self._unclaimed, set()
        if journal is None:
            attempts: dict[str, int] = {}
        else:  # a first session claimed each sent record once: no attempts to read back
            attempts = journal.record_outcomes(
                run_id,
                rows,
                session=session,
                read_back=session > 1,
                succeeded=plain,
                unchanged=unchanged,
                read=read,
            )
        claimed = 0 if journal is None else 1
        by_state: dict[State, list[tuple[Record, str | None]]] = {s: [] for s in COUNTED}
        others: list[tuple[Record, Outcome]] = []
        for record, outcome in pending:
            done = by_state.get(outcome.state)
            if done is None:
                others.append((record, outcome))
            else:
                done.append((record, outcome.remote_id))
        by_state[State.UNCHANGED].extend(read)
        if len(others) < len(pending) or read:
            counts: dict[str, int] = {}
            for state, done in by_state.items():
                results.write_settled(state, done)
                counts[str(state)] = len(done)
                metrics.outcomes[str(state)] += len(done)
            lines = [record.line for record, _ in chain.from_iterable(by_state.values())]
            audit.settled(counts, min(lines), max(lines))
        for record, outcome in others:  # one by one: each has a line in the audit
            key = record.key
            tries = attempts.get(key)
            if tries is None:
                tries = max(outcome.attempts, 0 if key in unclaimed else claimed)
            results.write(record, outcome, tries)
            audit.outcome(record, outcome, tries)
            metrics.on_outcome(outcome.state)
        results.flush()
        audit.flush()


SettleRead = Callable[[Sequence[Record]], Sequence[tuple[int, str | None]]]
"""A job's `settle_read` (`engine.job.JobExtras`)."""


def settle_as_read(
    settle_read: SettleRead,
    window: list[Record],
    entries: Mapping[str, Entry],
    pending: PendingOutcomes,
    ledger: Ledger,
) -> list[Record]:
    """Settle what the job settles of a window as read (`unchanged`, in bulk), counted read;
    returns the rest of the window, in order, for the record-by-record way. A record the
    journal knows already (a resumed run's) always goes that way."""
    fresh = [r for r in window if r.key not in entries] if entries else window
    settled = settle_read(fresh)
    if not settled:
        return window
    pairs = [(fresh[index], remote) for index, remote in settled]
    pending.add_unchanged(pairs)
    ledger.read += len(pairs)
    if fresh is window:  # the usual: the rest by position, without a key each
        left = bytearray(b"\x01") * len(window)
        for index, _ in settled:
            left[index] = 0
        return list(compress(window, left))
    keys = {record.key for record, _ in pairs}
    return [record for record in window if record.key not in keys]
