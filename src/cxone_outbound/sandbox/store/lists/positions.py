"""Where a list's pages begin, so reading a list page by page costs a page a page.

A page at `skip` read with `OFFSET skip` makes SQLite step over every contact before it, and a
`COUNT(*)` beside each page over every contact of the list: reading a list of n contacts 100 at
a time cost O(n²). A list's contacts are in `seq` order and a new contact always gets a larger
seq (AUTOINCREMENT), so once a page is read, the seq of its last contact is where the page after
it begins (`seq > key`, an index seek), and the count only grows by the contacts past the
largest seq counted. Positions move only when a contact leaves: every delete on the connection
(a temporary trigger, so no path can forget to say so) drops the keys at or past it and the
list's count; a write by another connection (`PRAGMA data_version`) drops everything. Each
answer is what `OFFSET`/`COUNT(*)` would give; only their cost changes.
"""

from __future__ import annotations

import bisect
import sqlite3
from dataclasses import dataclass, field

MAX_KEYS = 8192  # per list: thinned to every other one past this (a 800k-contact list read whole)
MAX_LISTS = 64
GONE = "cxo_contact_gone"


@dataclass
class _Keys:
    """A list's known positions (ascending) and the seq of the contact just before each."""

    positions: list[int] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)

    def nearest(self, skip: int) -> tuple[int, int]:
        """The known position at or before `skip` and its key; (0, 0) for the list's start."""
        i = bisect.bisect_right(self.positions, skip) - 1
        return (self.positions[i], self.seqs[i]) if i >= 0 else (0, 0)

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
        """Forget the keys at or past `seq`: a contact there left, so their positions moved."""
        i = bisect.bisect_left(self.seqs, seq)
        del self.positions[i:], self.seqs[i:]


class ListPositions:
    """Pages and counts of lists' contacts by key, over one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._keys: dict[str, _Keys] = {}
        self._counts: dict[str, tuple[int, int]] = {}  # list id -> (contacts, largest seq)
        self._version = self._data_version()
        conn.create_function(GONE, 2, self._gone)
        for event in ("DELETE", "UPDATE OF seq, list_id"):
            name = "positions_" + event.split()[0].lower()
            conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {name} AFTER {event}"
                         f" ON main.contacts BEGIN SELECT {GONE}(OLD.list_id, OLD.seq); END")

    def page(self, list_id: str, skip: int, top: int) -> list[sqlite3.Row]:
        """The contacts at positions skip .. skip+top-1 of the list, in seq order."""
        keys = self._keys_of(list_id)
        at, after = keys.nearest(skip)
        rows: list[sqlite3.Row] = self.conn.execute(
            "SELECT * FROM contacts WHERE list_id = ? AND seq > ? ORDER BY seq LIMIT ? OFFSET ?",
            (list_id, after, top, skip - at)).fetchall()
        if rows and not self.conn.in_transaction:  # a rollback would not say what it undid
            keys.add(skip + len(rows), int(rows[-1]["seq"]))
        return rows

    def count(self, list_id: str) -> int:
        """How many contacts the list holds."""
        self._check_version()
        counted, largest = self._counts.pop(list_id, (0, 0))
        more, top = self.conn.execute(
            "SELECT COUNT(*), MAX(seq) FROM contacts WHERE list_id = ? AND seq > ?",
            (list_id, largest)).fetchone()
        if self.conn.in_transaction:  # a rollback would not say what it undid
            return counted + int(more)
        self._counts[list_id] = (counted + int(more), largest if top is None else int(top))
        if len(self._counts) > MAX_LISTS:
            del self._counts[next(iter(self._counts))]
        return self._counts[list_id][0]

    def forget(self) -> None:
        self._keys.clear()
        self._counts.clear()

    def _keys_of(self, list_id: str) -> _Keys:
        self._check_version()
        keys = self._keys.pop(list_id, None) or _Keys()
        self._keys[list_id] = keys  # the most recently read last
        if len(self._keys) > MAX_LISTS:
            del self._keys[next(iter(self._keys))]
        return keys

    def _gone(self, list_id: str, seq: int) -> None:
        """A contact left the list (or moved): called by the triggers, inside the change."""
        self._counts.pop(list_id, None)
        keys = self._keys.get(list_id)
        if keys is not None:
            keys.drop_from(seq)

    def _data_version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _check_version(self) -> None:
        version = self._data_version()
        if version != self._version:
            self._version = version
            self.forget()
