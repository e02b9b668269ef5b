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
    """409: the request clashes with the server's state (e.g. a phone already suppressed)."""


class IdempotencyKeyReused(Conflict):
    """The server already knew the request's Idempotency-Key for a different request: nothing
    of this one was applied, it is not retryable, and its answer is no answer about it.

    A `Conflict`, so a caller that treats a 409 as "not applied" stays right whichever way an
    ambiguous 409 is read (`error_from_response`)."""


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


class SchemaDrift(CXoneError):
    """A 2xx reply whose shape the client does not know: the tenant and the contract disagree."""

    def __init__(
        self, endpoint: str, *, expected: frozenset[str] | set[str], seen: Any,
        where: str = "",
    ) -> None:
        seen_keys = sorted(seen) if isinstance(seen, Mapping) else [type(seen).__name__]
        place = f" in {where}" if where else ""
        super().__init__(
            f"{endpoint}: the reply's shape is not the published one{place}: expected keys "
            f"{sorted(expected)}, saw {seen_keys}. Run `cxo tenant probe` and report the shape "
            "file it writes (docs/real-tenant.md)",
            code="SCHEMA_DRIFT",
        )
        self.endpoint = endpoint
        self.expected = sorted(expected)
        self.seen = seen_keys
        self.where = where


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


IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"

_STATUS_ERRORS: dict[int, type[CXoneError]] = {
    400: ValidationError,
    401: AuthError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: ValidationError,
    428: PreconditionRequired,
    429: RateLimited,
}


def error_class_for_status(status: int) -> type[CXoneError]:
    """The exception class that stands for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _STATUS_ERRORS.get(status, CXoneError)


def error_from_response(
    status: int,
    body: Any,
    *,
    context: str,
    request_id: str | None,
    retry_after: float | None = None,
    note: str = "",
    keyed_409_is_reuse: bool = False,
) -> CXoneError:
    """Build the error for an HTTP error answer from the contract's error body.

    `body` is the parsed JSON (or None). Contract form:
    `{"error": {"code", "message", "field", "details"}, "requestId"}`; the RFC 6749 form
    `{"error": "invalid_client", "error_description": ...}` is read too. `context` names the call
    (`"GET /api/v2/contacts/..."`); `note` says why retries stopped, when they did.
    `keyed_409_is_reuse`: the request carried an Idempotency-Key to a server whose contract
    answers a reused key with 409 (v2, API.md §2; see `_is_key_reuse`).
    """
    code: str | None = None
    message: str | None = None
    field: str | None = None
    details: list[Mapping[str, Any]] = []
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            code = _text(error.get("code"))
            message = _text(error.get("message"))
            field = _text(error.get("field"))
            raw_details = error.get("details")
            if isinstance(raw_details, list):
                details = [d for d in raw_details if isinstance(d, Mapping)]
        elif isinstance(error, str):
            code = error
            message = _text(body.get("error_description"))
        request_id = _text(body.get("requestId")) or request_id
    text = f"{context}: {message or f'HTTP {status}'}"
    if note:
        text += f" ({note})"
    cls = error_class_for_status(status)
    if _is_key_reuse(status, code, field, keyed_409_is_reuse):
        cls = IdempotencyKeyReused
    kw: dict[str, Any] = {
        "status": status,
        "code": code,
        "request_id": request_id,
        "field": field,
        "details": details,
        "body": body,
    }
    if cls is RateLimited:
        return RateLimited(text, retry_after=retry_after, **kw)
    return cls(text, **kw)


def _is_key_reuse(status: int, code: str | None, field: str | None, keyed_409: bool) -> bool:
    """Whether an error answer says the request's Idempotency-Key named another request.

    The code says so outright (409 or 422: the sandbox answered 422 until it followed API.md).
    Otherwise API.md gives a keyed POST one 409 of its own, the reused key, and names no code: a
    real server may send another one. So a keyed 409 is a reused key unless the error names a
    field of the request's content (the sandbox's `ALREADY_SUPPRESSED` names `phoneNumber`):
    then the server looked at this body, and it is a conflict about it.
    """
    if code == IDEMPOTENCY_KEY_REUSED:
        return status < 500
    if status != 409 or not keyed_409:
        return False
    return field is None or field.lower() == "idempotency-key"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
