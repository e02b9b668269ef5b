"""The crash-safe journal of runs and records: SQLite in WAL mode, one transaction per flush.

A record is claimed (`in-flight`, committed) before it is sent and its outcome is committed in
batches after; a process killed at any instant leaves every record either terminal (never sent
again) or in-flight (reconciled on resume). WAL with synchronous=NORMAL survives a killed
process; only an OS crash can lose the last commits.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, groupby
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.engine.journal_reads import JournalReader
from cxone_outbound.engine.journal_schema import (
    CLAIM_KEYS,
    CLAIM_ONE,
    IN_FLIGHT,
    SCHEMA,
    SETTLE_UNCHANGED,
    UPSERT_CLEAN,
    UPSERT_FAILED,
    Entry,
    RunInfo,
    migrate,
    run_from_row,
    split_keys,
    stored,
    unchanged_rows,
)
from cxone_outbound.engine.journal_spans import has_spans, spanned_lines, unspan, write_spans
from cxone_outbound.engine.records import Batch, Outcome, Record, State
from cxone_outbound.private_files import private_dir, private_sqlite

__all__ = [  # Entry and RunInfo live in journal_schema.py
    "COMPLETED", "DRY_RUN", "FAILED", "INTERRUPTED", "RUNNING", "Entry", "Journal", "RunInfo",
]

RUNNING = "running"
INTERRUPTED = "interrupted"
COMPLETED = "completed"
FAILED = "failed"  # the run itself stopped on an error (auth, unavailable)
DRY_RUN = "dry-run"  # validated and planned, nothing sent


class Journal(JournalReader):
    """One SQLite file holding every run of a state dir."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)  # the state dir: 0700
        private_sqlite(path)  # 0600 before SQLite opens it, -wal and -shm too
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        try:  # one transaction, not one a table: a new journal is made in one commit
            self._db.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._db.close()
            raise
        migrate(self._db)
        self._codes, self._names, self._labels = {}, {}, {}
        self._load_states()
        self._seqs = {}
        self._spanned = {}

    def _unspan(self, seq: int, keys: Iterable[int | str]) -> None:
        """Before entries are written for keys: out of the run's spans, if it has any."""
        spanned = self._spanned.get(seq)
        if spanned is None:
            spanned = self._spanned[seq] = has_spans(self._db, seq)
        if spanned:
            unspan(self._db, seq, keys)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # leave no -wal file the size of the run
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _transaction(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(sql, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # runs

    def create_run(
        self,
        run_id: str,
        job: str,
        input_hash: str,
        input_path: str,
        options: Mapping[str, Any],
        started_at: float,
    ) -> RunInfo:
        self._transaction(
            "INSERT INTO runs (id, job, input_hash, input_path, options, started_at, status, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM runs))",
            [(run_id, job, input_hash, input_path, json.dumps(dict(options)), started_at, RUNNING)],
        )
        run = self.get_run(run_id)
        assert run is not None
        return run

    def get_run(self, run_id: str) -> RunInfo | None:
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return run_from_row(row) if row else None

    def list_runs(self, limit: int = 20, job: str | None = None) -> list[RunInfo]:
        if job:
            rows = self._db.execute(
                "SELECT * FROM runs WHERE job = ? ORDER BY started_at DESC LIMIT ?", (job, limit)
            )
        else:
            rows = self._db.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [run_from_row(r) for r in rows]

    def find_resumable(self, job: str, input_hash: str) -> RunInfo | None:
        """The latest real run of this job on this input that did not complete, if any.

        A dry run (ended or not) sent nothing, so there is nothing of it to resume.
        """
        rows = self._db.execute(
            "SELECT * FROM runs WHERE job = ? AND input_hash = ? AND status NOT IN (?, ?)"
            " ORDER BY started_at DESC",
            (job, input_hash, COMPLETED, DRY_RUN),
        )
        for row in rows:
            run = run_from_row(row)
            if not run.options.get("dry_run"):
                return run
        return None

    def open_session(self, run_id: str) -> int:
        """Count one more session (process) of a resumed run; returns its number (first: 1)."""
        self._transaction("UPDATE runs SET sessions = sessions + 1 WHERE id = ?", [(run_id,)])
        row = self._db.execute("SELECT sessions FROM runs WHERE id = ?", (run_id,)).fetchone()
        return int(row["sessions"])

    def set_status(
        self,
        run_id: str,
        status: str,
        *,
        counts: Mapping[str, Any] | None = None,
        ended_at: float | None = None,
    ) -> None:
        self._transaction(
            "UPDATE runs SET status = ?, counts = COALESCE(?, counts), ended_at = ? WHERE id = ?",
            [(status, json.dumps(dict(counts)) if counts is not None else None, ended_at, run_id)],
        )

    # records

    def _batch_ids(self, seq: int, names: Sequence[str]) -> dict[str, int]:
        """The rows of the batches named, made if new (two statements, whatever their number:
        one-record batches make one a record)."""
        unique = orjson.dumps(list(dict.fromkeys(names))).decode()
        self._db.execute(
            "INSERT OR IGNORE INTO batches (run, name) SELECT ?, value FROM json_each(?)",
            (seq, unique),
        )
        return dict(
            self._db.execute(
                "SELECT name, id FROM batches WHERE run = ?"
                " AND name IN (SELECT value FROM json_each(?))",
                (seq, unique),
            ).fetchall()
        )

    def claim(self, run_id: str, batches: Sequence[Batch]) -> None:
        """Mark the batches' records in-flight, committed, before anything is sent.

        A few statements a claim, not one a batch: a one-record batch (a per-contact update)
        would otherwise pay a statement a record. The keys go to SQLite as one JSON object
        (batch row -> keys); a record whose line is not its key, none so far, is its own row.
        """
        seq = self._seq(run_id)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            ids = self._batch_ids(seq, [b.id for b in batches])
            # a new row has no remote id; a batch claimed again takes the one it has now
            self._db.execute(
                "UPDATE batches SET remote_id = NULL WHERE remote_id IS NOT NULL"
                " AND id IN (SELECT value FROM json_each(?))",
                (orjson.dumps([ids[b.id] for b in batches if b.remote_id is None]).decode(),),
            )
            self._db.executemany(
                "UPDATE batches SET remote_id = ? WHERE id = ?",
                [(b.remote_id, ids[b.id]) for b in batches if b.remote_id is not None],
            )
            keyed: dict[str, list[int | str]] = {}
            lined: list[tuple[int, int | str, int, int, int]] = []
            for batch in batches:
                row = ids[batch.id]
                keys, others = split_keys(item.record for item in batch.items)
                keyed.setdefault(str(row), []).extend(keys)
                lined += [(seq, key, line, IN_FLIGHT, row) for key, line in others]
            self._unspan(seq, [*chain.from_iterable(keyed.values()), *(k for _, k, *_ in lined)])
            self._db.execute(CLAIM_KEYS, (seq, IN_FLIGHT, orjson.dumps(keyed).decode()))
            if lined:
                self._db.executemany(CLAIM_ONE, lined)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def unclaim(self, run_id: str, batches: Sequence[Batch], prior: Mapping[str, Entry]) -> None:
        """Undo the claim of batches that were never sent: each record back to its entry in
        `prior`, or out of the journal if it had none (one transaction)."""
        seq = self._seq(run_id)
        keys = [(item.key, item.record.line) for b in batches for item in b.items]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "DELETE FROM entries WHERE run = ? AND key = ? AND state = ?",
                [(seq, stored(k, line)[0], IN_FLIGHT) for k, line in keys if k not in prior],
            )
            earlier = [(key, e) for key, _ in keys if (e := prior.get(key)) is not None]
            ids = self._batch_ids(seq, [e.batch_id for _, e in earlier if e.batch_id])
            self._db.executemany(
                "UPDATE entries SET state = ?, attempts = ?, error_code = ?, message = ?,"
                " field = ?, retryable = ?, batch = ?, remote_id = ? WHERE run = ? AND key = ?",
                [
                    (self._code(e.state), e.attempts, e.error_code, e.message, e.field,
                     int(e.retryable), ids.get(e.batch_id) if e.batch_id else None,
                     e.remote_id, seq, stored(e.key, e.line)[0])
                    for _, e in earlier
                ],
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def set_remote_id(self, run_id: str, batch: Batch, remote_id: str) -> None:
        """Remember what the API called this batch (an import job id), committed now."""
        batch.remote_id = remote_id
        self._transaction(
            "UPDATE batches SET remote_id = ? WHERE run = ? AND name = ?",
            [(remote_id, self._seq(run_id), batch.id)],
        )

    def record_outcomes(
        self,
        run_id: str,
        outcomes: Sequence[tuple[Record, Outcome]],
        *,
        session: int = 1,
        read_back: bool = True,
        succeeded: Sequence[Record] = (),
        unchanged: Sequence[tuple[Record, str | None]] = (),
        read: Sequence[tuple[Record, str | None]] = (),
    ) -> dict[str, int]:
        """Commit outcomes in one transaction; returns each record's attempts so far.

        `succeeded` are claimed records that succeeded at their first attempt as their batch's
        remote id says: set in one statement (the common case, a whole chunk accepted).
        `unchanged` are records settled without a request (`Outcome.unchanged`, no error),
        each with its remote id: written in one statement too. `read` are records settled
        `unchanged` as they were read, never journaled before (a change-only sync's most): as
        spans of lines (`journal_spans`), without their remote ids.
        `session` is the run's session that wrote them into its result files (see
        `results.merge_sessions`). Without `read_back` nothing is returned: a caller that
        knows each record was claimed once (a run's first session) saves the query.
        """
        seq = self._seq(run_id)
        code = self._code
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if succeeded:
                keys, lined = split_keys(succeeded)
                all_keys = [*keys, *(key for key, _ in lined)]
                self._db.execute(
                    "UPDATE entries SET state = ?, session = ? WHERE run = ?"
                    " AND key IN (SELECT value FROM json_each(?))",
                    (code(State.SUCCEEDED), session, seq, orjson.dumps(all_keys).decode()),
                )
            spans, apart = spanned_lines(read)
            if apart:
                unchanged = [*unchanged, *apart]
            self._unspan(seq, [stored(r.key, r.line)[0] for r in chain(
                (r for r, _ in outcomes), (r for r, _ in unchanged))])
            if spans:
                write_spans(self._db, seq, code(State.UNCHANGED), session, spans)
                self._spanned[seq] = True
            if unchanged:
                self._db.execute(
                    SETTLE_UNCHANGED,
                    (seq, code(State.UNCHANGED), session, unchanged_rows(unchanged)),
                )
            self._upsert_outcomes(seq, outcomes, session)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        if not read_back:
            return {}
        return self._attempts(
            seq, [*(r for r, _ in outcomes), *succeeded, *(r for r, _ in unchanged)]
        )

    def _upsert_outcomes(
        self, seq: int, outcomes: Sequence[tuple[Record, Outcome]], session: int
    ) -> None:
        """Each outcome onto its record's entry, in order. A run of outcomes without an error
        (a per-contact update's, each with its contact's id) goes as one JSON array: about
        half the cost of a bound statement a record."""
        code = self._code
        for clean, group in groupby(outcomes, lambda pair: pair[1].error is None):
            if clean:
                rows = [[*stored(r.key, r.line), code(o.state), o.attempts, o.remote_id]
                        for r, o in group]
                self._db.execute(UPSERT_CLEAN, (seq, session, orjson.dumps(rows).decode()))
                continue
            self._db.executemany(UPSERT_FAILED, [
                (seq, *stored(r.key, r.line), code(o.state), o.attempts, e.code, e.message,
                 e.field, int(e.retryable), o.remote_id, session)
                for r, o in group if (e := o.error) is not None
            ])
