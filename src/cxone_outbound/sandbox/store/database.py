"""What every part of the store shares: the connection, transactions, the clock, ids, events."""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxone_outbound.sandbox.store.schema import connect

_VARIANT = {f"{n:x}": f"{8 | (n & 3):x}" for n in range(16)}
"""A hex digit with its top two bits set to RFC 4122's variant (10xx)."""

EventSink = Callable[[str, str, dict[str, Any]], None]
"""Called with (tenant id, event name, data) after a change is committed."""


def _no_events(tenant_id: str, event: str, data: dict[str, Any]) -> None:
    return None


class Database:
    """The open database plus the clock and the event sink the rules use."""

    def __init__(self, path: Path, *, wall: Callable[[], float] = time.time) -> None:
        self.path = path
        self.conn: sqlite3.Connection = connect(path)
        self.wall = wall
        self.sink: EventSink = _no_events
        self._pending: list[tuple[str, str, dict[str, Any]]] = []
        self._depth = 0

    def now(self) -> str:
        """The current time as an ISO 8601 UTC string with milliseconds."""
        return iso(self.wall())

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def new_ids(count: int) -> list[str]:
        """`count` UUID4s (the same as `new_id`'s) from one read of the random source, without a
        `UUID` object each: an import chunk takes thousands at once (issue 15)."""
        raw = os.urandom(16 * count).hex()
        return [f"{raw[i:i + 8]}-{raw[i + 8:i + 12]}-4{raw[i + 13:i + 16]}-"
                f"{_VARIANT[raw[i + 16]]}{raw[i + 17:i + 20]}-{raw[i + 20:i + 32]}"
                for i in range(0, 32 * count, 32)]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing; events raised inside are published only after the commit."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            self._pending.clear()
            raise
        finally:
            self._depth = 0
        self.conn.execute("COMMIT")
        pending, self._pending = self._pending, []
        for tenant_id, event, data in pending:
            self.sink(tenant_id, event, data)

    def emit(self, tenant_id: str, event: str, data: dict[str, Any]) -> None:
        """Queue an event; it reaches the sink when the surrounding transaction commits."""
        if self._depth:
            self._pending.append((tenant_id, event, data))
        else:
            self.sink(tenant_id, event, data)

    def close(self) -> None:
        self.conn.close()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
