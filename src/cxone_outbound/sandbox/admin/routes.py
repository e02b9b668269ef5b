"""The admin dialect's `/inContactAPI/services/vNN.0/...` routes (docs/admin-dialect.md).

Its own conventions around the shared store: `Accept: application/json` required (406
otherwise), `CorrelationId` echoed, `{error, error_description}` bodies, 429s without
Retry-After, `skip`/`top` paging with `totalRecords` and full-URL `_links`, and per-record
failures inside 200s.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.errors import (
    InjectedFault,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    SandboxError,
    Unauthenticated,
    ValidationFailed,
)
from cxone_outbound.sandbox.http.endpoint import JSON, Call, Handler, Reply, apply_faults
from cxone_outbound.sandbox.http.runtime import Sandbox
from cxone_outbound.sandbox.store.admin.calling_lists import (
    MAX_UPLOAD_BYTES,
    check_mapping,
    decode_upload,
    mapping_of,
)

PREFIX = "/inContactAPI/services/{version}"
VERSION = re.compile(r"^v[1-9][0-9]?\.0$")
DEFAULT_TOP = 50  # S2: default 50, at most 100; a larger `top` is capped, not refused
MAX_TOP = 100
MAX_BATCH = 1000
MAX_SQL_INT = 2**63 - 1
NOT_ACCEPTABLE = b"No known way to render data"


def accepts_json(header: str | None) -> bool:
    """Whether an Accept header names application/json (`*/*` alone does not)."""
    return any(part.split(";")[0].strip().lower() == "application/json"
               for part in (header or "").split(","))


def sql_int(raw: str) -> int | None:
    """`raw` as a non-negative integer SQLite can hold (ASCII digits only), else None.

    `str.isdigit` alone lets through `²` (which `int` refuses) and 30-digit numbers (which SQLite
    refuses): both were 500s.
    """
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SQL_INT:
        return None
    return int(raw)


def parse_skip_top(call: Call) -> tuple[int, int]:
    values = []
    for name, default, low in (("skip", 0, 0), ("top", DEFAULT_TOP, 1)):
        raw = call.query(name)
        value = default if raw is None or raw == "" else sql_int(raw)
        if value is None or value < low:
            raise ValidationFailed(f"{name} must be an integer from {low} to {MAX_SQL_INT}",
                                   field=name, code="INVALID_VALUE")
        values.append(value)
    return values[0], min(values[1], MAX_TOP)


def paged(call: Call, key: str, items: list[Any], total: int, skip: int, top: int,
          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A page with `totalRecords` and full-URL `_links` (null where there is no page)."""

    def link(at: int) -> str:
        query = {k: v for k, v in call.request.query_params.items() if k not in ("skip", "top")}
        query |= {"skip": str(at), "top": str(top)}
        url = call.request.url
        return f"{url.scheme}://{url.netloc}{url.path}?{urlencode(query)}"

    return (extra or {}) | {
        "totalRecords": total, key: items,
        "_links": {"self": link(skip), "next": link(skip + top) if skip + top < total else None,
                   "previous": link(max(0, skip - top)) if skip > 0 else None}}


def _error(status: int, code: str, message: str, correlation: str) -> Response:
    body = orjson.dumps({"error": code, "error_description": message})
    return Response(body, status, {"CorrelationId": correlation}, media_type=JSON)


