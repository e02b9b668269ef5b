"""`DownloadedLists`: calling lists as downloaded, held in a SQLite file rather than in memory.

An update or enrichment on the admin dialect re-uploads whole records, so the client needs
every record it may merge onto, and where each one stood in the download (a read-back starts
near it). At a million records Python objects cost over 2 KB each (issue 15); a file costs a
page cache. Records are kept as the list holds them (column -> value, the JSON as read or the
row as uploaded), so keeping a page costs a JSON dump, not a model. The file is scratch: made
in a private folder on first use, removed on `close`, never synced (a crash loses nothing that
a new download would not bring back).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.admin.scratch import ScratchDb

_SCHEMA = """
CREATE TABLE records (
    list_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    record BLOB NOT NULL,
    UNIQUE (list_id, external_id)
);
CREATE INDEX records_home ON records (external_id);
CREATE TABLE removed (list_id TEXT NOT NULL, position INTEGER NOT NULL);
CREATE INDEX removed_at ON removed (list_id, position);
"""


def _ids(ids: Sequence[str]) -> str:
    """Ids as one JSON array parameter (`json_each(?)`): any number, no SQL built from them."""
    return orjson.dumps(list(ids)).decode()


class DownloadedLists:
    """Per list: external id -> the record as downloaded (or as last re-uploaded) and its
    download position, plus the positions removed since, and which lists were read whole.

    `scratch` is the folder for the file (a temporary folder of the system's if None); the
    file and a folder made for it are removed on `close`. One event loop's use: no locking.
    """

    def __init__(self, scratch: Path | None = None) -> None:
        self._file = ScratchDb(scratch, "lists", _SCHEMA)
        self._whole: set[str] = set()

    @property
    def _db(self) -> sqlite3.Connection | None:
        return self._file.opened

    def _open(self) -> sqlite3.Connection:
        return self._file.connection()

    @property
    def path(self) -> Path | None:
        """The file, once made (tests check it is gone after `close`)."""
        return self._file.path

    def close(self) -> None:
        """Remove the file and forget every list (a reopened client downloads again)."""
        self._file.close()
        self._whole.clear()

    # -- a download ------------------------------------------------------------------------
    def begin(self, list_id: str) -> None:
        """A new download of the list starts: positions now count from its first record."""
        self._open().execute("DELETE FROM removed WHERE list_id = ?", (list_id,))

    def add(self, list_id: str, page: Iterable[tuple[str, Mapping[str, Any]]],
            start: int) -> None:
        """A downloaded page, (external id, record) each, whose first record is at `start`."""
        db = self._open()
        with db:
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO records (list_id, external_id, position, record) "
                "VALUES (?, ?, ?, ?)",
                ((list_id, external_id, start + n, orjson.dumps(record))
                 for n, (external_id, record) in enumerate(page)))

    def mark_whole(self, list_id: str) -> None:
        self._whole.add(list_id)

    def is_whole(self, list_id: str) -> bool:
        return list_id in self._whole

    def forget(self, list_id: str) -> None:
        """Drop the list (records came that were not merged here: download it again)."""
        self._whole.discard(list_id)
        if self._db is not None:
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM records WHERE list_id = ?", (list_id,))
                self._db.execute("DELETE FROM removed WHERE list_id = ?", (list_id,))

    # -- reads -----------------------------------------------------------------------------
    def get(self, list_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The records of `ids` as downloaded or re-uploaded (absent ids are left out)."""
        if self._db is None:
            return {}
        rows = self._db.execute(
            "SELECT external_id, record FROM records WHERE list_id = ? "
            "AND external_id IN (SELECT value FROM json_each(?))", (list_id, _ids(ids)))
        return {external_id: orjson.loads(record) for external_id, record in rows}

    def home(self, contact_id: str) -> str | None:
        """The list the contact was last downloaded from (ids are per list on this dialect)."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT list_id FROM records WHERE external_id = ? "
                               "ORDER BY rowid DESC LIMIT 1", (contact_id,)).fetchone()
        return None if row is None else str(row[0])

    def first_place(self, list_id: str, ids: Sequence[str]) -> int | None:
        """Where the first of `ids` in download order stands in the list now, as records
        removed before it have moved it up; None if the list holds none of them.

        A position less the removals before it never decreases along the list, so the first
        id's is the least of them all.
        """
        if self._db is None:
            return None
        (first,) = self._db.execute(
            "SELECT MIN(position) FROM records WHERE list_id = ? "
            "AND external_id IN (SELECT value FROM json_each(?))", (list_id, _ids(ids))).fetchone()
        if first is None:
            return None
        (before,) = self._db.execute(
            "SELECT COUNT(*) FROM removed WHERE list_id = ? AND position < ?",
            (list_id, first)).fetchone()
        return int(first) - int(before)

    # -- writes after the server's answer ----------------------------------------------------
    def replace(self, list_id: str, records: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
        """Records as re-uploaded and read back, (external id, row) each: they keep their
        place in the list."""
        if self._db is None or not records:
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE records SET record = ? WHERE list_id = ? AND external_id = ?",
                ((orjson.dumps(record), list_id, external_id) for external_id, record in records))

    def remove(self, list_id: str, ids: Sequence[str]) -> None:
        """Records the server removed: the ones after them move up a place each."""
        if self._db is None or not ids:
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("INSERT INTO removed (list_id, position) SELECT list_id, position "
                             "FROM records WHERE list_id = ? "
                             "AND external_id IN (SELECT value FROM json_each(?))",
                             (list_id, _ids(ids)))
            self._db.execute("DELETE FROM records WHERE list_id = ? "
                             "AND external_id IN (SELECT value FROM json_each(?))",
                             (list_id, _ids(ids)))
