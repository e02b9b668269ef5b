"""A list's contacts as read, kept in SQLite rather than in Python objects.

Sanitising a whole business unit (up to 1,000,000 records) must not need memory in proportion
to the list: the plan is made and applied from a snapshot on disk (a temporary file beside the
run's state, or memory for small lists and tests). Rows keep the list's order (`seq`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.models import Contact
from cxone_outbound.engine.records import Record

__all__ = ["ListSnapshot", "SnapshotSource", "as_snapshot", "fingerprint_pairs", "open_db"]


def open_db(path: Path | None) -> sqlite3.Connection:
    """A private SQLite database for one run's working data: no journal to sync, no sharing."""
    db = sqlite3.connect(":memory:" if path is None else str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA temp_store=FILE")
    db.execute("PRAGMA cache_size=-16384")  # 16 MB of page cache, whatever the list's size
    return db


def fingerprint_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """The hash of (contact id, phone) pairs given sorted: `list_fingerprint`'s one algorithm."""
    digest = hashlib.sha256()
    for contact_id, phone in pairs:
        digest.update(contact_id.encode())
        digest.update(b"\x1f")
        digest.update(phone.encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


class ListSnapshot:
    """The contacts of one list as read, in list order, on disk (or in memory for tests)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._db = open_db(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS contacts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL,"
            " phone TEXT NOT NULL, record BLOB NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS contacts_id ON contacts (id)")
        self._count = int(self._db.execute("SELECT count(*) FROM contacts").fetchone()[0])

    @classmethod
    def of(cls, contacts: Iterable[Contact]) -> ListSnapshot:
        snapshot = cls()
        snapshot.add(list(contacts))
        return snapshot

    def add(self, contacts: Sequence[Contact]) -> None:
        """Append one page of the list."""
        rows = [
            (c.id, c.phone or "", orjson.dumps(c.model_dump(mode="json", exclude_none=True)))
            for c in contacts
        ]
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO contacts (id, phone, record) VALUES (?, ?, ?)", rows)
        self._db.execute("COMMIT")
        self._count += len(rows)

    def __len__(self) -> int:
        return self._count

    def get(self, contact_id: str) -> Contact | None:
        """The contact as read (the last one, should a list repeat an id)."""
        row = self._db.execute(
            "SELECT record FROM contacts WHERE id = ? ORDER BY seq DESC LIMIT 1", (contact_id,)
        ).fetchone()
        return Contact.model_validate(orjson.loads(row[0])) if row else None

    def phone_of(self, contact_id: str) -> str | None:
        """The contact's phone as read ("" when it has none), or None when it is not listed."""
        row = self._db.execute(
            "SELECT phone FROM contacts WHERE id = ? ORDER BY seq DESC LIMIT 1", (contact_id,)
        ).fetchone()
        return None if row is None else str(row[0])

    def pairs(self, size: int = 10_000) -> Iterator[list[tuple[str, str]]]:
        """(contact id, phone) in list order, a page at a time."""
        cursor = self._db.execute("SELECT id, phone FROM contacts ORDER BY seq")
        while page := cursor.fetchmany(size):
            yield [(str(cid), str(phone)) for cid, phone in page]

    def records(self, size: int = 1_000) -> Iterator[tuple[int, dict[str, Any]]]:
        """(place in the list, the contact as read, as JSON) in list order."""
        cursor = self._db.execute("SELECT seq, record FROM contacts ORDER BY seq")
        while page := cursor.fetchmany(size):
            for seq, blob in page:
                yield int(seq), orjson.loads(blob)

    def fingerprint(self) -> str:
        """`sanitize.plan.list_fingerprint` of this list, computed by SQLite's sort.

        SQLite orders TEXT by its UTF-8 bytes, which is Python's order of the same strings.
        """
        cursor = self._db.execute("SELECT id, phone FROM contacts ORDER BY id, phone")
        return fingerprint_pairs((str(cid), str(phone)) for cid, phone in cursor)

    def attribute_names(self, contact_ids: Iterable[str]) -> set[str]:
        """Every attribute name the given contacts carry (the restore file's extra columns)."""
        names: set[str] = set()
        for contact_id in contact_ids:
            contact = self.get(contact_id)
            if contact is not None:
                names.update(contact.attributes)
        return names

    def close(self) -> None:
        self._db.close()


def as_snapshot(contacts: Sequence[Contact] | ListSnapshot) -> ListSnapshot:
    """A snapshot of contacts given either way (a list of contacts is copied into memory)."""
    return contacts if isinstance(contacts, ListSnapshot) else ListSnapshot.of(contacts)


class SnapshotSource:
    """A list as read, as engine records keyed by contact id (`line`: its place in the list).

    Fields: `contactId`, `phone_number`, and the contact's attributes (a `zip_code` or `state`
    attribute is what the check job reads).
    """

    def __init__(self, snapshot: ListSnapshot, list_id: str) -> None:
        self.header = ["contactId", "phone_number"]
        self.snapshot = snapshot
        self.list_id = list_id
        self._done = 0

    @property
    def description(self) -> str:
        return f"list {self.list_id} ({len(self.snapshot)} contacts)"

    def fingerprint(self) -> str:
        return f"list:{self.list_id}:{self.snapshot.fingerprint()}"

    def progress(self) -> float | None:
        return self._done / len(self.snapshot) if len(self.snapshot) else 1.0

    def __iter__(self) -> Iterator[Record]:
        for seq, data in self.snapshot.records():
            self._done += 1
            attributes = data.get("attributes") or {}
            fields = {str(k): str(v) for k, v in attributes.items() if v is not None}
            fields |= {"contactId": str(data["id"]), "phone_number": str(data.get("phone") or "")}
            yield Record(fields["contactId"], seq, fields,
                         [fields["contactId"], fields["phone_number"]])