def admin(route: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap `handler` in the admin pipeline; `route` names it in the counters."""

    async def endpoint(request: Request) -> Response:
        sandbox: Sandbox = request.app.state.sandbox
        correlation = request.headers.get("correlationid") or str(uuid.uuid4())
        try:
            if not VERSION.match(request.path_params.get("version", "")):
                raise NotFound(f"no API version {request.path_params.get('version')}")
            verdict, dropped = await apply_faults(sandbox, request, route)
            if dropped is not None:
                return dropped
            if verdict.storm_retry_after is not None:
                response = _error(429, "RATE_LIMITED", "too many requests", correlation)
                response.headers["Retry-After"] = str(max(1, round(verdict.storm_retry_after)))
                sandbox.counters.count(route, 429)
                return response
            if verdict.error_status is not None:
                raise InjectedFault(verdict.error_status)
            token = sandbox.store.auth.check(request.headers.get("authorization"))
            decision = sandbox.limiter.take(token.client_id)
            if decision is not None and not decision.allowed:
                raise RateLimited("rate limit exceeded")  # no Retry-After: as on a real tenant
            if not accepts_json(request.headers.get("accept")):
                sandbox.counters.count(route, 406)
                return Response(NOT_ACCEPTABLE, 406, {"CorrelationId": correlation},
                                media_type="text/plain")
            reply = await handler(Call(request, sandbox, token.tenant_id, token.client_id))
        except Unauthenticated as exc:
            sandbox.counters.count(route, 401)
            return _error(401, "invalid_token", exc.message, correlation)
        except SandboxError as exc:
            sandbox.counters.count(route, exc.status)
            return _error(exc.status, exc.code, exc.message, correlation)
        except Exception:  # a bug answers 500, never a traceback
            sandbox.counters.count(route, 500)
            return _error(500, "INTERNAL_ERROR", "internal error", correlation)
        sandbox.counters.count(route, reply.status)
        payload = sandbox.drifts.apply(route, reply.body) if 200 <= reply.status < 300 \
            else reply.body
        body = None if payload is None else orjson.dumps(payload)
        return Response(body, reply.status, reply.headers | {"CorrelationId": correlation},
                        media_type=JSON if body is not None else None)

    return endpoint


def int_param(call: Call, name: str) -> int:
    raw = call.params[name]
    value = sql_int(raw)
    if value is None:
        raise NotFound(f"{name} {raw} not found")
    return value


def object_body(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed("body must be a JSON object", code="INVALID_TYPE")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationFailed(f"unknown field: {unknown[0]}", field=unknown[0],
                               code="UNKNOWN_FIELD")
    return body


def batch_items(body: dict[str, Any], key: str) -> list[Any]:
    items = body.get(key)
    if not isinstance(items, list):
        raise ValidationFailed(f"{key} must be an array", field=key, code="INVALID_TYPE")
    if len(items) > MAX_BATCH:
        raise PayloadTooLarge(f"at most {MAX_BATCH} records per call")
    return items


# calling lists ---------------------------------------------------------------------------------

async def create_list(call: Call) -> Reply:
    query = {k: call.query(k) for k in ("listName", "externalIdColumn", "firstNameColumn",
                                         "lastNameColumn", "timeZoneColumn")}
    mapping = check_mapping(query, await call.json())
    list_id = call.sandbox.store.calling_lists.create(call.tenant_id, query["listName"], mapping)
    return Reply(200, {"listId": list_id})


async def list_lists(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    items, total = call.sandbox.store.calling_lists.page(call.tenant_id, skip, top)
    return Reply(200, paged(call, "callingLists", items, total, skip, top))


async def get_list(call: Call) -> Reply:
    with_records = (call.query("includeRecords") or "").lower() == "true"
    skip, top = parse_skip_top(call)
    return Reply(200, call.sandbox.store.calling_lists.get(
        call.tenant_id, str(int_param(call, "listId")), with_records=with_records, skip=skip,
        top=top))


async def delete_list(call: Call) -> Reply:
    call.sandbox.store.calling_lists.delete(call.tenant_id, str(int_param(call, "listId")))
    return Reply(200)  # S1 publishes no reply body


async def upload(call: Call) -> Reply:
    store = call.sandbox.store
    list_ref = str(int_param(call, "listId"))
    list_uuid = store.calling_lists.list_uuid(call.tenant_id, list_ref)
    raw = await call.body(MAX_UPLOAD_BYTES * 4 // 3 + 64 * 1024)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed("body is not valid JSON", code="MALFORMED_JSON") from None
    body = object_body(body, {"listFile", "fileName", "skillId", "defaultTimeZone",
                              "forceOverwrite", "expirationDate", "startSkill", "sendEmail"})
    row = store.db.conn.execute("SELECT * FROM lists WHERE id = ?", (list_uuid,)).fetchone()
    decoded = decode_upload(body, mapping_of(row))
    job_id = store.imports.create_admin(call.tenant_id, list_uuid, decoded.header,
                                        decoded.records, decoded.options)
    if "skillId" in decoded.options:
        store.calling_lists.note_skill(list_uuid, decoded.options["skillId"])
    call.sandbox.worker.notify()
    return Reply(200, {"jobId": store.imports.admin_number(job_id)})


async def list_jobs(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    imports = call.sandbox.store.imports
    return Reply(200, {"uploadJobs": [imports.admin_view(call.tenant_id, i)
                                      for i in imports.admin_job_ids(call.tenant_id, skip, top)]})


def _job_id(call: Call) -> str:
    return call.sandbox.store.imports.admin_job_id(call.tenant_id, int_param(call, "jobId"))


async def get_job(call: Call) -> Reply:
    return Reply(200, {"uploadJobs": [call.sandbox.store.imports.admin_view(call.tenant_id,
                                                                            _job_id(call))]})


async def cancel_job(call: Call) -> Reply:
    call.sandbox.store.imports.cancel(call.tenant_id, _job_id(call))
    return Reply(200)  # S1 publishes no reply body


async def remove_prospects(call: Call) -> Reply:
    source = call.params["sourceName"]
    if source.isdigit() and sql_int(source) is None:  # the store would read it as an id
        raise NotFound(f"calling list {source} not found")
    body = object_body(await call.json(), {"prospectsToRemove"})
    return Reply(200, call.sandbox.store.calling_lists.remove(call.tenant_id, source, body))


def admin_route(path: str, method: str, handler: Handler) -> Route:
    """An admin route at `PREFIX + path`, counted as `METHOD /inContactAPI/services/vNN.0...`."""
    return Route(PREFIX + path, admin(f"{method} /inContactAPI/services/vNN.0{path}", handler),
                 methods=[method])


ADMIN_ROUTES: list[Route] = [
    admin_route("/lists/call-lists", "GET", list_lists),
    admin_route("/lists/call-lists", "POST", create_list),
    admin_route("/lists/call-lists/jobs", "GET", list_jobs),
    admin_route("/lists/call-lists/jobs/{jobId}", "GET", get_job),
    admin_route("/lists/call-lists/jobs/{jobId}", "DELETE", cancel_job),
    admin_route("/lists/call-lists/{listId}", "GET", get_list),
    admin_route("/lists/call-lists/{listId}", "DELETE", delete_list),
    admin_route("/lists/call-lists/{listId}/upload", "POST", upload),
    admin_route("/lists/call-lists/{sourceName}/removeProspects", "DELETE", remove_prospects),
]
