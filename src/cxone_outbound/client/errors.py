"""The client's exception hierarchy: every error carries status, error code and request id.

Callers branch on the class (what went wrong), log the request id (whom to ask), and the CLI
maps each class to a documented exit code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class CXoneError(Exception):
    """Base of every error raised by the client core."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        field: str | None = None,
        details: Sequence[Mapping[str, Any]] = (),
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.field = field
        self.details = list(details)
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.field:
            parts.append(f"field={self.field}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)


class ConfigurationError(CXoneError):
    """Settings that cannot work (missing credentials, a malformed URL)."""


class AuthError(CXoneError):
    """401: bad client credentials (`invalid_client`) or a token the server refuses."""


class PermissionDenied(CXoneError):
    """403, or `invalid_scope` at the token endpoint: the client lacks a scope."""


class NotFound(CXoneError):
    """404: the resource does not exist (or no longer does)."""


class Conflict(CXoneError):
    """409: e.g. an idempotency key reused with a different body."""


class PreconditionFailed(CXoneError):
    """412: `If-Match` named a stale version; `current_version` is the server's."""

    @property
    def current_version(self) -> str | None:
        if isinstance(self.body, Mapping):
            for key in ("currentVersion", "version"):
                value = self.body.get(key)
                if value is None and isinstance(self.body.get("error"), Mapping):
                    value = self.body["error"].get(key)
                if value is not None:
                    return str(value)
        return None


class PreconditionRequired(CXoneError):
    """428: the write needs `If-Match`."""


class ValidationError(CXoneError):
    """400/422: the request was refused for its content; `field` and `details` say where."""


class PayloadTooLarge(CXoneError):
    """413: too many rows or bytes in one request."""


class RateLimited(CXoneError):
    """429 that outlived the retry policy; `retry_after` is the server's last hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(CXoneError):
    """5xx that outlived the retry policy (nothing was applied, per the contract)."""


class TransportError(CXoneError):
    """The request never got an HTTP answer: connection refused or dropped, timeout."""
