"""The token endpoint (and its two aliases): OAuth 2.0 client credentials, RFC 6749 §4.4/§5.2."""

from __future__ import annotations

import uuid

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.errors import OAuthError, RateLimited, SandboxError
from cxone_outbound.sandbox.http.credentials import (
    MAX_TOKEN_BODY,
    basic_credentials,
    token_fields,
)
from cxone_outbound.sandbox.http.endpoint import JSON, error_response, rate_headers, read_body

TOKEN_PATHS = ("/oauth/token", "/api/v2/oauth/token", "/api/v2/oauth2/token")
async def token(request: Request) -> Response:
    from cxone_outbound.sandbox.http.runtime import Sandbox

    sandbox: Sandbox = request.app.state.sandbox
    route = f"POST {request.url.path}"
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    base = {"X-Request-Id": request_id, "Cache-Control": "no-store", "Pragma": "no-cache"}
    decision = None
    basic_used = False
    try:
        verdict = sandbox.faults.decide(request.method, request.url.path)
        if verdict.error_status is not None:
            from cxone_outbound.sandbox.errors import InjectedFault

            raise InjectedFault(verdict.error_status)
        raw = await read_body(request, MAX_TOKEN_BODY)
        fields = token_fields(raw, request.headers.get("content-type", "").lower())
        basic = basic_credentials(request.headers.get("authorization"))
        basic_used = basic is not None
        client_id, secret = basic if basic else (fields.get("client_id"),
                                                 fields.get("client_secret"))
        decision = sandbox.limiter.take(client_id or "anonymous")
        if decision is not None and not decision.allowed:
            raise RateLimited("rate limit exceeded", extra={"retryAfter": decision.retry_after_s})
        grant = fields.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise OAuthError("unsupported_grant_type", "only client_credentials is supported")
        client = sandbox.store.auth.authenticate(client_id, secret)
        issued = sandbox.store.auth.issue(client, fields.get("scope"), sandbox.token_ttl)
    except OAuthError as exc:
        headers = base | rate_headers(decision)
        if exc.status == 401 and basic_used:
            headers["WWW-Authenticate"] = 'Basic realm="cxone-sandbox"'
        sandbox.counters.count(route, exc.status)
        return Response(orjson.dumps({"error": exc.error, "error_description": exc.description}),
                        exc.status, headers, media_type=JSON)
    except SandboxError as exc:
        headers = rate_headers(decision)
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.extra.get("retryAfter", 1))
        sandbox.counters.count(route, exc.status)
        return error_response(exc, request_id, base | headers)
    body = {"access_token": issued.token, "token_type": "Bearer",
            "expires_in": sandbox.token_ttl, "scope": " ".join(sorted(issued.scopes))}
    sandbox.counters.count(route, 200)
    return Response(orjson.dumps(body), 200, base | rate_headers(decision), media_type=JSON)


TOKEN_ROUTES = [Route(path, token, methods=["POST"]) for path in TOKEN_PATHS]
