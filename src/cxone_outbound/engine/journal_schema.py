"""How the journal is stored: its schema, its rows as read back (`RunInfo`, `Entry`), the
migration of older journals, and how a record's key and line are written (compactly: issue 15
asks a run's state to stay under 2x its input).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import orjson

from cxone_outbound.engine.journal_spans import SPAN_ROWS, SPANS_SCHEMA
from cxone_outbound.engine.records import Record, State

SCHEMA = """
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
""" + SPANS_SCHEMA
# A compact row a record: `run` is the run's number (runs.seq), `key` an integer when it is one
# (every source's key so far is its line's number), `line` NULL when it is the key, `state` a
# code of the `states` table, `batch` a row of `batches` (its name and the remote id the API
# gave it), `remote_id` NULL when it is the batch's. About 25 bytes a record instead of about
# 280 (issue 15). Records settled as read are kept as spans of lines instead (`journal_spans`).
# The view `records` shows both as the first schema's table did, a row a record, for people (and
# tests) reading the file with sqlite3.
RECORDS_VIEW = """
CREATE VIEW IF NOT EXISTS records AS
SELECT r.id AS run_id, CAST(e.key AS TEXT) AS key, COALESCE(e.line, e.key) AS line,
       s.name AS state, e.attempts AS attempts, e.error_code AS error_code,
       e.message AS message, e.field AS field, e.retryable AS retryable,
       b.name AS batch_id, COALESCE(e.remote_id, b.remote_id) AS remote_id,
       e.session AS session
