"""The admin dialect's do-not-call group routes, in the shapes S1 publishes (CXONE-REAL.md).

Listings come inside `resultSet` (`dncGroups`, `dncRecords` with `formattedPhone`); a record
batch answers `{resultSet: {errorCount, recordResults: [{success, error, formattedPhone}]}}`
(its DELETE the same without the envelope), phones going in as integers of digits; a group is
renamed by query parameters. The rules are `suppressions.Suppressions`.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from cxone_outbound.sandbox.admin.routes import (
    admin_route,
    int_param,
    object_body,
    parse_skip_top,
)
from cxone_outbound.sandbox.errors import PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.http.endpoint import Call, Reply

ENVELOPE = "resultSet"
MAX_DNC_BATCH = 100  # S2: at most 100 records a call


def _records(body: Any) -> list[Any]:
    items = object_body(body, {"dncGroupRecords"}).get("dncGroupRecords")
    if not isinstance(items, list):
        raise ValidationFailed("dncGroupRecords must be an array", field="dncGroupRecords",
                               code="INVALID_TYPE")
    if len(items) > MAX_DNC_BATCH:
        raise PayloadTooLarge(f"at most {MAX_DNC_BATCH} records per call")
    return items


def _outcomes(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"errorCount": sum(1 for r in results if not r["success"]), "recordResults": results}


def _flag(call: Call, name: str) -> bool | None:
    raw = call.query(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise ValidationFailed(f"{name} must be true or false", field=name, code="INVALID_VALUE")
    return raw.lower() == "true"


async def list_groups(call: Call) -> Reply:
    groups = call.sandbox.store.suppressions.groups(call.tenant_id)
    return Reply(200, {ENVELOPE: {"totalGroups": len(groups), "dncGroups": groups}})


async def create_group(call: Call) -> Reply:
    body = object_body(await call.json(), {"dncGroupName", "dncGroupDescription"})
    store = call.sandbox.store.suppressions
    group_id = store.create_group(call.tenant_id, body.get("dncGroupName"),
                                  body.get("dncGroupDescription"))
    return Reply(200, {"dncGroups": [store.get_group(call.tenant_id, group_id)]})


async def put_group(call: Call) -> Reply:
    """Renamed, described or (de)activated by query parameters, as published."""
    group_id = int_param(call, "groupId")
    changes: dict[str, Any] = {k: v for k in ("dncGroupName", "dncGroupDescription")
                               if (v := call.query(k)) is not None}
    active = _flag(call, "isActive")
    if active is not None:
        changes["isActive"] = active
    group = call.sandbox.store.suppressions.update_group(call.tenant_id, group_id, changes)
    return Reply(200, {"dncGroups": [group]})


async def list_records(call: Call) -> Reply:
    skip, top = parse_skip_top(call)
    items, total = call.sandbox.store.suppressions.page_records(
        call.tenant_id, int_param(call, "groupId"), skip, top)
    return Reply(200, {ENVELOPE: {"totalRecords": total, "dncRecords": items}})


async def add_records(call: Call) -> Reply:
    group_id = int_param(call, "groupId")
    items = _records(await call.json())
    results = call.sandbox.store.suppressions.add_records(call.tenant_id, group_id, items)
    return Reply(200, {ENVELOPE: _outcomes(results)})


async def remove_records(call: Call) -> Reply:
    group_id = int_param(call, "groupId")
    items = _records(await call.json())
    return Reply(200, _outcomes(call.sandbox.store.suppressions.remove_records(
        call.tenant_id, group_id, items)))


async def search_records(call: Call) -> Reply:
    phone = call.query("phoneNumber")
    if not phone:
        raise ValidationFailed("phoneNumber is required", field="phoneNumber",
                               code="INVALID_VALUE")
    return Reply(200, {"searchResults": call.sandbox.store.suppressions.search(call.tenant_id,
                                                                               phone)})


DNC_ROUTES: list[Route] = [
    admin_route("/dnc-groups", "GET", list_groups),
    admin_route("/dnc-groups", "POST", create_group),
    admin_route("/dnc-groups/search", "POST", search_records),
    admin_route("/dnc-groups/{groupId}", "PUT", put_group),
    admin_route("/dnc-groups/{groupId}/records", "GET", list_records),
    admin_route("/dnc-groups/{groupId}/records", "POST", add_records),
    admin_route("/dnc-groups/{groupId}/records", "DELETE", remove_records),
]
