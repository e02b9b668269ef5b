"""The crash-safe journal of runs and records: SQLite in WAL mode, one transaction per flush.

A record is claimed (`in-flight`, committed) before it is sent and its outcome is committed in
batches after; a process killed at any instant leaves every record either terminal (never sent
again) or in-flight (reconciled on resume). WAL with synchronous=NORMAL survives a killed
process; only an OS crash can lose the last commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxone_outbound.engine.records import Batch, Outcome, Record, State
from cxone_outbound.private_files import private_dir, private_sqlite

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    input_hash TEXT NOT NULL,
    input_path TEXT NOT NULL,
    options TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    status TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '{}',
    sessions INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS runs_by_input ON runs (job, input_hash);
CREATE TABLE IF NOT EXISTS records (
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    line INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    message TEXT,
    field TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    batch_id TEXT,
    remote_id TEXT,
    session INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_in_flight ON records (run_id, state, batch_id);
"""
# Columns added since the first schema: (table, column, definition), added to older journals.
_ADDED_COLUMNS = (
    ("runs", "sessions", "INTEGER NOT NULL DEFAULT 1"),
    ("records", "session", "INTEGER NOT NULL DEFAULT 1"),
)
_INDEXES = "CREATE INDEX IF NOT EXISTS records_by_line ON records (run_id, line);"

