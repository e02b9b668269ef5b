"""`/sandbox/...`: the emulator's own control API (no auth, never rate limited or faulted)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.admin.drift import parse_drift
from cxone_outbound.sandbox.admin.routes import PREFIX as ADMIN_PREFIX
from cxone_outbound.sandbox.control.guard import control_refusal
from cxone_outbound.sandbox.errors import MalformedBody, NotFound, SandboxError, ValidationFailed
from cxone_outbound.sandbox.http.endpoint import JSON, error_response, read_body
from cxone_outbound.sandbox.http.faults import FaultSpecError
from cxone_outbound.sandbox.http.runtime import Sandbox
from cxone_outbound.sandbox.store.admin.access_keys import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
)
from cxone_outbound.sandbox.store.auth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT,
)
from cxone_outbound.sandbox.store.lists.contacts import render_contact
from cxone_outbound.sandbox.store.lists.csv_import import ContactRow
from cxone_outbound.sandbox.store.lists.seed import PHONE_MIXES
from cxone_outbound.sandbox.store.scopes import canonical_scope
from cxone_outbound.sandbox.store.validation import (
    check_email,
    check_int,
    check_name,
    check_raw_phone,
    require_object,
)

Control = Callable[[Sandbox, Request, dict[str, Any]], Awaitable[Any]]


def control(handler: Control, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        refusal = control_refusal(request.method, request.headers,
                                  sandbox.options.control_token)
        if refusal is not None:
            return error_response(refusal, request_id)
        try:
            body: dict[str, Any] = {}
            if request.method in ("POST", "PUT"):
                raw = await read_body(request, 1024 * 1024)
                if raw.strip():
                    try:
                        body = require_object(orjson.loads(raw))
                    except orjson.JSONDecodeError as exc:
                        raise MalformedBody(f"body is not valid JSON: {exc}") from None
            result = await handler(sandbox, request, body)
        except SandboxError as exc:
            return error_response(exc, request_id)
        except FaultSpecError as exc:
            return error_response(ValidationFailed(str(exc), field="spec",
                                                   code="INVALID_FAULT_SPEC"), request_id)
        if result is None:
            return Response(None, 204, {"X-Request-Id": request_id})
        return Response(orjson.dumps(result), status, {"X-Request-Id": request_id},
                        media_type=JSON)

    return endpoint


def _tenant(request: Request, body: dict[str, Any]) -> str:
    value = body.get("tenantId") or request.query_params.get("tenantId") or DEFAULT_TENANT
    return str(value)


async def health(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"status": "ok"}


async def state(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {
        "tenantId": DEFAULT_TENANT,
        "clientId": DEFAULT_CLIENT_ID,
        "clientSecret": DEFAULT_CLIENT_SECRET,
        "accessKeyId": DEFAULT_ACCESS_KEY_ID,
        "accessKeySecret": DEFAULT_ACCESS_KEY_SECRET,
        "defaultListId": sandbox.store.default_list_id(_tenant(request, body)),
        "rateLimit": {"rate": sandbox.limiter.rate, "burst": sandbox.limiter.burst},
        "faults": sandbox.faults.spec.text,
        "tokenTtl": sandbox.token_ttl,
        "importRowsPerSecond": sandbox.options.import_rows_per_s,
        "database": str(sandbox.store.db.path),
    }


_SECRETS = frozenset({"clientSecret", "accessKeySecret"})


async def reset(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    """Forget all data; the reply is the new state without secrets (`GET /sandbox/state` has
    the demo credentials)."""
    sandbox.reset()
    current = await state(sandbox, request, {})
    return {k: v for k, v in current.items() if k not in _SECRETS}


async def counters(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return sandbox.counters.snapshot() | {
        "faultsInjected": dict(sandbox.faults.injected),
        "contactWrites": sandbox.store.contacts.total_writes(),
    }


async def reset_counters(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    sandbox.counters.reset()
    return None


async def contact_writes(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    contact_id = request.path_params["contactId"]
    return {"contactId": contact_id, "writes": sandbox.store.contacts.writes(None, contact_id)}


async def writes_map(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"writes": sandbox.store.contacts.writes_map(
        request.query_params.get("contactListId"))}


async def get_rate_limit(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"rate": sandbox.limiter.rate, "burst": sandbox.limiter.burst,
            "headers": sandbox.limiter.headers}


async def put_rate_limit(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    rate = body.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate < 0:
        raise ValidationFailed("rate must be a number >= 0 (0 turns limiting off)", field="rate")
    burst = check_int(body.get("burst", max(1, int(rate * 2))), "burst", low=1, high=10**9)
    headers = body.get("headers", True)
    if not isinstance(headers, bool):
        raise ValidationFailed("headers must be true or false", field="headers")
    sandbox.limiter.configure(float(rate), burst, headers=headers)
    return {"rate": sandbox.limiter.rate, "burst": sandbox.limiter.burst, "headers": headers}


async def get_faults(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"spec": sandbox.faults.spec.text, "injected": dict(sandbox.faults.injected),
            "requests": sandbox.faults.count}


async def put_faults(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    spec = body.get("spec", "")
    if not isinstance(spec, str):
        raise ValidationFailed("spec must be a string", field="spec")
    sandbox.set_faults(spec)
    return {"spec": sandbox.faults.spec.text}


async def clear_faults(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    sandbox.set_faults("")
    return None


async def put_token_ttl(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    sandbox.token_ttl = check_int(body.get("seconds"), "seconds", low=1, high=86_400 * 30)
    return {"seconds": sandbox.token_ttl}


def _idempotency_state(sandbox: Sandbox) -> dict[str, Any]:
    idem = sandbox.store.idempotency
    return {"ttlSeconds": idem.ttl_s, "clockOffsetSeconds": idem.offset_s, "keys": idem.count()}


async def get_idempotency(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return _idempotency_state(sandbox)


async def put_idempotency(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    """Set how long a key is kept (`ttlSeconds`), for keys old and new."""
    ttl = check_int(body.get("ttlSeconds"), "ttlSeconds", low=1, high=86_400 * 365)
    sandbox.store.idempotency.configure(ttl_s=ttl)
    return _idempotency_state(sandbox)


async def advance_idempotency(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    """Move the idempotency clock on by `seconds`: keys age without waiting."""
    seconds = check_int(body.get("seconds"), "seconds", low=0, high=86_400 * 365)
    idem = sandbox.store.idempotency
    idem.configure(offset_s=idem.offset_s + seconds)
    return _idempotency_state(sandbox)


async def revoke_tokens(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    revoked = sandbox.store.auth.revoke(token=body.get("token"), client_id=body.get("clientId"),
                                        tenant_id=body.get("tenantId"))
    return {"revoked": revoked}


async def create_tenant(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    tenant_id = body.get("tenantId")
    client_id = body.get("clientId")
    secret = body.get("clientSecret")
    if not all(isinstance(v, str) and v for v in (tenant_id, client_id, secret)):
        raise ValidationFailed("tenantId, clientId and clientSecret are required strings")
    return sandbox.store.create_tenant(str(tenant_id), str(body.get("name", tenant_id)),
                                       str(client_id), str(secret))


async def create_client(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    client_id, secret = body.get("clientId"), body.get("clientSecret")
    if not (isinstance(client_id, str) and client_id and isinstance(secret, str) and secret):
        raise ValidationFailed("clientId and clientSecret are required strings")
    raw_scopes = body.get("scopes")
    scopes: set[str] = set()
    for name in raw_scopes if isinstance(raw_scopes, list) else []:
        scope = canonical_scope(str(name))
        if scope is None:
            raise ValidationFailed(f"unknown scope {name}", field="scopes")
        scopes.add(scope)
    if raw_scopes is None:
        from cxone_outbound.sandbox.store.scopes import CANONICAL_SCOPES

        scopes = set(CANONICAL_SCOPES)
    client = sandbox.store.auth.create_client(_tenant(request, body), client_id, secret,
                                              frozenset(scopes))
    return {"clientId": client.client_id, "tenantId": client.tenant_id,
            "scopes": sorted(client.scopes)}


async def create_list(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    schema = body.get("schema") or {}
    fields = schema.get("fields") if isinstance(schema, dict) else body.get("fields")
    return sandbox.store.contacts.create_list(_tenant(request, body), body.get("name"), fields)


async def add_contacts(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    tenant = _tenant(request, body)
    list_id = request.path_params["listId"]
    items = body.get("contacts")
    if not isinstance(items, list):
        raise ValidationFailed("contacts must be an array", field="contacts")
    schema = sandbox.store.contacts.schema(tenant, list_id)
    rows = []
    for i, item in enumerate(items):
        item = require_object(item, f"contacts[{i}]")
        attributes = item.get("attributes") or {}
        unknown = [n for n in require_object(attributes, "attributes") if n not in schema]
        if unknown:
            schema = sandbox.store.contacts.extend_schema(tenant, list_id, unknown)
        rows.append(ContactRow(row=i + 1, phone=check_raw_phone(item.get("phone")),
                               first_name=check_name(item.get("firstName"), "firstName"),
                               last_name=check_name(item.get("lastName"), "lastName"),
                               email=check_email(item.get("email")), attributes=attributes))
    sandbox.store.contacts.insert_contacts(tenant, list_id, rows)
    conn = sandbox.store.db.conn
    return {"contacts": [render_contact(conn.execute(
        "SELECT * FROM contacts WHERE list_id = ? AND phone = ?", (list_id, row.phone)).fetchone())
        for row in rows]}


async def seed(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    count = check_int(body.get("count"), "count", low=0, high=1_000_000)
    seed_value = check_int(body.get("seed", 0), "seed", low=0, high=2**31)
    list_id = body.get("contactListId")
    mix = body.get("phones", "clean")
    if mix not in PHONE_MIXES:
        raise ValidationFailed(f"phones must be one of {', '.join(PHONE_MIXES)}", field="phones")
    return sandbox.store.seed_contacts(_tenant(request, body),
                                       list_id if isinstance(list_id, str) else None,
                                       count, seed_value, mix)


async def campaign_versions(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    campaign_id = request.path_params["campaignId"]
    return {"campaignId": campaign_id,
            "versions": sandbox.store.campaigns.versions(None, campaign_id)}


async def deliveries(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"deliveries": sandbox.store.webhooks.deliveries(
        request.query_params.get("webhookId"))}


async def create_access_key(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    key_id, secret = body.get("accessKeyId"), body.get("accessKeySecret")
    if not isinstance(key_id, str) or not isinstance(secret, str):
        raise ValidationFailed("accessKeyId and accessKeySecret must be strings")
    return sandbox.store.access_keys.create(_tenant(request, body), key_id, secret)


async def admin_ids(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    """The admin dialect's integer ids of a v2 list or campaign, and the default DNC group."""
    tenant = _tenant(request, body)
    out: dict[str, Any] = {
        "defaultDncGroupId": sandbox.store.suppressions.default_group_id(tenant)}
    for param, table, key in (("contactListId", "lists", "listId"),
                              ("campaignId", "campaigns", "skillId")):
        value = request.query_params.get(param)
        if value:
            row = sandbox.store.db.conn.execute(
                f"SELECT seq FROM {table} WHERE id = ? AND tenant_id = ?",  # noqa: S608
                (value, tenant)).fetchone()
            if row is None:
                raise NotFound(f"{param} {value} not found")
            out[key] = int(row["seq"])
    return out


