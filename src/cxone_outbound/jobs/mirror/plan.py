"""The mirror plan: which records of a list the source no longer holds, kept in SQLite.

A record of the list is *present* when any of its keys is among the source's keys, else
*absent*, and a mirror removes it. Every key is counted generously, so that a doubt keeps a
record: a list record's keys are its id (on the admin dialect the external id, which an import
sets to the phone), its phone as shown and its phone read as E.164; a source row's keys are its
phone as written and as the import sends it (E.164), whatever became of the row (a row that
failed validation or upload still names a record that must stay). Both sides live on disk: a
1M-record list against a 1M-row file is an indexed lookup a page at a time, never a Python set.

The plan of a run that removes is durable (a file in the run folder, synchronous commits): each
removal's state is committed before its request is sent and after its answer, so an interrupted
run resumes without sending a removal twice or forgetting one it sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.models import Contact
from cxone_outbound.jobs.list_snapshot import ListSnapshot, open_db
from cxone_outbound.phones import PhoneNormalizer, as_written

__all__ = [
    "UNKEYED_SHOWN",
    "RemovalPlan",
    "RemovalState",
    "SourceKeys",
    "list_record_keys",
    "quick_keys",
    "read_keys",
]

UNKEYED_SHOWN = 10  # lines of source rows without a usable phone named in a message
_LOOKUP = 500  # keys looked up per query (below SQLite's bound-parameter limit)


class RemovalState(StrEnum):
    """Where one absent record stands."""

    PLANNED = "planned"  # not sent (held back, or not yet reached)
    SENDING = "sending"  # its removal was sent; no answer recorded (a crash, a stop)
    REMOVED = "removed"  # the server answered that it removed it
    GONE = "already_gone"  # the server answered that the list no longer held it
    FAILED = "failed"  # refused, or not sent after a server error (a resume retries it)


class SourceKeys:
    """The identity keys of every source row, and the lines of rows that have none.

    A row without a usable phone cannot be told apart from any record of the list: its lines are
    kept, and a mirror with such rows removes nothing (the safe reading of a doubt).
    """

    def __init__(self, path: Path | None = None) -> None:
        self._db = open_db(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS keys (key TEXT NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS unkeyed (line INTEGER NOT NULL)")
        self._db.execute("DELETE FROM keys")
        self._db.execute("DELETE FROM unkeyed")
        self._rows = 0
        self._pending: list[tuple[str]] = []
        self._sealed = False

    def add(self, line: int, keys: Iterable[str]) -> None:
        """One source row's keys (none: the row has no usable phone)."""
        found = [(k,) for k in dict.fromkeys(keys) if k]
        self._rows += 1
        if not found:
            self._db.execute("INSERT INTO unkeyed (line) VALUES (?)", (line,))
        self._pending.extend(found)
        if len(self._pending) >= 5_000:
            self._write()

    def _write(self) -> None:
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO keys (key) VALUES (?)", self._pending)
        self._db.execute("COMMIT")
        self._pending = []

    def seal(self) -> None:
        """Index the keys once every row is in (a lookup before that would scan)."""
        self._write()
        if not self._sealed:
            self._db.execute("CREATE INDEX IF NOT EXISTS keys_key ON keys (key)")
            self._sealed = True

    @property
    def rows(self) -> int:
        return self._rows

    def unkeyed(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM unkeyed").fetchone()[0])

    def unkeyed_lines(self, limit: int = UNKEYED_SHOWN) -> list[int]:
        sql = "SELECT line FROM unkeyed ORDER BY line LIMIT ?"
        return [int(line) for (line,) in self._db.execute(sql, (limit,))]

    def known(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` (at most a page's worth) some source row has."""
        self.seal()
        found: set[str] = set()
        for start in range(0, len(keys), _LOOKUP):
            part = list(keys[start:start + _LOOKUP])
            marks = ",".join("?" * len(part))
            sql = f"SELECT DISTINCT key FROM keys WHERE key IN ({marks})"  # noqa: S608
            found.update(str(k) for (k,) in self._db.execute(sql, part))
        return found

    def close(self) -> None:
        self._db.close()


def quick_keys(contact_id: str, phone: str) -> list[str]:
    """The keys a record is known by without reading its phone: its id, its phone as shown,
    and `+` before a phone shown as digits alone (the admin's "universal" format)."""
    keys = [contact_id, phone]
    if phone.isdigit():
        keys.append("+" + phone)
    return [k for k in keys if k]


def read_keys(phone: str, normaliser: PhoneNormalizer, *, digits_only: bool) -> list[str]:
    """The record's phone read as E.164 (as the sanitiser reads it), when it reads as one."""
    if not phone:
        return []
    result = normaliser(as_written(phone, normaliser) if digits_only else phone)
    return [result.e164] if result.ok and result.e164 else []


def list_record_keys(
    contact_id: str, phone: str, normaliser: PhoneNormalizer, *, digits_only: bool
) -> list[str]:
    """Every key a record of the list is known by: `quick_keys`, then `read_keys`."""
    return [*quick_keys(contact_id, phone), *read_keys(phone, normaliser,
                                                        digits_only=digits_only)]


@dataclass(frozen=True)
class PlanCounts:
    """The list against the source: every record of the list is present or absent."""

    list_records: int
    present: int
    absent: int


class RemovalPlan:
    """The absent records of a list and the state of each one's removal, in SQLite.

    `path` None keeps it in memory (a dry run's, a refused run's); a file is synchronous.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is None:
            self._db = open_db(None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS removals (seq INTEGER PRIMARY KEY, contact_id TEXT NOT"
            " NULL, phone TEXT NOT NULL, record BLOB NOT NULL, state TEXT NOT NULL,"
            " code TEXT, message TEXT)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS removals_state ON removals (state, seq)")

    # building

    def build(
        self, snapshot: ListSnapshot, keys: SourceKeys, normaliser: PhoneNormalizer, *,
        digits_only: bool,
    ) -> PlanCounts:
        """Every record of `snapshot` judged against `keys`; the absent ones kept as planned."""
        # one transaction (one sync) for the whole list: an unsealed plan is made anew anyway
        self._db.execute("BEGIN")
        self._db.execute("DELETE FROM removals")
        self._db.execute("DELETE FROM meta")
        total = present = 0
        page: list[tuple[int, dict[str, Any]]] = []
        for row in snapshot.records():
            page.append(row)
            if len(page) >= _LOOKUP:
                present += self._judge(page, keys, normaliser, digits_only)
                total += len(page)
                page = []
        present += self._judge(page, keys, normaliser, digits_only)
        total += len(page)
        self._db.execute("COMMIT")
        counts = PlanCounts(total, present, total - present)
        self._set(list_records=total, present=present, absent=counts.absent)
        return counts

    def _judge(
        self, page: Sequence[tuple[int, dict[str, Any]]], keys: SourceKeys,
        normaliser: PhoneNormalizer, digits_only: bool,
    ) -> int:
        """Insert the page's absent records; the number present. A phone is read (the costly
        part) only for a record its quick keys do not find."""
        if not page:
            return 0
        ids = [(str(data["id"]), str(data.get("phone") or "")) for _, data in page]
        quick = [quick_keys(cid, phone) for cid, phone in ids]
        known = keys.known([k for ks in quick for k in ks])
        unmatched = [i for i, ks in enumerate(quick) if not known.intersection(ks)]
        read = {i: read_keys(ids[i][1], normaliser, digits_only=digits_only) for i in unmatched}
        known = keys.known([k for ks in read.values() for k in ks])
        absent = [
            (page[i][0], ids[i][0], ids[i][1], orjson.dumps(page[i][1]),
             RemovalState.PLANNED.value)
            for i in unmatched if not known.intersection(read[i])
        ]
        self._db.executemany(
            "INSERT INTO removals (seq, contact_id, phone, record, state) VALUES (?,?,?,?,?)",
            absent,
        )
        return len(page) - len(absent)

    def _set(self, **values: Any) -> None:
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
            [(name, orjson.dumps(value).decode()) for name, value in values.items()],
        )
        self._db.execute("COMMIT")

    def _get(self, name: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def seal(self) -> None:
        """Mark the plan final: from now on only its states change (the restore file is out)."""
        self._set(sealed=True)

    @property
    def sealed(self) -> bool:
        return self._get("sealed") is True

    def counts(self) -> PlanCounts:
        return PlanCounts(int(self._get("list_records") or 0), int(self._get("present") or 0),
                          int(self._get("absent") or 0))

    # reading

    def contacts(self, state: RemovalState | None = None) -> Iterator[Contact]:
        """The absent records as read from the list (all, or those in `state`), in list order."""
        sql = "SELECT record FROM removals"
        params: tuple[str, ...] = ()
        if state is not None:
            sql, params = sql + " WHERE state = ?", (state.value,)
        cursor = self._db.execute(sql + " ORDER BY seq", params)
        while page := cursor.fetchmany(1_000):
            for (blob,) in page:
                yield Contact.model_validate(orjson.loads(blob))

    def rows(self, *states: RemovalState) -> Iterator[tuple[str, str, str, str, str]]:
        """(contact id, phone, state, code, message) of the records in `states`, in list order."""
        marks = ",".join("?" * len(states))
        cursor = self._db.execute(
            f"SELECT contact_id, phone, state, code, message FROM removals"  # noqa: S608
            f" WHERE state IN ({marks}) ORDER BY seq", [s.value for s in states],
        )
        while page := cursor.fetchmany(1_000):
            for cid, phone, state, code, message in page:
                yield str(cid), str(phone), str(state), str(code or ""), str(message or "")

    def attribute_names(self) -> set[str]:
        names: set[str] = set()
        for contact in self.contacts():
            names.update(contact.attributes)
        return names

    def pending(self, after: int, size: int) -> list[tuple[int, str, RemovalState]]:
        """The next `size` records after place `after` still to remove (planned, sent without
        an answer, failed): (place, contact id, state), in list order."""
        sql = ("SELECT seq, contact_id, state FROM removals WHERE seq > ? AND state IN (?, ?, ?)"
               " ORDER BY seq LIMIT ?")
        states = (RemovalState.PLANNED, RemovalState.SENDING, RemovalState.FAILED)
        return [(int(seq), str(cid), RemovalState(state))
                for seq, cid, state in self._db.execute(sql, (after, *states, size))]

    def count(self, state: RemovalState) -> int:
        sql = "SELECT count(*) FROM removals WHERE state = ?"
        return int(self._db.execute(sql, (state.value,)).fetchone()[0])

    def total(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM removals").fetchone()[0])

    # the removal's progress

    def mark(self, changes: Iterable[tuple[str, RemovalState, str | None, str | None]]) -> None:
        """Commit the new state of records: (contact id, state, error code, message)."""
        self._db.execute("BEGIN")
        self._db.executemany(
            "UPDATE removals SET state = ?, code = ?, message = ? WHERE contact_id = ?",
            [(state.value, code, message, cid) for cid, state, code, message in changes],
        )
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
