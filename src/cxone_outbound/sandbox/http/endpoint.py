"""The request pipeline every API route shares: faults, auth, scopes, rate limit, idempotency,
error rendering, counters and the X-Request-Id / X-RateLimit-* headers.

Handlers get a `Call` (the parsed request plus the caller's tenant) and return a `Reply`;
whatever `SandboxError` they raise becomes the contract's error body. Nothing here knows rules.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from cxone_outbound.sandbox.errors import (
    Forbidden,
    InjectedFault,
    MalformedBody,
    PayloadTooLarge,
    RateLimited,
    SandboxError,
    Unauthenticated,
    ValidationFailed,
)
from cxone_outbound.sandbox.http.ratelimit import Decision
from cxone_outbound.sandbox.store.idempotency import MAX_KEY, StoredResponse, fingerprint

if TYPE_CHECKING:
    from cxone_outbound.sandbox.http.faults import Verdict
    from cxone_outbound.sandbox.http.runtime import Sandbox

log = logging.getLogger(__name__)
JSON = "application/json"
DRAIN_BYTES = 16 * 1024 * 1024


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    """One API request as handlers see it."""

    request: Request
    sandbox: Sandbox
    tenant_id: str
    client_id: str
    _body: bytes | None = None

    @property
    def params(self) -> dict[str, str]:
        return self.request.path_params

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    async def body(self, limit: int | None = None) -> bytes:
        if self._body is None:
            self._body = await read_body(self.request,
                                         limit or self.sandbox.options.max_json_bytes)
        return self._body

    async def json(self) -> Any:
        raw = await self.body()
        if not raw.strip():
            raise MalformedBody("a JSON body is required", code="MALFORMED_JSON")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MalformedBody(f"body is not valid JSON: {exc}", code="MALFORMED_JSON") from None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over `limit` bytes without reading it all."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        if int(length) <= DRAIN_BYTES:  # read it away, so the client sees the 413, not EPIPE
            async for _ in request.stream():
                pass
        raise PayloadTooLarge(f"body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def error_response(exc: SandboxError, request_id: str,
                   headers: dict[str, str] | None = None) -> Response:
    body = {"error": exc.body(), "requestId": request_id}
    out = {"X-Request-Id": request_id} | (headers or {})
    if isinstance(exc, Unauthenticated):
        out["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{exc.message}"'
    return Response(orjson.dumps(body), exc.status, out, media_type=JSON)


def rate_headers(decision: Decision | None) -> dict[str, str]:
    if decision is None or not decision.announce:
        return {}
    limit = f"{decision.limit:g}" if decision.limit < 1e6 else str(int(decision.limit))
    return {"X-RateLimit-Limit": limit,
            "X-RateLimit-Remaining": str(decision.remaining),
            "X-RateLimit-Reset": str(decision.reset_s)}


class Dropped(Response):
    """Not a response: the connection is cut (a fault), as a flaky network would."""

    def __init__(self) -> None:
        super().__init__(status_code=599)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = getattr(getattr(receive, "__self__", None), "transport", None)
        if transport is None:  # not under uvicorn: the closest thing is an incomplete response
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"1000")]})
            return
        transport.abort()
        try:  # wait until the server notices, so it does not answer on the dead connection
            async with asyncio.timeout(1.0):
                while (await receive())["type"] != "http.disconnect":
                    pass
        except TimeoutError:
            pass


async def apply_faults(
    sandbox: Sandbox, request: Request, route: str
) -> tuple[Verdict, Response | None]:
    """The fault verdict for a request, its side effects done (a revoked token, latency) in
    both dialects alike; with a `Dropped` answer when the connection is to be cut. A storm or
    an injected error the caller renders in its dialect's shape."""
    verdict = sandbox.faults.decide(request.method, request.url.path)
    if verdict.revoke:
        sandbox.store.auth.revoke()
    if verdict.latency:
        await asyncio.sleep(verdict.latency)
    if verdict.drop:
        sandbox.counters.count(route, 0)
        return verdict, Dropped()
    return verdict, None


Handler = Callable[[Call], Awaitable[Reply]]


