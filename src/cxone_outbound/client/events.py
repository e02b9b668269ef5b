"""What the transport reports about each HTTP attempt, for audit logs, metrics and progress.

The transport knows nothing of runs or files: it calls an observer with one `RequestEvent`
per attempt, and the engine turns those into audit lines and counters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestEvent:
    """One HTTP attempt, finished (answered or failed)."""

    method: str
    path: str  # path and query only; never credentials
    status: int | None  # None when no HTTP answer came (connection error, timeout)
    elapsed_s: float
    attempt: int  # 1 for the first try
    request_id: str
    error_code: str | None = None  # contract error code, or e.g. "CONNECTION_ERROR"
    retry_after_s: float | None = None  # the server's Retry-After, parsed
    will_retry: bool = False
    idempotency_key: str | None = None


RequestObserver = Callable[[RequestEvent], None]
