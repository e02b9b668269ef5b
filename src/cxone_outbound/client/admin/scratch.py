"""`ScratchDb`: a SQLite file of the client's own, for what would cost too much memory as
Python objects at a million records (issue 15).

Made in a private temporary folder on first use and removed on `close`; never synced (a crash
loses nothing that reading the list again would not bring back).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path


class ScratchDb:
    """One scratch file: `schema` is run when it is made; `scratch` is the folder to make it
    in (a temporary folder of the system's if None)."""

    def __init__(self, scratch: Path | None, name: str, schema: str) -> None:
        self._scratch = scratch
        self._name = name
        self._schema = schema
        self._folder: Path | None = None
        self.opened: sqlite3.Connection | None = None  # None until first used

    def connection(self) -> sqlite3.Connection:
        if self.opened is None:
            if self._scratch is not None:
                self._scratch.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(prefix=f".cxo-admin-{self._name}-",
                                                 dir=self._scratch))
            db = sqlite3.connect(self._folder / f"{self._name}.db", isolation_level=None)
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.executescript(self._schema)
            self.opened = db
        return self.opened

    @property
    def path(self) -> Path | None:
        """The file, once made (tests check it is gone after `close`)."""
        return None if self._folder is None else self._folder / f"{self._name}.db"

    def close(self) -> None:
        if self.opened is not None:
            self.opened.close()
            self.opened = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
