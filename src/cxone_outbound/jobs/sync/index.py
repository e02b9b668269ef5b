"""A list's current values of the fields a sync compares, on disk: read once, looked up per row.

A list of a million contacts must not need memory in proportion to it: the values are kept in
SQLite (a file in the run folder's scratch space, 0600: it holds contact data), a page at a
time, keyed by contact id (the admin dialect's external id), and only the fields the run's rows
can write are kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.models import Contact
from cxone_outbound.jobs.sync.values import ATTRIBUTES, canonical
from cxone_outbound.private_files import private_sqlite

CONTACT_FIELDS = {"phone": "phone", "firstName": "first_name", "lastName": "last_name",
                  "email": "email"}
"""A contact's own fields: the name a row writes (an update's PATCH body) -> `Contact`'s."""


@dataclass(frozen=True)
class Compared:
    """What a run's rows can write: contact fields (by `CONTACT_FIELDS` name) and attributes."""

    fields: frozenset[str] = frozenset()
    attributes: frozenset[str] = frozenset()

    def values_of(self, contact: Contact) -> dict[str, Any]:
        """The contact's values of these fields as canonical text (`values.canonical`: what the
        comparison reads them as, done once here rather than per row), in a row's writes'
        shape; absent ones (and values no attribute holds) left out."""
        values: dict[str, Any] = {}
        for name in self.fields & CONTACT_FIELDS.keys():
            text = canonical(getattr(contact, CONTACT_FIELDS[name]))
            if text is not None:
                values[name] = text
        held = {k: text for k, v in contact.attributes.items()
                if k in self.attributes and (text := canonical(v)) is not None}
        if held:
            values[ATTRIBUTES] = held
        return values


class CurrentValues:
    """Contact id -> its current values of the compared fields (`Compared.values_of`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is not None:
            path.unlink(missing_ok=True)  # a new read: nothing of an earlier session's
            private_sqlite(path)
        self._db = sqlite3.connect(":memory:" if path is None else str(path),
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")  # scratch: rebuilt, never recovered
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-16384")  # 16 MB, whatever the list's size
        self._db.execute(
            "CREATE TABLE current (id TEXT PRIMARY KEY, doc BLOB NOT NULL) WITHOUT ROWID"
        )
        self.count = 0

    def add(self, contacts: Iterable[Contact], compared: Compared) -> None:
        """Keep one page of the list (a repeated id: the later one)."""
        rows = [(c.id, orjson.dumps(compared.values_of(c))) for c in contacts]
        self._db.execute("BEGIN")
        self._db.executemany("INSERT OR REPLACE INTO current (id, doc) VALUES (?, ?)", rows)
        self._db.execute("COMMIT")
        self.count += len(rows)

    async def fill(
        self,
        pages: AsyncIterator[list[Contact]],
        compared: Compared,
        *,
        stopping: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Read every page; False when `stopping` ended the read first (the index is partial)."""
        async for page in pages:
            self.add(page, compared)
            if stopping():
                return False
        return True

    def get(self, contact_id: str) -> Mapping[str, Any] | None:
        """The contact's values as read, or None when the list did not hold it."""
        row = self._db.execute("SELECT doc FROM current WHERE id = ?", (contact_id,)).fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def get_many(self, contact_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """`get` for many contacts at once (one query per 500): those the list holds."""
        found: dict[str, Mapping[str, Any]] = {}
        for start in range(0, len(contact_ids), 500):
            part = contact_ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT id, doc FROM current WHERE id IN ({marks})", part  # noqa: S608
            )
            found.update((str(cid), orjson.loads(doc)) for cid, doc in rows)
        return found

    def forget(self, contact_id: str) -> None:
        """Drop a contact: a row of this run writes it, so its values as read no longer hold."""
        self._db.execute("DELETE FROM current WHERE id = ?", (contact_id,))

    def close(self, *, remove: bool = True) -> None:
        self._db.close()
        if remove and self.path is not None:
            self.path.unlink(missing_ok=True)
