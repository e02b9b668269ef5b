"""The journal's reads: where a run's records stand, whether journaled a row each (`entries`)
or as spans of lines settled as read (`journal_spans`): a key's entry when it has one, else its
span's. `Journal` (journal.py) adds the writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from cxone_outbound.engine.journal_schema import IN_FLIGHT, PART, SELECT, Entry, stored
from cxone_outbound.engine.journal_spans import (
    holding,
    span_counts,
    spanned_records,
)
from cxone_outbound.engine.records import Record, State


class JournalReader:
    """The queries of one journal file (its connection and state codes set up by `Journal`)."""

    _db: sqlite3.Connection
    _codes: dict[str, int]
    _names: dict[int, State]
    _labels: dict[int, str]
    _seqs: dict[str, int]
    _spanned: dict[int, bool]  # run -> whether it has spans

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

    def _span_entry(self, key: int, state: int) -> Entry:
        """A record of a span: its key is its line; no attempt, error, batch or remote id."""
        return Entry(str(key), key, self._names[state], 0, None, None, None, False, None, None)

    def lookup(self, run_id: str, records: Sequence[Record]) -> dict[str, Entry]:
        """The journaled entries of `records`, by key (absent: never seen)."""
        seq = self._seq(run_id)
        keys = [stored(record.key, record.line)[0] for record in records]
        found: dict[str, Entry] = {}
        for row in self._in_parts(SELECT + " WHERE e.run = ? AND e.key IN ({marks})", seq, keys):
            entry = self._entry(row)
            found[entry.key] = entry
        missing = [key for key in keys if str(key) not in found]
        for key, (state, _) in holding(self._db, seq, missing).items():
            found[str(key)] = self._span_entry(key, state)
        return found

    def _attempts(self, seq: int, records: Sequence[Record]) -> dict[str, int]:
        """Key -> attempts so far, for the journaled records among `records`."""
        keys = [stored(record.key, record.line)[0] for record in records]
        rows = self._in_parts(
            "SELECT key, attempts FROM entries WHERE run = ? AND key IN ({marks})", seq, keys)
        return {str(key): attempts for key, attempts in rows}

    def _in_parts(self, sql: str, seq: int, keys: Sequence[int | str]) -> Iterator[Any]:
        """The rows of `sql` (the run's number, then `{marks}` for keys), PART keys a query."""
        for start in range(0, len(keys), PART):
            part = keys[start : start + PART]
            yield from self._db.execute(sql.format(marks=",".join("?" * len(part))), (seq, *part))

    def states_by_line(self, run_id: str, lines: Sequence[int]) -> dict[int, tuple[State, int]]:
        """Line -> (state, session of its last outcome) for the journaled records among `lines`."""
        seq = self._seq(run_id)
        found: dict[int, tuple[State, int]] = {}
        for start in range(0, len(lines), PART):
            part = lines[start : start + PART]
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
        missing = [line for line in lines if line not in found]
        for line, (state, session) in holding(self._db, seq, missing).items():
            found[line] = (self._names[state], session)
        return found

    def in_flight_batches(self, run_id: str) -> dict[str, tuple[str | None, list[str]]]:
        """In-flight batches of a run: batch id -> (remote id, keys in claim order)."""
        batches: dict[str, tuple[str | None, list[str]]] = {}
        rows = self._db.execute(
            f"{SELECT} WHERE e.run = ? AND e.state = {IN_FLIGHT}"
            " ORDER BY e.batch, COALESCE(e.line, e.key)",
            (self._seq(run_id),),
        )
        for row in rows:
            entry = self._entry(row)
            _, keys = batches.setdefault(entry.batch_id or entry.key, (entry.remote_id, []))
            keys.append(entry.key)
        return batches

    def counts(self, run_id: str) -> dict[str, int]:
        seq = self._seq(run_id)
        rows = self._db.execute(
            "SELECT state, COUNT(*) AS n FROM entries WHERE run = ? GROUP BY state", (seq,)
        )
        found = {self._labels[state]: n for state, n in rows}
        for state, n in span_counts(self._db, seq).items():
            found[self._labels[state]] = found.get(self._labels[state], 0) + n
        return found

    def entries(self, run_id: str, state: State | None = None) -> list[Entry]:
        seq = self._seq(run_id)
        code = None if state is None else self._code(state)
        if code is None:
            rows = self._db.execute(f"{SELECT} WHERE e.run = ? ORDER BY 1", (seq,))
        else:
            rows = self._db.execute(f"{SELECT} WHERE e.run = ? AND e.state = ? ORDER BY 1",
                                    (seq, code))
        found = [self._entry(r) for r in rows]
        spanned = [self._span_entry(n, s) for n, s in spanned_records(self._db, seq, code)]
        return sorted([*found, *spanned], key=lambda e: e.line) if spanned else found
