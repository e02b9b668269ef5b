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

A nightly sync that looks up most of the list reads the scope's row digests once into memory
(`digests.DigestIndex`, 16 bytes a contact) instead of a window at a time: a contact this run
has written since is looked up in the file again, and a write by another process (SQLite's
`data_version`) sends the rest of the run back to the file.

One SQLite file per list and tenant (base URL, client, tenant, dialect) under the state dir
(`<state>/sync/<hash>.sqlite3`, 0600: it holds contact values), one *scope* per job kind and
compared fields or mapping (`scope_of`): a run whose scope differs finds no snapshot and reads
the list. Memory does not grow with the list.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from cxone_outbound.jobs.sync.verified import VerifiedRows
from cxone_outbound.private_files import private_dir, private_sqlite

if TYPE_CHECKING:
    from cxone_outbound.jobs.sync.digests import DigestIndex

SYNC_DIR = "sync"
CHUNK = 500  # ids per IN (...) query: under SQLite's variable limit
INDEX_AFTER = 20_000  # contacts a run looks up before the scope's digests are held in memory
WRITTEN_MAX = 100_000  # contacts written in a run beyond which the index is dropped


DIGEST_SETS = """
CREATE TABLE IF NOT EXISTS generation (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
INSERT OR IGNORE INTO generation (one, n) VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS verified_inserted AFTER INSERT ON verified
BEGIN UPDATE generation SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS verified_updated AFTER UPDATE ON verified
BEGIN UPDATE generation SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS verified_deleted AFTER DELETE ON verified
BEGIN UPDATE generation SET n = n + 1; END;
CREATE TABLE IF NOT EXISTS digest_sets (scope TEXT PRIMARY KEY, generation INTEGER NOT NULL,
    digests BLOB NOT NULL);
"""
"""A scope's digests kept as one sorted blob (`Snapshot._keep_digests`), valid while nothing has
written `verified` since: its `generation`, moved on by trigger at every row written."""


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
        self._db.executescript(DIGEST_SETS)
        self.count = 0  # contacts looked up in it (`CurrentValues.count`'s place in reports)
        self._index: DigestIndex | None = None  # the scope's digests in memory (`raws`)
        self._index_off = False  # not for this run (see `_index_for`)
        self._index_version = 0
        # contacts this run wrote since the index was read, with their digests then (None:
        # none), which `_keep_digests` swaps for what the file holds of them at the end
        self._written: dict[str, bytes | None] = {}
        self._kept_tried = False  # whether the scope's kept digest set was looked for
        self._looked_up = 0
        self._scope_size: int | None = None

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
        """A list read completed at `at`: the scope is a snapshot to compare with from now,
        and its digests are kept for the next run (`_keep_digests`; a scan, a fraction of
        the list read's cost)."""
        self._db.execute(
            "UPDATE scopes SET listed_at = ?, complete = 1 WHERE scope = ?", (at, self.scope)
        )
        if self._index is None:
            self._index_version, self._written = self._data_version(), {}
            self._index = self._scan()

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

    def verified_rows(self, contact_ids: Sequence[str]) -> VerifiedRows:
        """Which rows of those contacts are the very rows the server last verified (what early
        settling compares first; the writes are fetched for the rows it leaves, `get_many`).
        Once a run has looked up a good part of the scope, from the scope's digests held in
        memory (`DigestIndex`), except for contacts this run has written since (and for none
        once another process has written the file)."""
        index = self._index_for(len(contact_ids))
        if index is None:
            return VerifiedRows(self._raws_read(contact_ids))
        written = self._written
        in_file = {cid for cid in contact_ids if cid in written} if written else set()
        return VerifiedRows(self._raws_read(list(in_file)) if in_file else {}, index, in_file)

    def _raws_read(self, contact_ids: Sequence[str]) -> dict[str, bytes]:
        return {str(cid): bytes(raw) for cid, raw in self._select("id, raw", contact_ids)
                if raw is not None}

    def _index_for(self, wanted: int) -> DigestIndex | None:
        """The scope's digests in memory, read once this run has looked up at least
        `INDEX_AFTER` contacts and a tenth of the scope (a short file against a long list
        keeps to the window look-ups); dropped for the rest of the run when another
        connection has written the file since, or when this run has written too many
        contacts to keep track of."""
        if self._index_off:
            return None
        if self._index is not None:
            if self._data_version() != self._index_version or len(self._written) > WRITTEN_MAX:
                self._drop_index()
                return None
            return self._index
        if not self._kept_tried:  # kept by the last run, and nothing written since: at once
            self._kept_tried = True
            version = self._data_version()  # before the read: a later write is then seen
            row = self._db.execute(
                "SELECT d.digests FROM digest_sets d JOIN generation g ON d.generation = g.n"
                " WHERE d.scope = ?", (self.scope,)
            ).fetchone()
            if row is not None:
                from cxone_outbound.jobs.sync.digests import DigestIndex

                self._index = DigestIndex.of_sorted(bytes(row[0]))
                self._index_version, self._written = version, {}
                return self._index
        self._looked_up += wanted
        if self._looked_up < INDEX_AFTER:
            return None
        if self._scope_size is None:
            self._scope_size = int(self._db.execute(
                "SELECT count(*) FROM verified WHERE scope = ?", (self.scope,)
            ).fetchone()[0])
        if self._looked_up * 10 < self._scope_size:
            return None
        version = self._data_version()
        self._index = self._scan()
        self._index_version, self._written = version, {}
        return self._index

    def _scan(self) -> DigestIndex:
        """The scope's digests as the file holds them (~0.5-1 µs a contact)."""
        from cxone_outbound.jobs.sync.digests import DigestIndex  # numpy: not at cxo's start

        rows = self._db.execute(
            "SELECT raw FROM verified WHERE scope = ? AND raw IS NOT NULL", (self.scope,)
        )
        return DigestIndex.read(
            [bytes(raw) for (raw,) in chunk] for chunk in iter(lambda: rows.fetchmany(65_536), [])
        )

    def _data_version(self) -> int:
        """Changes only when another connection commits to the file (SQLite's data_version)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _drop_index(self) -> None:
        self._index, self._index_off, self._written = None, True, {}

    def _touching(self, contact_ids: Sequence[str]) -> None:
        """Contacts about to be written (in the caller's transaction), while the digests are
        held: their digests before, the first time, so `_keep_digests` can swap them."""
        if self._index is None:
            return
        new = [cid for cid in dict.fromkeys(contact_ids) if cid not in self._written]
        if new:
            before = self._raws_read(new)
            self._written.update((cid, before.get(cid)) for cid in new)

    def _keep_digests(self) -> None:
        """Keep the scope's digests as held now, for the next run to take at once (one blob,
        valid while the file's `generation` is the one kept with it: any write to `verified`,
        by any version of this tool or by hand, moves it on, by trigger). Held means exact:
        the digests as read (nobody else has written since, by `data_version`), those of the
        contacts this run wrote swapped for what the file holds of them now. Best effort: a
        failure only costs the next run a scan."""
        index = self._index
        if index is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._data_version() == self._index_version:
                    now = self._raws_read(list(self._written))
                    kept = index.changed([d for d in self._written.values() if d is not None],
                                         list(now.values()))
                    self._db.execute(
                        "INSERT OR REPLACE INTO digest_sets (scope, generation, digests)"
                        " SELECT ?, n, ? FROM generation", (self.scope, kept.sorted_digests()))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

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
        self._touching(ids)
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
        self._touching([row[1] for row in rows])
        # the scope is listed, so that `forget` (which goes scope by scope) finds these
        self._db.execute("INSERT OR IGNORE INTO scopes (scope) VALUES (?)", (self.scope,))
        self._db.executemany(
            "INSERT OR REPLACE INTO verified (scope, id, doc, raw) VALUES (?, ?, ?, ?)", rows
        )
        self._db.execute("COMMIT")

    def clear(self) -> None:
        """Drop this scope's values (a list read starts over: a contact it no longer holds
        must not stay 'verified')."""
        self._drop_index()
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM verified WHERE scope = ?", (self.scope,))
        self._db.execute("UPDATE scopes SET complete = 0 WHERE scope = ?", (self.scope,))
        self._db.execute("COMMIT")

    def invalidate(self) -> None:
        """Drop every scope's values and completeness: something this snapshot cannot follow
        contact by contact (a run without `--changed-only`) writes the list; the next sync of
        each scope reads the list again."""
        self._drop_index()
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM verified")
        self._db.execute("UPDATE scopes SET complete = 0")
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._keep_digests()
        self._db.close()
