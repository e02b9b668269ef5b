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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

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
CREATE TABLE IF NOT EXISTS states (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL,
    name TEXT NOT NULL,
    remote_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_by_name ON batches (run, name);
CREATE TABLE IF NOT EXISTS entries (
    run INTEGER NOT NULL,
    key NOT NULL,
    line INTEGER,
    state INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    message TEXT,
    field TEXT,
    retryable INTEGER NOT NULL DEFAULT 0,
    batch INTEGER,
    remote_id TEXT,
    session INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_line ON entries (run, line) WHERE line IS NOT NULL;
"""
# A compact row a record: `run` is the run's number (runs.seq), `key` an integer when it is one
# (every source's key so far is its line's number), `line` NULL when it is the key, `state` a
# code of the `states` table, `batch` a row of `batches` (its name and the remote id the API
# gave it), `remote_id` NULL when it is the batch's. About 25 bytes a record instead of about
# 280 (issue 15). The view `records` shows them as the first schema's table did, for people (and
# tests) reading the file with sqlite3.
_RECORDS_VIEW = """
CREATE VIEW IF NOT EXISTS records AS
SELECT r.id AS run_id, CAST(e.key AS TEXT) AS key, COALESCE(e.line, e.key) AS line,
       s.name AS state, e.attempts AS attempts, e.error_code AS error_code,
       e.message AS message, e.field AS field, e.retryable AS retryable,
       b.name AS batch_id, COALESCE(e.remote_id, b.remote_id) AS remote_id,
       e.session AS session
FROM entries e JOIN runs r ON r.seq = e.run JOIN states s ON s.code = e.state
LEFT JOIN batches b ON b.id = e.batch;
"""
_FIRST_STATES = (State.PENDING, State.IN_FLIGHT, State.SUCCEEDED, State.FAILED, State.SKIPPED)
_IN_FLIGHT = 1  # fixed: the first schema's order
_SELECT = (
    "SELECT COALESCE(e.line, e.key), e.key, e.state, e.attempts, e.error_code, e.message,"
    " e.field, e.retryable, b.name, COALESCE(e.remote_id, b.remote_id) FROM entries e"
    " LEFT JOIN batches b ON b.id = e.batch"
)
_PART = 500  # SQLite's host parameters per statement, with room to spare

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


_CLAIM_KEYS = (  # the keys of a batch as one JSON array
    "INSERT INTO entries (run, key, line, state, attempts, batch)"
    " SELECT ?, value, NULL, ?, 1, ? FROM json_each(?) WHERE true"
    " ON CONFLICT (run, key) DO UPDATE SET line = excluded.line, state = excluded.state,"
    " attempts = entries.attempts + 1, batch = excluded.batch, remote_id = NULL,"
    " error_code = NULL, message = NULL, field = NULL, retryable = 0"
)
_CLAIM_ONE = (
    "INSERT INTO entries (run, key, line, state, attempts, batch) VALUES (?, ?, ?, ?, 1, ?)"
    " ON CONFLICT (run, key) DO UPDATE SET line = excluded.line, state = excluded.state,"
    " attempts = entries.attempts + 1, batch = excluded.batch, remote_id = NULL,"
    " error_code = NULL, message = NULL, field = NULL, retryable = 0"
)


def _split_keys(records: Iterable[Record]) -> tuple[list[int | str], list[tuple[int | str, int]]]:
    """The stored keys of records keyed by their line, and (key, line) of the others."""
    keys: list[int | str] = []
    lined: list[tuple[int | str, int]] = []
    for record in records:
        line = record.line
        if record.key == str(line) and line > 0:  # the usual: checked without a call
            keys.append(line)
            continue
        key, own = _stored(record.key, line)
        if own is None:
            keys.append(key)
        else:
            lined.append((key, own))
    return keys, lined


def _stored(key: str, line: int) -> tuple[int | str, int | None]:
    """A record's key and line as stored: the key as an integer when it is one (in its
    canonical spelling), the line NULL when it is the key."""
    if key.isascii() and key.isdigit() and len(key) < 19 and (key[0] != "0" or key == "0"):
        number = int(key)
        return number, None if number == line else line
    return key, line


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
        self._codes: dict[str, int] = {}
        self._names: dict[int, State] = {}
        self._labels: dict[int, str] = {}
        self._load_states()
        self._seqs: dict[str, int] = {}

    def _migrate(self) -> None:
        """Bring a journal written by an older version to this schema (once, in a transaction):
        the runs get their number, and the first schema's `records` table is moved into
        `entries` and replaced by the view of the same name."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            names = {row["name"] for row in self._db.execute("PRAGMA table_info(runs)")}
            if "sessions" not in names:
                self._db.execute("ALTER TABLE runs ADD COLUMN sessions INTEGER NOT NULL DEFAULT 1")
            if "seq" not in names:
                self._db.execute("ALTER TABLE runs ADD COLUMN seq INTEGER")
                self._db.execute("UPDATE runs SET seq = rowid")
                self._db.execute("CREATE UNIQUE INDEX runs_by_seq ON runs (seq)")
            self._db.executemany(
                "INSERT OR IGNORE INTO states (code, name) VALUES (?, ?)",
                [(code, str(state)) for code, state in enumerate(_FIRST_STATES)],
            )
            kind = self._db.execute(
                "SELECT type FROM sqlite_master WHERE name = 'records'"
            ).fetchone()
            if kind is not None and kind["type"] == "table":
                self._move_records()
            self._db.execute(_RECORDS_VIEW)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _move_records(self) -> None:
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(records)")}
        if "session" not in columns:
            self._db.execute("ALTER TABLE records ADD COLUMN session INTEGER NOT NULL DEFAULT 1")
        self._db.execute(
            "INSERT OR IGNORE INTO states (name) SELECT DISTINCT state FROM records"
        )
        self._db.execute(
            "INSERT OR IGNORE INTO batches (run, name)"
            " SELECT DISTINCT u.seq, r.batch_id FROM records r JOIN runs u ON u.id = r.run_id"
            " WHERE r.batch_id IS NOT NULL"
        )
        self._db.execute(
            "INSERT OR REPLACE INTO entries (run, key, line, state, attempts, error_code,"
            " message, field, retryable, batch, remote_id, session)"
            " SELECT u.seq, CASE WHEN r.key = CAST(CAST(r.key AS INTEGER) AS TEXT)"
            " AND length(r.key) < 19 THEN CAST(r.key AS INTEGER) ELSE r.key END,"
            " NULLIF(r.line, CAST(r.key AS INTEGER)), s.code, r.attempts,"
            " r.error_code, r.message, r.field, r.retryable, b.id, r.remote_id,"
            " r.session FROM records r JOIN runs u ON u.id = r.run_id"
            " JOIN states s ON s.name = r.state"
            " LEFT JOIN batches b ON b.run = u.seq AND b.name = r.batch_id"
        )
        self._db.execute("DROP TABLE records")

    def _load_states(self) -> None:
        for row in self._db.execute("SELECT code, name FROM states"):
            self._codes[row["name"]] = row["code"]
            self._labels[row["code"]] = row["name"]
            with contextlib.suppress(ValueError):  # a state a newer version wrote
                self._names[row["code"]] = State(row["name"])

    def _code(self, state: State) -> int:
        """The code of a state, registered the first time a journal sees it."""
        code = self._codes.get(state)
        if code is None:
            self._db.execute("INSERT OR IGNORE INTO states (name) VALUES (?)", (str(state),))
            self._load_states()
            code = self._codes[state]
        return code

    def _seq(self, run_id: str) -> int:
        seq = self._seqs.get(run_id)
        if seq is None:
            row = self._db.execute("SELECT seq FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(run_id)
            seq = self._seqs[run_id] = int(row["seq"])
        return seq

    def _entry(self, row: Sequence[Any]) -> Entry:
        line, key, state, attempts, code, message, field, retryable, batch, remote = row
        return Entry(
            key=str(key),
            line=line,
            state=self._names[state],
            attempts=attempts,
            error_code=code,
            message=message,
            field=field,
            retryable=bool(retryable),
            batch_id=batch,
            remote_id=remote,
        )

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

    def lookup(self, run_id: str, records: Sequence[Record]) -> dict[str, Entry]:
        """The journaled entries of `records`, by key (absent: never seen)."""
        seq = self._seq(run_id)
        keys = [_stored(record.key, record.line)[0] for record in records]
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), _PART):
            part = keys[start : start + _PART]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"{_SELECT} WHERE e.run = ? AND e.key IN ({marks})", (seq, *part)
            )
            for row in rows:
                entry = self._entry(row)
                found[entry.key] = entry
        return found

    def _batch_ids(self, seq: int, names: Sequence[str]) -> dict[str, int]:
        """The rows of the batches named, made if new."""
        self._db.executemany(
            "INSERT OR IGNORE INTO batches (run, name) VALUES (?, ?)", [(seq, n) for n in names]
        )
        ids: dict[str, int] = {}
        unique = list(dict.fromkeys(names))
        for start in range(0, len(unique), _PART):
            part = unique[start : start + _PART]
            marks = ",".join("?" * len(part))
            ids.update(
                self._db.execute(
                    f"SELECT name, id FROM batches WHERE run = ? AND name IN ({marks})",  # noqa: S608
                    (seq, *part),
                ).fetchall()
            )
        return ids

    def claim(self, run_id: str, batches: Sequence[Batch]) -> None:
        """Mark the batches' records in-flight, committed, before anything is sent.

        One statement a batch: its keys go to SQLite as one JSON array (a record whose line
        is not its key, none so far, gets a statement of its own).
        """
        seq = self._seq(run_id)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            ids = self._batch_ids(seq, [b.id for b in batches])
            self._db.executemany(
                "UPDATE batches SET remote_id = ? WHERE id = ?",
                [(b.remote_id, ids[b.id]) for b in batches],
            )
            for batch in batches:
                keys, lined = _split_keys(item.record for item in batch.items)
                self._db.execute(
                    _CLAIM_KEYS,
                    (seq, _IN_FLIGHT, ids[batch.id], orjson.dumps(keys).decode()),
                )
                self._db.executemany(
                    _CLAIM_ONE,
                    [(seq, key, line, _IN_FLIGHT, ids[batch.id]) for key, line in lined],
                )
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
                [(seq, _stored(k, line)[0], _IN_FLIGHT) for k, line in keys if k not in prior],
            )
            earlier = [(key, e) for key, _ in keys if (e := prior.get(key)) is not None]
            ids = self._batch_ids(seq, [e.batch_id for _, e in earlier if e.batch_id])
            self._db.executemany(
                "UPDATE entries SET state = ?, attempts = ?, error_code = ?, message = ?,"
                " field = ?, retryable = ?, batch = ?, remote_id = ? WHERE run = ? AND key = ?",
                [
                    (self._code(e.state), e.attempts, e.error_code, e.message, e.field,
                     int(e.retryable), ids.get(e.batch_id) if e.batch_id else None,
                     e.remote_id, seq, _stored(e.key, e.line)[0])
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
    ) -> dict[str, int]:
        """Commit outcomes in one transaction; returns each record's attempts so far.

        `succeeded` are claimed records that succeeded at their first attempt as their batch's
        remote id says: set in one statement (the common case, a whole chunk accepted).
        `session` is the run's session that wrote them into its result files (see
        `results.merge_sessions`). Without `read_back` nothing is returned: a caller that
        knows each record was claimed once (a run's first session) saves the query.
        """
        seq = self._seq(run_id)
        code = self._code
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if succeeded:
                keys, lined = _split_keys(succeeded)
                all_keys = [*keys, *(key for key, _ in lined)]
                self._db.execute(
                    "UPDATE entries SET state = ?, session = ? WHERE run = ?"
                    " AND key IN (SELECT value FROM json_each(?))",
                    (code(State.SUCCEEDED), session, seq, orjson.dumps(all_keys).decode()),
                )
            self._upsert_outcomes(seq, outcomes, session)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        if not read_back:
            return {}
        return self._attempts(seq, [*(record for record, _ in outcomes), *succeeded])

    def _upsert_outcomes(
        self, seq: int, outcomes: Sequence[tuple[Record, Outcome]], session: int
    ) -> None:
        code = self._code
        self._db.executemany(
            "INSERT INTO entries (run, key, line, state, attempts, error_code, message, field,"
            " retryable, remote_id, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run, key) DO UPDATE SET state = excluded.state,"
            " attempts = MAX(entries.attempts, excluded.attempts),"
            " error_code = excluded.error_code, message = excluded.message,"
            " field = excluded.field, retryable = excluded.retryable,"
            " remote_id = CASE WHEN excluded.remote_id IS NULL THEN entries.remote_id"
            " WHEN excluded.remote_id IS (SELECT remote_id FROM batches WHERE id = entries.batch)"
            " THEN NULL ELSE excluded.remote_id END,"
            " session = excluded.session",
            [
                (
                    seq,
                    *_stored(record.key, record.line),
                    code(outcome.state),
                    outcome.attempts,
                    None if (error := outcome.error) is None else error.code,
                    None if error is None else error.message,
                    None if error is None else error.field,
                    0 if error is None else int(error.retryable),
                    outcome.remote_id,
                    session,
                )
                for record, outcome in outcomes
            ],
        )

    def _attempts(self, seq: int, records: Sequence[Record]) -> dict[str, int]:
        """Key -> attempts so far, for the journaled records among `records`."""
        keys = [_stored(record.key, record.line)[0] for record in records]
        found: dict[str, int] = {}
        for start in range(0, len(keys), _PART):
            part = keys[start : start + _PART]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT key, attempts FROM entries WHERE run = ? AND key IN ({marks})",  # noqa: S608
                (seq, *part),
            )
            found.update((str(key), attempts) for key, attempts in rows)
        return found

    def states_by_line(self, run_id: str, lines: Sequence[int]) -> dict[int, tuple[State, int]]:
        """Line -> (state, session of its last outcome) for the journaled records among `lines`."""
        seq = self._seq(run_id)
        found: dict[int, tuple[State, int]] = {}
        for start in range(0, len(lines), _PART):
            part = lines[start : start + _PART]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(  # keyed by their line (the usual), or with a line of their own
                f"SELECT key, state, session FROM entries WHERE run = ?"  # noqa: S608
                f" AND key IN ({marks}) AND line IS NULL"
                f" UNION ALL SELECT line, state, session FROM entries WHERE run = ?"
                f" AND line IN ({marks})",
                (seq, *part, seq, *part),
            )
            for line, state, session in rows:
                found[line] = (self._names[state], session)
        return found

    def in_flight_batches(self, run_id: str) -> dict[str, tuple[str | None, list[str]]]:
        """In-flight batches of a run: batch id -> (remote id, keys in claim order)."""
        batches: dict[str, tuple[str | None, list[str]]] = {}
        rows = self._db.execute(
            f"{_SELECT} WHERE e.run = ? AND e.state = {_IN_FLIGHT}"
            " ORDER BY e.batch, COALESCE(e.line, e.key)",
            (self._seq(run_id),),
        )
        for row in rows:
            entry = self._entry(row)
            _, keys = batches.setdefault(entry.batch_id or entry.key, (entry.remote_id, []))
            keys.append(entry.key)
        return batches

    def counts(self, run_id: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT state, COUNT(*) AS n FROM entries WHERE run = ? GROUP BY state",
            (self._seq(run_id),),
        )
        return {self._labels[state]: n for state, n in rows}

    def entries(self, run_id: str, state: State | None = None) -> list[Entry]:
        seq = self._seq(run_id)
        if state is None:
            rows = self._db.execute(f"{_SELECT} WHERE e.run = ? ORDER BY 1", (seq,))
        else:
            rows = self._db.execute(
                f"{_SELECT} WHERE e.run = ? AND e.state = ? ORDER BY 1",
                (seq, self._code(state)),
            )
        return [self._entry(r) for r in rows]