RUNNING = "running"
INTERRUPTED = "interrupted"
COMPLETED = "completed"
FAILED = "failed"  # the run itself stopped on an error (auth, unavailable)
DRY_RUN = "dry-run"  # validated and planned, nothing sent


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A run as journaled."""

    id: str
    job: str
    input_hash: str
    input_path: str
    options: Mapping[str, Any]
    started_at: float
    ended_at: float | None
    status: str
    counts: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Entry:
    """A record as journaled."""

    key: str
    line: int
    state: State
    attempts: int
    error_code: str | None
    message: str | None
    field: str | None
    retryable: bool
    batch_id: str | None
    remote_id: str | None


def _run_from_row(row: sqlite3.Row) -> RunInfo:
    return RunInfo(
        id=row["id"],
        job=row["job"],
        input_hash=row["input_hash"],
        input_path=row["input_path"],
        options=json.loads(row["options"]),
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        status=row["status"],
        counts=json.loads(row["counts"]),
    )


def _entry_from_row(row: sqlite3.Row) -> Entry:
    return Entry(
        key=row["key"],
        line=row["line"],
        state=State(row["state"]),
        attempts=row["attempts"],
        error_code=row["error_code"],
        message=row["message"],
        field=row["field"],
        retryable=bool(row["retryable"]),
        batch_id=row["batch_id"],
        remote_id=row["remote_id"],
    )


class Journal:
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
        self._db.executescript(_SCHEMA)
        self._migrate()
        self._db.executescript(_INDEXES)

    def _migrate(self) -> None:
        """Add the columns a journal written by an older version lacks."""
        for table, column, definition in _ADDED_COLUMNS:
            names = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in names:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
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
            "INSERT INTO runs (id, job, input_hash, input_path, options, started_at, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, job, input_hash, input_path, json.dumps(dict(options)), started_at, RUNNING)],
        )
        run = self.get_run(run_id)
        assert run is not None
        return run

    def get_run(self, run_id: str) -> RunInfo | None:
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run_from_row(row) if row else None

    def list_runs(self, limit: int = 20, job: str | None = None) -> list[RunInfo]:
        if job:
            rows = self._db.execute(
                "SELECT * FROM runs WHERE job = ? ORDER BY started_at DESC LIMIT ?", (job, limit)
            )
        else:
            rows = self._db.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [_run_from_row(r) for r in rows]

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
            run = _run_from_row(row)
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

    def lookup(self, run_id: str, keys: Sequence[str]) -> dict[str, Entry]:
        """The journaled entries among `keys` (absent keys were never seen)."""
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT * FROM records WHERE run_id = ? AND key IN ({marks})",  # noqa: S608
                (run_id, *part),
            )
            for row in rows:
                found[row["key"]] = _entry_from_row(row)
        return found

    def claim(self, run_id: str, batches: Sequence[Batch]) -> None:
        """Mark the batches' records in-flight, committed, before anything is sent."""
        self._transaction(
            "INSERT INTO records (run_id, key, line, state, attempts, batch_id, remote_id)"
            " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET"
            " state = excluded.state, attempts = records.attempts + 1,"
            " batch_id = excluded.batch_id, remote_id = excluded.remote_id,"
            " error_code = NULL, message = NULL, field = NULL, retryable = 0",
            [
                (run_id, item.key, item.record.line, State.IN_FLIGHT, b.id, b.remote_id)
                for b in batches
                for item in b.items
            ],
        )

    def unclaim(self, run_id: str, batches: Sequence[Batch], prior: Mapping[str, Entry]) -> None:
        """Undo the claim of batches that were never sent: each record back to its entry in
        `prior`, or out of the journal if it had none (one transaction)."""
        keys = [item.key for b in batches for item in b.items]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "DELETE FROM records WHERE run_id = ? AND key = ? AND state = ?",
                [(run_id, key, State.IN_FLIGHT) for key in keys if key not in prior],
            )
            self._db.executemany(
                "UPDATE records SET state = ?, attempts = ?, error_code = ?, message = ?,"
                " field = ?, retryable = ?, batch_id = ?, remote_id = ?"
                " WHERE run_id = ? AND key = ?",
                [
                    (e.state, e.attempts, e.error_code, e.message, e.field, int(e.retryable),
                     e.batch_id, e.remote_id, run_id, key)
                    for key in keys
                    if (e := prior.get(key)) is not None
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
            "UPDATE records SET remote_id = ? WHERE run_id = ? AND batch_id = ? AND state = ?",
            [(remote_id, run_id, batch.id, State.IN_FLIGHT)],
        )

    def record_outcomes(
        self, run_id: str, outcomes: Sequence[tuple[Record, Outcome]], *, session: int = 1
    ) -> dict[str, int]:
        """Commit outcomes in one transaction; returns each record's attempts so far.

        `session` is the run's session that wrote them into its result files (see
        `results.merge_sessions`).
        """
        self._transaction(
            "INSERT INTO records (run_id, key, line, state, attempts, error_code, message, field,"
            " retryable, remote_id, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, key) DO UPDATE SET state = excluded.state,"
            " attempts = MAX(records.attempts, excluded.attempts),"
            " error_code = excluded.error_code, message = excluded.message,"
            " field = excluded.field, retryable = excluded.retryable,"
            " remote_id = COALESCE(excluded.remote_id, records.remote_id),"
            " session = excluded.session",
            [
                (
                    run_id,
                    record.key,
                    record.line,
                    outcome.state,
                    outcome.attempts,
                    outcome.error.code if outcome.error else None,
                    outcome.error.message if outcome.error else None,
                    outcome.error.field if outcome.error else None,
                    int(outcome.error.retryable) if outcome.error else 0,
                    outcome.remote_id,
                    session,
                )
                for record, outcome in outcomes
            ],
        )
        return self._attempts(run_id, [record.key for record, _ in outcomes])

    def _attempts(self, run_id: str, keys: Sequence[str]) -> dict[str, int]:
        """Key -> attempts so far, for the journaled keys among `keys`."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            found.update(
                self._db.execute(
                    f"SELECT key, attempts FROM records WHERE run_id = ?"  # noqa: S608
                    f" AND key IN ({marks})",
                    (run_id, *part),
                ).fetchall()
            )
        return found

    def states_by_line(self, run_id: str, lines: Sequence[int]) -> dict[int, tuple[State, int]]:
        """Line -> (state, session of its last outcome) for the journaled records among `lines`."""
        found: dict[int, tuple[State, int]] = {}
        for start in range(0, len(lines), 500):
            part = lines[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT line, state, session FROM records"  # noqa: S608
                f" WHERE run_id = ? AND line IN ({marks})",
                (run_id, *part),
            )
            for row in rows:
                found[row["line"]] = (State(row["state"]), row["session"])
        return found

    def in_flight_batches(self, run_id: str) -> dict[str, tuple[str | None, list[str]]]:
        """In-flight batches of a run: batch id -> (remote id, keys in claim order)."""
        batches: dict[str, tuple[str | None, list[str]]] = {}
        rows = self._db.execute(
            "SELECT key, batch_id, remote_id FROM records WHERE run_id = ? AND state = ?"
            " ORDER BY batch_id, line",
            (run_id, State.IN_FLIGHT),
        )
        for row in rows:
            _, keys = batches.setdefault(row["batch_id"] or row["key"], (row["remote_id"], []))
            keys.append(row["key"])
        return batches

    def counts(self, run_id: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) AS n FROM records WHERE run_id = ? GROUP BY state", (run_id,)
        )
        return {row["state"]: row["n"] for row in rows}

    def entries(self, run_id: str, state: State | None = None) -> list[Entry]:
        if state is None:
            rows = self._db.execute(
                "SELECT * FROM records WHERE run_id = ? ORDER BY line", (run_id,)
            )
        else:
            rows = self._db.execute(
                "SELECT * FROM records WHERE run_id = ? AND state = ? ORDER BY line",
                (run_id, state),
            )
        return [_entry_from_row(r) for r in rows]
