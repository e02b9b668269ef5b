"""`SeenPlaces`: where this client's read-backs saw each record of a list, and how much of the
list it has seen whole.

An upload's read-back reads from the uploaded records to the end of the list. A row that
rewrote an older record (a phone uploaded again in a later chunk) is not there: it used to be
found by reading the whole list again from its start, at every such upload, so importing a
million contacts read the list hundreds of times (quadratic: 4,900 pages an upload by the
480,000th record). Every record a read-back passes is noted here (external id -> position),
so such a row is looked for on the page where it was seen; and once the client has seen every
position of a list (it was empty at the first upload, or a pass read it from the start), a row
not noted anywhere is known not to be in it, and nothing more is read for it.

Only a hint, never a verdict: a row is `succeeded` only when a record is read with its values.
A place can be stale (records removed before it since move it up): the page read for it ends at
its noted place, so a move of up to a page is still found. The places live in a SQLite file
(a million ids would be ~100 MB of Python objects), removed on `close`.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson

from cxone_outbound.client.admin.paging import PAGE_MAX

_SCHEMA = """
CREATE TABLE seen (list_id TEXT NOT NULL, external_id TEXT NOT NULL, position INTEGER NOT NULL,
                   PRIMARY KEY (list_id, external_id)) WITHOUT ROWID;
"""


class SeenPlaces:
    """Per list: external id -> the position a read-back saw it at, and the length of the
    list's beginning seen without a gap (`whole_through`), None when unknown."""

    def __init__(self, scratch: Path | None = None) -> None:
        self._scratch = scratch
        self._folder: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._through: dict[str, int] = {}

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            if self._scratch is not None:
                self._scratch.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(prefix=".cxo-admin-seen-", dir=self._scratch))
            db = sqlite3.connect(self._folder / "seen.db", isolation_level=None)
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        self._through.clear()

    def empty(self, list_id: str) -> None:
        """The list holds no record: every one it will hold is one a read-back will pass."""
        self.forget(list_id)
        self._through[list_id] = 0

    def forget(self, list_id: str) -> None:
        """Nothing known of the list any more (records were removed: places moved)."""
        self._through.pop(list_id, None)
        if self._db is not None:
            self._db.execute("DELETE FROM seen WHERE list_id = ?", (list_id,))

    def saw(self, list_id: str, start: int, external_ids: Iterable[str | None]) -> None:
        """A page read from position `start`: its records' external ids, in order."""
        rows = [(list_id, str(e), start + n) for n, e in enumerate(external_ids) if e is not None]
        if rows:
            db = self._open()
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?)", rows)
            db.execute("COMMIT")

    def passed(self, list_id: str, start: int, end: int) -> None:
        """A read passed positions `start` .. `end` - 1 without a gap (to the list's end)."""
        through = self._through.get(list_id)
        if through is not None and start <= through:
            self._through[list_id] = max(through, end)
        elif start == 0:
            self._through[list_id] = end

    def whole_through(self, list_id: str) -> int | None:
        return self._through.get(list_id)

    def windows(self, list_id: str, external_ids: Sequence[str]) -> list[int]:
        """The skips of the pages to read for those ids: each ends at a place one was seen at
        (a record only moves up), one page covering every place within it."""
        if self._db is None or not external_ids:
            return []
        places = sorted(position for (position,) in self._db.execute(
            "SELECT position FROM seen WHERE list_id = ? AND external_id IN"
            " (SELECT value FROM json_each(?))",
            (list_id, orjson.dumps(list(external_ids)).decode())))
        skips: list[int] = []
        for place in places:
            if skips and place < skips[-1] + PAGE_MAX:
                continue
            skips.append(max(0, place - PAGE_MAX + 1) if not skips else
                         max(skips[-1] + PAGE_MAX, place - PAGE_MAX + 1))
        return skips
