"""The sandbox's API errors: one class per contract error, each knowing its HTTP status and code.

The store raises these; the routes render them as the contract's error body. Nothing here knows
about HTTP beyond the status number, so the rules stay testable without a server.
"""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A contract error: `{"error": {"code", "message", "field", "details"}, "requestId"}`."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details
        if code is not None:
            self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The `error` object of the contract body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        if self.details is not None:
            error["details"] = self.details
        error.update(self.extra)
        return error


class ValidationFailed(SandboxError):
    status = 400
    code = "VALIDATION_ERROR"


class MalformedBody(SandboxError):
    status = 400
    code = "MALFORMED_BODY"


class Unauthenticated(SandboxError):
    status = 401
    code = "INVALID_TOKEN"


class Forbidden(SandboxError):
    status = 403
    code = "INSUFFICIENT_SCOPE"


class NotFound(SandboxError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(SandboxError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(SandboxError):
    status = 409
    code = "CONFLICT"


class IdempotencyKeyReused(SandboxError):
    """A key already named another request (method, URL or body): refused with 409, as API.md
    §2 says (the code is the sandbox's: the contract names none)."""

    status = 409
    code = "IDEMPOTENCY_KEY_REUSED"


class PreconditionFailed(SandboxError):
    status = 412
    code = "PRECONDITION_FAILED"


class PayloadTooLarge(SandboxError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(SandboxError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


class PreconditionRequired(SandboxError):
    status = 428
    code = "PRECONDITION_REQUIRED"


class RateLimited(SandboxError):
    status = 429
    code = "RATE_LIMITED"


class InjectedFault(SandboxError):
    """A server error the fault injector chose to return; nothing was applied."""

    status = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, status: int) -> None:
        super().__init__(f"injected fault: HTTP {status}",
                         code=_FAULT_CODES.get(status, "SERVER_ERROR"))
        self.status = status


_FAULT_CODES = {
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


class OAuthError(Exception):
    """An RFC 6749 §5.2 token endpoint error: `{"error": "invalid_client", ...}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
