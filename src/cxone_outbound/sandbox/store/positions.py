"""Where pages begin, so reading a list (or a DNC group) page by page costs a page a page.

A page at `skip` read with `OFFSET skip` makes SQLite step over every row before it, and a
`COUNT(*)` beside each page over every row of the list: reading a list of n contacts 100 at a
time cost O(n²). A list's rows are in `seq` order and a new row always gets a larger seq
(AUTOINCREMENT), so once a page is read, the seq of its last row is where the page after it
begins (`seq > key`, an index seek), and the count only grows by the rows past the largest seq
counted. Positions move only when a row leaves: every delete on the connection (a temporary
trigger, so no path can forget to say so) drops the keys at or past it and the group's count; a
write by another connection (`PRAGMA data_version`) drops everything. Each answer is what
`OFFSET`/`COUNT(*)` would give; only their cost changes.
"""

from __future__ import annotations

import bisect
import itertools
import sqlite3
from dataclasses import dataclass, field

MAX_KEYS = 8192  # per group: thinned to every other one past this (800k rows read 100 a page)
MAX_GROUPS = 64
START = -(2**63)  # a key before every seq: the group's first page
_names = itertools.count()  # each instance its own trigger: two never take each other's

Group = str | int
"""A list id (contacts) or a DNC group id (suppressions)."""


@dataclass
class _Keys:
    """A group's known positions (ascending) and the seq of the row just before each."""

    positions: list[int] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)

    def nearest(self, skip: int) -> tuple[int, int]:
        """The known position at or before `skip` and its key; (0, START) for the start."""
        i = bisect.bisect_right(self.positions, skip) - 1
        return (self.positions[i], self.seqs[i]) if i >= 0 else (0, START)

    def add(self, position: int, seq: int) -> None:
        i = bisect.bisect_left(self.positions, position)
        if i < len(self.positions) and self.positions[i] == position:
            self.seqs[i] = seq
            return
        self.positions.insert(i, position)
        self.seqs.insert(i, seq)
        if len(self.positions) > MAX_KEYS:
            del self.positions[::2], self.seqs[::2]

    def drop_from(self, seq: int) -> None:
        """Forget the keys at or past `seq`: a row there left, so their positions moved."""
        i = bisect.bisect_left(self.seqs, seq)
        del self.positions[i:], self.seqs[i:]


class Positions:
    """Pages and counts of a table's rows by group (`group` column), in seq order."""

    def __init__(self, conn: sqlite3.Connection, table: str, group: str) -> None:
        self.conn = conn
        self._keys: dict[Group, _Keys] = {}
        self._counts: dict[Group, tuple[int, int]] = {}  # group -> (rows, largest seq counted)
        self._version = self._data_version()
        # fixed identifiers of ours, never input: the statements are built once
        self._page_sql = (f"SELECT * FROM {table} WHERE {group} = ? AND seq > ?"  # noqa: S608
                          " ORDER BY seq LIMIT ? OFFSET ?")
        self._count_sql = (f"SELECT COUNT(*), MAX(seq) FROM {table}"  # noqa: S608
                           f" WHERE {group} = ? AND seq > ?")
        gone = f"cxo_{table}_gone_{next(_names)}"
        conn.create_function(gone, 2, self._gone)
        for event in ("DELETE", f"UPDATE OF seq, {group}"):
            name = f"{gone}_on_{event.split()[0].lower()}"
            conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {name} AFTER {event}"
                         f" ON main.{table} BEGIN SELECT {gone}(OLD.{group}, OLD.seq); END")

    def page(self, group: Group, skip: int, top: int) -> list[sqlite3.Row]:
        """The rows at positions skip .. skip+top-1 of the group, in seq order."""
        keys = self._keys_of(group)
        at, after = keys.nearest(skip)
        rows: list[sqlite3.Row] = self.conn.execute(
            self._page_sql, (group, after, top, skip - at)).fetchall()
        if rows and not self.conn.in_transaction:  # a rollback would not say what it undid
            keys.add(skip + len(rows), int(rows[-1]["seq"]))
        return rows

    def count(self, group: Group) -> int:
        """How many rows the group holds."""
        self._check_version()
        counted, largest = self._counts.pop(group, (0, START))
        more, top = self.conn.execute(self._count_sql, (group, largest)).fetchone()
        if self.conn.in_transaction:  # a rollback would not say what it undid
            return counted + int(more)
        self._counts[group] = (counted + int(more), largest if top is None else int(top))
        if len(self._counts) > MAX_GROUPS:
            del self._counts[next(iter(self._counts))]
        return self._counts[group][0]

    def forget(self) -> None:
        self._keys.clear()
        self._counts.clear()

    def _keys_of(self, group: Group) -> _Keys:
        self._check_version()
        keys = self._keys.pop(group, None) or _Keys()
        self._keys[group] = keys  # the most recently read last
        if len(self._keys) > MAX_GROUPS:
            del self._keys[next(iter(self._keys))]
        return keys

    def _gone(self, group: Group, seq: int) -> None:
        """A row left its group (or moved): called by the triggers, inside the change."""
        self._counts.pop(group, None)
        keys = self._keys.get(group)
        if keys is not None:
            keys.drop_from(seq)

    def _data_version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _check_version(self) -> None:
        version = self._data_version()
        if version != self._version:
            self._version = version
            self.forget()