def _admin_routes(request: Request) -> list[str]:
    """`METHOD /inContactAPI/services/{version}/...` of every admin route the app serves."""
    return [f"{method} {route.path}" for route in request.app.routes
            if isinstance(route, Route) and route.path.startswith(ADMIN_PREFIX)
            for method in route.methods or () if method != "HEAD"]


async def get_drift(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    return {"drifts": sandbox.drifts.describe()}


async def set_drift(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    """Change one admin route's reply shape (replacing that route's earlier drift)."""
    sandbox.drifts.set(parse_drift(body, _admin_routes(request)))
    return {"drifts": sandbox.drifts.describe()}


async def clear_drift(sandbox: Sandbox, request: Request, body: dict[str, Any]) -> Any:
    sandbox.drifts.clear()
    return None


def _c(path: str, method: str, handler: Control, status: int = 200) -> Route:
    return Route(path, control(handler, status), methods=[method])


CONTROL_ROUTES = [
    _c("/sandbox/health", "GET", health),
    _c("/sandbox/state", "GET", state),
    _c("/sandbox/reset", "POST", reset),
    _c("/sandbox/counters", "GET", counters),
    _c("/sandbox/counters/reset", "POST", reset_counters),
    _c("/sandbox/contacts/{contactId}/writes", "GET", contact_writes),
    _c("/sandbox/writes", "GET", writes_map),
    _c("/sandbox/ratelimit", "GET", get_rate_limit),
    _c("/sandbox/ratelimit", "PUT", put_rate_limit),
    _c("/sandbox/faults", "GET", get_faults),
    _c("/sandbox/faults", "PUT", put_faults),
    _c("/sandbox/faults", "DELETE", clear_faults),
    _c("/sandbox/drift", "GET", get_drift),
    _c("/sandbox/drift", "POST", set_drift),
    _c("/sandbox/drift", "DELETE", clear_drift),
    _c("/sandbox/token-ttl", "PUT", put_token_ttl),
    _c("/sandbox/tokens/revoke", "POST", revoke_tokens),
    _c("/sandbox/idempotency", "GET", get_idempotency),
    _c("/sandbox/idempotency", "PUT", put_idempotency),
    _c("/sandbox/idempotency/advance", "POST", advance_idempotency),
    _c("/sandbox/tenants", "POST", create_tenant, 201),
    _c("/sandbox/clients", "POST", create_client, 201),
    _c("/sandbox/lists", "POST", create_list, 201),
    _c("/sandbox/lists/{listId}/contacts", "POST", add_contacts, 201),
    _c("/sandbox/seed", "POST", seed, 201),
    _c("/sandbox/campaigns/{campaignId}/versions", "GET", campaign_versions),
    _c("/sandbox/deliveries", "GET", deliveries),
    _c("/sandbox/access-keys", "POST", create_access_key, 201),
    _c("/sandbox/admin-ids", "GET", admin_ids),
]