def api(route: str, handler: Handler, scopes: frozenset[str] | None) -> Callable[
        [Request], Awaitable[Response]]:
    """Wrap `handler` (needing any one of `scopes`) in the shared pipeline; `route` names it."""

    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        decision: Decision | None = None
        try:
            verdict, dropped = await apply_faults(sandbox, request, route)
            if dropped is not None:
                return dropped
            if verdict.storm_retry_after is not None:
                raise RateLimited("too many requests (storm)", extra={
                    "retryAfter": math.ceil(verdict.storm_retry_after)})
            if verdict.error_status is not None:
                raise InjectedFault(verdict.error_status)
            try:
                token = sandbox.store.auth.check(request.headers.get("authorization"))
            except Unauthenticated:
                decision = sandbox.limiter.take("anonymous")
                if decision is not None and not decision.allowed:
                    raise _limited(decision) from None
                raise
            decision = sandbox.limiter.take(token.client_id)
            if decision is not None and not decision.allowed:
                raise _limited(decision)
            if scopes and not (token.scopes & scopes):
                raise Forbidden(f"token lacks scope {' or '.join(sorted(scopes))}",
                                extra={"requiredScopes": sorted(scopes)})
            call = Call(request, sandbox, token.tenant_id, token.client_id)
            key = request.headers.get("idempotency-key")
            if key is not None and request.method == "POST":
                reply_response = await _idempotent(call, key, handler, route)
            else:
                reply = await handler(call)
                reply_response = _render(reply)
        except SandboxError as exc:
            extra = {}
            if isinstance(exc, RateLimited):
                retry_after = exc.extra.get("retryAfter", 1)
                if retry_after is not None:  # None: a limit that announces nothing
                    extra["Retry-After"] = str(retry_after)
            response = error_response(exc, request_id, extra | rate_headers(decision))
            sandbox.counters.count(route, exc.status)
            return response
        except Exception:
            log.exception("unexpected error in %s", route)
            response = error_response(
                SandboxError("internal error", code="INTERNAL_ERROR"), request_id)
            response.status_code = 500
            sandbox.counters.count(route, 500)
            return response
        reply_response.headers["X-Request-Id"] = request_id
        for name, value in rate_headers(decision).items():
            reply_response.headers[name] = value
        sandbox.counters.count(route, reply_response.status_code)
        return reply_response

    return endpoint


def _limited(decision: Decision) -> RateLimited:
    return RateLimited("rate limit exceeded; retry after the Retry-After delay",
                       extra={"retryAfter": decision.retry_after_s if decision.announce else None})


def _render(reply: Reply) -> Response:
    if reply.status == 204 or reply.body is None:
        return Response(None, reply.status, reply.headers)
    return Response(orjson.dumps(reply.body), reply.status, reply.headers, media_type=JSON)


async def _idempotent(call: Call, key: str, handler: Handler, route: str) -> Response:
    """Replay the first response for the same request under a key; 409 for another request."""
    if not key.strip() or len(key) > MAX_KEY:
        raise ValidationFailed(f"Idempotency-Key must be 1-{MAX_KEY} characters",
                               field="Idempotency-Key", code="INVALID_HEADER")
    limit = None
    if route.endswith("/contacts/import"):
        from cxone_outbound.sandbox.store.lists.csv_import import MAX_IMPORT_BYTES

        limit = MAX_IMPORT_BYTES
    raw = await call.body(limit)
    url = call.request.url
    print_ = fingerprint(call.request.method, url.path, url.query, raw)
    idem = call.sandbox.store.idempotency
    stored = idem.lookup(call.tenant_id, key, print_)
    if stored is not None:
        response = Response(stored.body or None, stored.status, stored.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response
    try:
        reply = await handler(call)
    except SandboxError as exc:
        if exc.status < 500 and exc.status != 429:
            body = orjson.dumps({"error": exc.body(), "requestId": uuid.uuid4().hex})
            idem.store(call.tenant_id, key, print_,
                       StoredResponse(exc.status, {"Content-Type": JSON}, body))
        raise
    response = _render(reply)
    headers = {k: v for k, v in reply.headers.items()}
    if reply.body is not None:
        headers["Content-Type"] = JSON
    idem.store(call.tenant_id, key, print_,
               StoredResponse(reply.status, headers, bytes(response.body)))
    return response
