"""The admin dialect's login and discovery routes (docs/admin-dialect.md): access-key password
grant at /auth/token, the access-key endpoint, and the .well-known documents. No
`/public/user/refresh`: no public source confirms it, and the live client logs in again."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.errors import (
    InjectedFault,
    OAuthError,
    RateLimited,
    SandboxError,
)
from cxone_outbound.sandbox.http.credentials import (
    MAX_TOKEN_BODY,
    basic_credentials,
    token_fields,
)
from cxone_outbound.sandbox.http.endpoint import JSON, error_response, read_body
from cxone_outbound.sandbox.http.runtime import Sandbox
from cxone_outbound.sandbox.store.admin.access_keys import Login

AREA = "na1"
CLUSTER = "C0"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def base_url(request: Request) -> str:
    """The sandbox's own base URL as this request reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def _token_body(login: Login, ttl: int) -> dict[str, Any]:
    return {"access_token": login.token.token, "token_type": "Bearer", "expires_in": ttl,
            "refresh_token": login.refresh_token, "id_token": login.id_token,
            "issued_token_type": "access_token"}


TokenHandler = Callable[[Sandbox, Request, bytes], Awaitable[Login]]


def token_route(handler: TokenHandler) -> Callable[[Request], Awaitable[Response]]:
    """Faults, rate limit and `{error, error_description}` rendering around a login handler."""

    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        route = f"POST {request.url.path}"
        request_id = request.headers.get("correlationid") or uuid.uuid4().hex
        headers = NO_STORE | {"CorrelationId": request_id}
        try:
            verdict = sandbox.faults.decide(request.method, request.url.path)
            if verdict.error_status is not None:
                raise InjectedFault(verdict.error_status)
            decision = sandbox.limiter.take("anonymous")
            if decision is not None and not decision.allowed:
                raise RateLimited("rate limit exceeded")
            raw = await read_body(request, MAX_TOKEN_BODY)
            login = await handler(sandbox, request, raw)
        except OAuthError as exc:
            sandbox.counters.count(route, exc.status)
            return Response(orjson.dumps({"error": exc.error,
                                          "error_description": exc.description}),
                            exc.status, headers, media_type=JSON)
        except SandboxError as exc:
            sandbox.counters.count(route, exc.status)
            return error_response(exc, request_id, headers)
        sandbox.counters.count(route, 200)
        return Response(orjson.dumps(_token_body(login, sandbox.token_ttl)), 200, headers,
                        media_type=JSON)

    return endpoint


def _json_fields(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise OAuthError("invalid_request", "body must be a JSON object")
    return data


async def password_grant(sandbox: Sandbox, request: Request, raw: bytes) -> Login:
    """POST /auth/token: an app (Basic) logs an access key in, or refreshes."""
    fields = token_fields(raw, request.headers.get("content-type", "").lower())
    basic = basic_credentials(request.headers.get("authorization"))
    client_id, secret = basic if basic else (fields.get("client_id"),
                                             fields.get("client_secret"))
    grant = fields.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant not in ("password", "refresh_token"):
        raise OAuthError("unsupported_grant_type", "use password or refresh_token")
    app = sandbox.store.auth.authenticate(client_id, secret)
    issuer = base_url(request)
    if grant == "refresh_token":
        return sandbox.store.access_keys.refresh(fields.get("refresh_token"),
                                                 audience=app.client_id, issuer=issuer,
                                                 ttl=sandbox.token_ttl)
    return sandbox.store.access_keys.login(fields.get("username"), fields.get("password"),
                                           audience=app.client_id, issuer=issuer,
                                           ttl=sandbox.token_ttl)


async def access_key_login(sandbox: Sandbox, request: Request, raw: bytes) -> Login:
    """POST /authentication/v1/token/access-key: no app registration needed."""
    body = _json_fields(raw)
    return sandbox.store.access_keys.login(body.get("accessKeyId"), body.get("accessKeySecret"),
                                           audience="access-key", issuer=base_url(request),
                                           ttl=sandbox.token_ttl)


async def cxone_configuration(request: Request) -> Response:
    """Discovery: where a tenant's API lives (here: this very server)."""
    sandbox: Sandbox = request.app.state.sandbox
    tenant_id = request.query_params.get("tenantId")
    if not tenant_id:
        body = {"error": "invalid_request", "error_description": "tenantId is required"}
        status = 400
    elif not sandbox.store.auth.tenant_exists(tenant_id):
        body = {"error": "tenant_not_found", "error_description": f"tenant {tenant_id} not found"}
        status = 404
    else:
        here = base_url(request)
        body, status = {"tenantId": tenant_id, "api_endpoint": here, "auth_endpoint": here,
                        "ui_endpoint": here, "area": AREA, "cluster": CLUSTER}, 200
    sandbox.counters.count("GET /.well-known/cxone-configuration", status)
    return Response(orjson.dumps(body), status, media_type=JSON)


async def openid_configuration(request: Request) -> Response:
    here = base_url(request)
    body = {"issuer": here, "token_endpoint": f"{here}/auth/token",
            "grant_types_supported": ["password", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "id_token_signing_alg_values_supported": ["HS256"]}
    return Response(orjson.dumps(body), 200, media_type=JSON)


ADMIN_AUTH_ROUTES = [
    Route("/auth/token", token_route(password_grant), methods=["POST"]),
    Route("/authentication/v1/token/access-key", token_route(access_key_login),
          methods=["POST"]),
    Route("/.well-known/cxone-configuration", cxone_configuration, methods=["GET"]),
    Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
]
