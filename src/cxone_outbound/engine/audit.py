"""audit.jsonl: one JSON line per API call, per flush of outcomes and per record that failed
or was skipped, with secrets redacted.

A record that succeeded or was unchanged has no line of its own (the journal and its result
file say it): a flush writes one `outcomes` line counting them, so a million-row import (or a
change-only sync) does not write a million audit lines (issue 15). A failed or skipped record
keeps its `outcome` line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.events import RequestEvent
from cxone_outbound.engine.records import Outcome, Record
from cxone_outbound.private_files import open_private, private_dir

_SECRET_QUERY = re.compile(
    r"((?:access_)?token|secret|password|client_secret|api_key|key|signature)=[^&#]*", re.I
)


def redact_path(path: str) -> str:
    """A request path with the values of secret-looking query parameters replaced."""
    if "=" not in path:
        return path  # no query values: the regex would find nothing, at some cost per request
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=REDACTED", path)


class AuditLog:
    """Appends audit events to a file; buffered, flushed with the journal."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        self.path = path
        self._fh = open_private(path, "ab")

    def write(self, event: dict[str, Any]) -> None:
        event.setdefault("ts", round(time.time(), 6))
        self._fh.write(orjson.dumps(event) + b"\n")

    def request(self, event: RequestEvent) -> None:
        self.write(
            {
                "type": "request",
                "method": event.method,
                "path": redact_path(event.path),
                "status": event.status,
                "elapsed_ms": round(event.elapsed_s * 1000, 3),
                "attempt": event.attempt,
                "request_id": event.request_id,
                "error_code": event.error_code,
                "retry_after_s": event.retry_after_s,
                "will_retry": event.will_retry,
                "idempotency_key": event.idempotency_key,
            }
        )

    def outcome(self, record: Record, outcome: Outcome, attempts: int) -> None:
        error = outcome.error
        self.write(
            {
                "type": "outcome",
                "key": record.key,
                "line": record.line,
                "state": str(outcome.state),
                "attempts": attempts,
                "remote_id": outcome.remote_id,
                "error_code": error.code if error else None,
                "message": error.message if error else None,
                "field": error.field if error else None,
            }
        )

    def settled(self, counts: Mapping[str, int], first_line: int, last_line: int) -> None:
        """A flush's records that ended without an error (succeeded, unchanged), counted by
        state on one line (none: no line)."""
        counts = {state: n for state, n in counts.items() if n}
        if counts:
            self.write(
                {
                    "type": "outcomes",
                    "counts": counts,
                    "first_line": first_line,
                    "last_line": last_line,
                }
            )

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
