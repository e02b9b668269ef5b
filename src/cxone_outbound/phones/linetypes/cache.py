"""Paid line-type answers kept in SQLite with a time to live: a re-run pays nothing for them.

One row per (provider, E.164): the mapped line type, the provider's own type name and error
code, and when it was fetched. The wall clock is injected (`now`), so expiry is tested without
waiting. The file lives under the state dir (`line-types.sqlite3`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxone_outbound.phones import LineType
from cxone_outbound.private_files import private_dir, private_sqlite

__all__ = ["CACHE_FILE", "Answer", "LineTypeCache"]

CACHE_FILE = "line-types.sqlite3"
_CHUNK = 500  # SQLite's host-parameter limit is at least 999


@dataclass(frozen=True, slots=True)
class Answer:
    """A provider's answer about one number. `line_type` None: the provider could not say
    (`error_code` says why), so the offline classification stands."""

    line_type: LineType | None
    raw_type: str | None = None
    error_code: int | None = None


class LineTypeCache:
    """Answers by (provider, E.164) younger than `ttl_s` seconds."""

    def __init__(
        self, path: Path, *, ttl_s: float, now: Callable[[], float] = time.time
    ) -> None:
        private_dir(path.parent)
        self.path = path
        self.ttl_s = ttl_s
        self._now = now
        self._db = sqlite3.connect(private_sqlite(path))  # phone numbers: owner-only, 0600
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS answers (provider TEXT NOT NULL, e164 TEXT NOT NULL, "
            "line_type TEXT, raw_type TEXT, error_code INTEGER, fetched_at REAL NOT NULL, "
            "PRIMARY KEY (provider, e164)) WITHOUT ROWID"
        )
        self._db.commit()

    def get_many(self, provider: str, numbers: Sequence[str]) -> dict[str, Answer]:
        """The fresh answers among `numbers` (expired ones are as good as absent)."""
        oldest = self._now() - self.ttl_s
        found: dict[str, Answer] = {}
        for start in range(0, len(numbers), _CHUNK):
            chunk = numbers[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT e164, line_type, raw_type, error_code FROM answers "  # noqa: S608 - marks only
                f"WHERE provider = ? AND fetched_at > ? AND e164 IN ({marks})",
                [provider, oldest, *chunk],
            )
            for e164, line_type, raw_type, error_code in rows:
                found[e164] = Answer(LineType(line_type) if line_type else None, raw_type,
                                     error_code)
        return found

    def put_many(self, provider: str, answers: Mapping[str, Answer] | Iterable[
            tuple[str, Answer]]) -> None:
        items = answers.items() if isinstance(answers, Mapping) else answers
        now = self._now()
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                [(provider, e164, a.line_type.value if a.line_type else None, a.raw_type,
                  a.error_code, now) for e164, a in items],
            )

    def close(self) -> None:
        self._db.close()