FROM entries e JOIN runs r ON r.seq = e.run JOIN states s ON s.code = e.state
LEFT JOIN batches b ON b.id = e.batch
UNION ALL
SELECT r.id, CAST(p.n AS TEXT), p.n, s.name, 0, NULL, NULL, NULL, 0, NULL, NULL, p.session
FROM (""" + SPAN_ROWS.format(where="") + """) p
JOIN runs r ON r.seq = p.run JOIN states s ON s.code = p.state;
"""
FIRST_STATES = (State.PENDING, State.IN_FLIGHT, State.SUCCEEDED, State.FAILED, State.SKIPPED)
IN_FLIGHT = 1  # fixed: the first schema's order
SELECT = (
    "SELECT COALESCE(e.line, e.key), e.key, e.state, e.attempts, e.error_code, e.message,"
    " e.field, e.retryable, b.name, COALESCE(e.remote_id, b.remote_id) FROM entries e"
    " LEFT JOIN batches b ON b.id = e.batch"
)
PART = 500  # SQLite's host parameters per statement, with room to spare

CLAIM_KEYS = (  # the keys of a claim's batches as one JSON object: {batch row: [keys]}
    "INSERT INTO entries (run, key, line, state, attempts, batch)"
    " SELECT ?1, k.value, NULL, ?2, 1, CAST(b.key AS INTEGER)"
    " FROM json_each(?3) AS b, json_each(b.value) AS k WHERE true"
    " ON CONFLICT (run, key) DO UPDATE SET line = excluded.line, state = excluded.state,"
    " attempts = entries.attempts + 1, batch = excluded.batch, remote_id = NULL,"
    " error_code = NULL, message = NULL, field = NULL, retryable = 0"
)
CLAIM_ONE = (
    "INSERT INTO entries (run, key, line, state, attempts, batch) VALUES (?, ?, ?, ?, 1, ?)"
    " ON CONFLICT (run, key) DO UPDATE SET line = excluded.line, state = excluded.state,"
    " attempts = entries.attempts + 1, batch = excluded.batch, remote_id = NULL,"
    " error_code = NULL, message = NULL, field = NULL, retryable = 0"
)
UPSERT_CLEAN = (  # [key, line, state, attempts, remote id] of outcomes without an error
    "INSERT INTO entries (run, key, line, state, attempts, remote_id, session)"
    " SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'),"
    " json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), ?2"
    " FROM json_each(?3) WHERE true"
    " ON CONFLICT (run, key) DO UPDATE SET state = excluded.state,"
    " attempts = MAX(entries.attempts, excluded.attempts), error_code = NULL, message = NULL,"
    " field = NULL, retryable = 0,"
    " remote_id = CASE WHEN excluded.remote_id IS NULL THEN entries.remote_id"
    " WHEN excluded.remote_id IS (SELECT remote_id FROM batches WHERE id = entries.batch)"
    " THEN NULL ELSE excluded.remote_id END,"
    " session = excluded.session"
)
UPSERT_FAILED = (  # an outcome with an error: bound a record
    "INSERT INTO entries (run, key, line, state, attempts, error_code, message, field,"
    " retryable, remote_id, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run, key) DO UPDATE SET state = excluded.state,"
    " attempts = MAX(entries.attempts, excluded.attempts),"
    " error_code = excluded.error_code, message = excluded.message,"
    " field = excluded.field, retryable = excluded.retryable,"
    " remote_id = CASE WHEN excluded.remote_id IS NULL THEN entries.remote_id"
    " WHEN excluded.remote_id IS (SELECT remote_id FROM batches WHERE id = entries.batch)"
    " THEN NULL ELSE excluded.remote_id END,"
    " session = excluded.session"
)
SETTLE_UNCHANGED = (  # [key, line, remote id] of each record, as one JSON array
    "INSERT INTO entries (run, key, line, state, attempts, remote_id, session)"
    " SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2, 0,"
    " json_extract(value, '$[2]'), ?3 FROM json_each(?4) WHERE true"
    " ON CONFLICT (run, key) DO UPDATE SET state = excluded.state, error_code = NULL,"
    " message = NULL, field = NULL, retryable = 0,"
    " remote_id = CASE WHEN excluded.remote_id IS NULL THEN entries.remote_id"
    " WHEN excluded.remote_id IS (SELECT remote_id FROM batches WHERE id = entries.batch)"
    " THEN NULL ELSE excluded.remote_id END,"
    " session = excluded.session"
)


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


def run_from_row(row: sqlite3.Row) -> RunInfo:
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


def migrate(db: sqlite3.Connection) -> None:
    """Bring a journal written by an older version to this schema (once, in a transaction):
    the runs get their number, and the first schema's `records` table is moved into
    `entries` and replaced by the view of the same name."""
    db.execute("BEGIN IMMEDIATE")
    try:
        names = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
        if "sessions" not in names:
            db.execute("ALTER TABLE runs ADD COLUMN sessions INTEGER NOT NULL DEFAULT 1")
        if "seq" not in names:
            db.execute("ALTER TABLE runs ADD COLUMN seq INTEGER")
            db.execute("UPDATE runs SET seq = rowid")
            db.execute("CREATE UNIQUE INDEX runs_by_seq ON runs (seq)")
        db.executemany(
            "INSERT OR IGNORE INTO states (code, name) VALUES (?, ?)",
            [(code, str(state)) for code, state in enumerate(FIRST_STATES)],
        )
        db.executemany(  # the states since (`unchanged`): a code each, the next free one
            "INSERT OR IGNORE INTO states (name) VALUES (?)",
            [(str(state),) for state in State if state not in FIRST_STATES],
        )
        kind = db.execute(
            "SELECT type FROM sqlite_master WHERE name = 'records'"
        ).fetchone()
        if kind is not None and kind["type"] == "table":
            _move_records(db)
        elif kind is not None:  # the view, as an older version made it: made again below
            db.execute("DROP VIEW records")
        db.execute(RECORDS_VIEW)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")

def _move_records(db: sqlite3.Connection) -> None:
    columns = {row["name"] for row in db.execute("PRAGMA table_info(records)")}
    if "session" not in columns:
        db.execute("ALTER TABLE records ADD COLUMN session INTEGER NOT NULL DEFAULT 1")
    db.execute(
        "INSERT OR IGNORE INTO states (name) SELECT DISTINCT state FROM records"
    )
    db.execute(
        "INSERT OR IGNORE INTO batches (run, name)"
        " SELECT DISTINCT u.seq, r.batch_id FROM records r JOIN runs u ON u.id = r.run_id"
        " WHERE r.batch_id IS NOT NULL"
    )
    db.execute(
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
    db.execute("DROP TABLE records")


def split_keys(records: Iterable[Record]) -> tuple[list[int | str], list[tuple[int | str, int]]]:
    """The stored keys of records keyed by their line, and (key, line) of the others."""
    keys: list[int | str] = []
    lined: list[tuple[int | str, int]] = []
    for record in records:
        line = record.line
        if record.key == str(line) and line > 0:  # the usual: checked without a call
            keys.append(line)
            continue
        key, own = stored(record.key, line)
        if own is None:
            keys.append(key)
        else:
            lined.append((key, own))
    return keys, lined


def stored(key: str, line: int) -> tuple[int | str, int | None]:
    """A record's key and line as stored: the key as an integer when it is one (in its
    canonical spelling), the line NULL when it is the key."""
    if key.isascii() and key.isdigit() and len(key) < 19 and (key[0] != "0" or key == "0"):
        number = int(key)
        return number, None if number == line else line
    return key, line


def unchanged_rows(unchanged: Sequence[tuple[Record, str | None]]) -> str:
    """[key, line, remote id] of each record as stored, as one JSON array. When every key is
    its line's number (a file source's), they are checked at once, not one by one."""
    records = [record for record, _ in unchanged]
    lines = [record.line for record in records]
    if ",".join([record.key for record in records]) == ",".join(map(str, lines)):
        rows: Any = zip(lines, repeat(None), [remote for _, remote in unchanged], strict=False)
    else:
        rows = ([*stored(r.key, r.line), remote] for r, remote in unchanged)
    return orjson.dumps(list(rows)).decode()
