"""The last-sync snapshot: what earlier runs of this tool verified a list holds (`--against
last-sync`), so a nightly sync can compare its rows without reading the list.

Kept the way reverse-ETL tools keep theirs (they diff against what their last sync verifiably
wrote, not against the destination), and only ever true of what this tool saw:

- a value goes in only when the server answered that the record was written, or when a list
  read found the row's values already held (`unchanged`); what goes in is the row's writes as
  it sent them (after the mapping), so the next night's row of the same values is recognised by
  its bytes alone, before any parsing (`values.writes_hold` decides the rest);
- a contact about to be sent is dropped first, durably, in every scope of the list (another
  field set of this tool may hold it too): a failed, unverified or interrupted write leaves it
  absent, so the next sync sends it again;
- every change is committed as it is made (a forget synced to disk before its request, in
  WAL order after every earlier record), so an interrupted run leaves a snapshot that is
  still true.

One SQLite file per list and tenant (base URL, client, tenant, dialect) under the state dir
(`<state>/sync/<hash>.sqlite3`, 0600: it holds contact values), one *scope* per job kind and
compared fields or mapping (`scope_of`): a run whose scope differs finds no snapshot and reads
the list. Memory does not grow with the list.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.private_files import private_dir, private_sqlite

SYNC_DIR = "sync"
CHUNK = 500  # ids per IN (...) query: under SQLite's variable limit


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def snapshot_path(state_dir: Path, tenant: Sequence[str], list_id: str) -> Path:
    """The snapshot file of one list of one tenant (its name says nothing of either)."""
    return state_dir / SYNC_DIR / f"{_digest([*tenant, list_id])}.sqlite3"


def scope_of(job: str, description: Any) -> str:
    """A scope: the job kind and what its rows can write (fields, the mapping's casts)."""
    return _digest([job, description])


@dataclass(frozen=True)
class ScopeState:
    """A scope's standing: whether a complete snapshot is there to compare with (a run that
    built it from a list read went through all its rows), and when that read was (seconds
    since the epoch)."""

    complete: bool
    listed_at: float | None


class Snapshot:
    """One list's last-sync snapshot, seen through one scope (see the module's docstring)."""

    def __init__(self, path: Path, scope: str) -> None:
        self.path = path
        self.scope = scope
        private_dir(path.parent)
        private_sqlite(path)
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a forget reaches the disk before a send
        self._db.execute("PRAGMA cache_size=-16384")  # 16 MB, whatever the list's size
        self._db.execute("PRAGMA busy_timeout=30000")  # two runs of one list may overlap
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS scopes (scope TEXT PRIMARY KEY, listed_at REAL,"
            " complete INTEGER NOT NULL DEFAULT 0)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS verified (scope TEXT NOT NULL, id TEXT NOT NULL,"
            " doc BLOB NOT NULL, raw BLOB, PRIMARY KEY (scope, id)) WITHOUT ROWID"
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(verified)")}
        if "raw" not in columns:  # a snapshot from before `raw`: its rows compare the slow way
            self._db.execute("ALTER TABLE verified ADD COLUMN raw BLOB")
        self.count = 0  # contacts looked up in it (`CurrentValues.count`'s place in reports)

    def state(self) -> ScopeState:
        row = self._db.execute(
            "SELECT listed_at, complete FROM scopes WHERE scope = ?", (self.scope,)
        ).fetchone()
        if row is None:
            return ScopeState(False, None)
        return ScopeState(bool(row[1]), None if row[0] is None else float(row[0]))

    def begin(self) -> None:
        """Open the scope for recording (a scope never read completely stays unusable)."""
        self._db.execute("INSERT OR IGNORE INTO scopes (scope) VALUES (?)", (self.scope,))

    def listed(self, at: float) -> None:
        """A list read completed at `at`: the scope is a snapshot to compare with from now."""
        self._db.execute(
            "UPDATE scopes SET listed_at = ?, complete = 1 WHERE scope = ?", (at, self.scope)
        )

    def get_many(self, contact_ids: Sequence[str]) -> dict[str, bytes]:
        """The verified writes (JSON) of those contacts the snapshot holds (one query per
        500)."""
        return self.lookup(contact_ids)[0]

    def lookup(self, contact_ids: Sequence[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
        """Those contacts' verified writes (JSON) and, where kept, the digest of the row that
        wrote them (`ChangedOnly.raw_digest`), in one query per 500."""
        found: dict[str, bytes] = {}
        raws: dict[str, bytes] = {}
        for cid, doc, raw in self._select("id, doc, raw", contact_ids):
            found[str(cid)] = bytes(doc)
            if raw is not None:
                raws[str(cid)] = bytes(raw)
        return found, raws

    def raws(self, contact_ids: Sequence[str]) -> dict[str, bytes]:
        """Only the row digests of those contacts (what early settling compares first): the
        writes are fetched for the rows it leaves (`get_many`)."""
        return {str(cid): bytes(raw) for cid, raw in self._select("id, raw", contact_ids)
                if raw is not None}

    def _select(self, columns: str, contact_ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        for start in range(0, len(contact_ids), CHUNK):
            part = list(contact_ids[start : start + CHUNK])
            marks = ",".join("?" * len(part))
            yield from self._db.execute(
                f"SELECT {columns} FROM verified WHERE scope = ? AND id IN ({marks})",  # noqa: S608
                [self.scope, *part],
            )

    def get(self, contact_id: str) -> bytes | None:
        return self.get_many([contact_id]).get(contact_id)

    def forget(self, contact_ids: Iterable[str]) -> None:
        """Drop contacts about to be written, in every scope of the list, committed before the
        request leaves: until the server answers, nothing is known of them."""
        ids = list(dict.fromkeys(contact_ids))
        if not ids:
            return
        self._db.execute("PRAGMA synchronous=FULL")  # on disk before the request leaves
        self._db.execute("BEGIN IMMEDIATE")
        scopes = [row[0] for row in self._db.execute("SELECT scope FROM scopes")]
        for scope in scopes:  # by the key, scope first: no scan of the table
            for start in range(0, len(ids), CHUNK):
                part = ids[start : start + CHUNK]
                marks = ",".join("?" * len(part))
                self._db.execute(
                    f"DELETE FROM verified WHERE scope = ? AND id IN ({marks})",  # noqa: S608
                    [scope, *part],
                )
        self._db.execute("COMMIT")

    def record(
        self,
        verified: Iterable[tuple[str, Mapping[str, Any]]],
        raws: Mapping[str, bytes] | None = None,
    ) -> None:
        """Keep contacts' verified writes (contact id, a row's writes), in one transaction,
        with the digest of the row that wrote them where given (`raws`, by contact id)."""
        raw_of = raws or {}
        rows = [(self.scope, cid, orjson.dumps(doc), raw_of.get(cid))
                for cid, doc in verified if doc]
        if not rows:
            return
        # a lost record only costs a request next time: no sync of its own (a later forget's
        # sync of the log covers it, in order)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("BEGIN IMMEDIATE")
        # the scope is listed, so that `forget` (which goes scope by scope) finds these
        self._db.execute("INSERT OR IGNORE INTO scopes (scope) VALUES (?)", (self.scope,))
        self._db.executemany(
            "INSERT OR REPLACE INTO verified (scope, id, doc, raw) VALUES (?, ?, ?, ?)", rows
        )
        self._db.execute("COMMIT")

    def clear(self) -> None:
        """Drop this scope's values (a list read starts over: a contact it no longer holds
        must not stay 'verified')."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM verified WHERE scope = ?", (self.scope,))
        self._db.execute("UPDATE scopes SET complete = 0 WHERE scope = ?", (self.scope,))
        self._db.execute("COMMIT")

    def invalidate(self) -> None:
        """Drop every scope's values and completeness: something this snapshot cannot follow
        contact by contact (a run without `--changed-only`) writes the list; the next sync of
        each scope reads the list again."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM verified")
        self._db.execute("UPDATE scopes SET complete = 0")
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
