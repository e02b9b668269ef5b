"""The API routes (API.md's v2 dialect, every alias): parse, call the store, render."""

from __future__ import annotations

from starlette.routing import Route

from cxone_outbound.sandbox.errors import UnsupportedMediaType
from cxone_outbound.sandbox.http.endpoint import Call, Handler, Reply, api
from cxone_outbound.sandbox.store.campaigns import etag
from cxone_outbound.sandbox.store.lists.contacts import render_contact, render_entity
from cxone_outbound.sandbox.store.lists.csv_import import MAX_IMPORT_BYTES, decompress, parse_import
from cxone_outbound.sandbox.store.validation import reject_unknown, require_object
from cxone_outbound.sandbox.v2.paging import (
    decode_cursor,
    encode_cursor,
    page_uri,
    parse_limit,
    parse_page,
)

CONTACTS_READ = frozenset({"contacts:read"})
CONTACTS_WRITE = frozenset({"contacts:write"})
CONTACTS_READ_OR_WRITE = frozenset({"contacts:read", "contacts:write"})
CONTACTS_DELETE = frozenset({"contacts:delete"})
CAMPAIGNS_READ = frozenset({"campaigns:read", "campaigns:write"})
CAMPAIGNS_WRITE = frozenset({"campaigns:write"})
SUPPRESSIONS_READ = frozenset({"suppressions:read"})
WEBHOOKS_WRITE = frozenset({"webhooks:write"})
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream",
             "application/gzip", "application/x-gzip")
GZIP_MAGIC = b"\x1f\x8b"


# lists and contacts --------------------------------------------------------------------------

async def create_list(call: Call) -> Reply:
    body = require_object(await call.json())
    reject_unknown(body, {"name", "schema", "description"})
    schema = body.get("schema") or {}
    schema = require_object(schema, "schema")
    reject_unknown(schema, {"fields"}, "schema")
    created = call.sandbox.store.contacts.create_list(call.tenant_id, body.get("name"),
                                                      schema.get("fields"))
    return Reply(201, created)


async def list_lists(call: Call) -> Reply:
    store = call.sandbox.store
    return Reply(200, {"lists": store.contacts.list_lists(call.tenant_id),
                       "defaultListId": store.default_list_id(call.tenant_id)})


async def get_list(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.contacts.get_list(call.tenant_id, call.params["listId"]))


async def get_schema(call: Call) -> Reply:
    schema = call.sandbox.store.contacts.schema(call.tenant_id, call.params["listId"])
    return Reply(200, {"fields": [{"name": n, "type": t} for n, t in schema.items()]})


async def page_contacts(call: Call) -> Reply:
    list_id = call.params["listId"]
    limit = parse_limit(call.query("limit"))
    rows, next_seq = call.sandbox.store.contacts.page_after(
        call.tenant_id, list_id, decode_cursor(call.query("cursor")), limit)
    body: dict[str, object] = {"contacts": [render_contact(r) for r in rows]}
    if next_seq is not None:
        body["nextPageUri"] = page_uri(call.request.url.path, limit=limit,
                                       cursor=encode_cursor(next_seq))
    return Reply(200, body)


async def page_entities(call: Call) -> Reply:
    list_id = call.params["listId"]
    limit = parse_limit(call.query("limit"))
    page = parse_page(call.query("page"))
    rows, more = call.sandbox.store.contacts.page_number(call.tenant_id, list_id, page, limit)
    body: dict[str, object] = {"entity": [render_entity(r) for r in rows]}
    if more:
        body["nextPageUri"] = page_uri(call.request.url.path, limit=limit, page=page + 1)
    return Reply(200, body)


async def get_contact(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.contacts.get_contact(call.tenant_id,
                                                              call.params["contactId"]))


async def patch_contact(call: Call) -> Reply:
    body = await call.json()
    return Reply(200, call.sandbox.store.contacts.update_contact(
        call.tenant_id, call.params["contactId"], body))


async def patch_batch(call: Call) -> Reply:
    body = await call.json()
    return Reply(200, call.sandbox.store.contacts.update_batch(
        call.tenant_id, call.params["listId"], body))


async def delete_contact(call: Call) -> Reply:
    call.sandbox.store.contacts.delete_contact(call.tenant_id, call.params["contactId"])
    return Reply(204)


async def enrich(call: Call) -> Reply:
    body = await call.json()
    return Reply(200, call.sandbox.store.contacts.enrich(call.tenant_id, call.params["listId"],
                                                         body))


async def refresh(call: Call) -> Reply:
    await call.body()
    return Reply(202, call.sandbox.store.contacts.refresh(call.tenant_id, call.params["listId"]))


# imports -------------------------------------------------------------------------------------

async def start_import(call: Call) -> Reply:
    content_type = (call.header("content-type") or "text/csv").split(";")[0].strip().lower()
    if content_type not in CSV_TYPES:
        raise UnsupportedMediaType(f"Content-Type must be text/csv, not {content_type}",
                                   field="Content-Type")
    raw = await call.body(MAX_IMPORT_BYTES)
    encoding = (call.header("content-encoding") or "").strip().lower()
    if encoding == "gzip" or (not encoding and raw.startswith(GZIP_MAGIC)):
        raw = decompress(raw)
    elif encoding not in ("", "identity"):
        raise UnsupportedMediaType(f"Content-Encoding {encoding} is not supported",
                                   field="Content-Encoding")
    data = parse_import(raw)
    store = call.sandbox.store
    list_id = call.query("contactListId") or call.query("listId") \
        or store.default_list_id(call.tenant_id)
    job = store.imports.create(call.tenant_id, list_id, data)
    call.sandbox.worker.notify()
    return Reply(201, job, {"Location": f"/api/v2/contacts/import/{job['jobId']}"})


async def get_import(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.imports.get(call.tenant_id, call.params["jobId"]))


# campaigns and suppressions ------------------------------------------------------------------

async def list_campaigns(call: Call) -> Reply:
    limit = parse_limit(call.query("limit"))
    offset = decode_cursor(call.query("cursor"))
    items, more = call.sandbox.store.campaigns.page(
        call.tenant_id, type_=call.query("type"), status=call.query("status"), offset=offset,
        limit=limit)
    body: dict[str, object] = {"entity": items}
    if more:
        body["nextPageUri"] = page_uri(call.request.url.path, type=call.query("type"),
                                       status=call.query("status"), limit=limit,
                                       cursor=encode_cursor(offset + limit))
    return Reply(200, body)


async def create_campaign(call: Call) -> Reply:
    campaign = call.sandbox.store.campaigns.create(call.tenant_id, await call.json())
    return Reply(201, campaign, {"ETag": etag(campaign["version"])})


async def get_campaign(call: Call) -> Reply:
    campaign = call.sandbox.store.campaigns.get(call.tenant_id, call.params["campaignId"])
    return Reply(200, campaign, {"ETag": etag(campaign["version"])})


async def put_campaign(call: Call) -> Reply:
    body = await call.json()
    result = call.sandbox.store.campaigns.update(call.tenant_id, call.params["campaignId"], body,
                                                 call.header("if-match"))
    return Reply(200, result, {"ETag": etag(result["version"])})


async def list_suppressions(call: Call) -> Reply:
    limit = parse_limit(call.query("limit"))
    items, next_seq = call.sandbox.store.suppressions.page_after(
        call.tenant_id, decode_cursor(call.query("cursor")), limit)
    body: dict[str, object] = {"entity": items}
    if next_seq is not None:
        body["nextPageUri"] = page_uri(call.request.url.path, limit=limit,
                                       cursor=encode_cursor(next_seq))
    return Reply(200, body)


async def create_suppression(call: Call) -> Reply:
    return Reply(201, call.sandbox.store.suppressions.create(call.tenant_id, await call.json()))


# webhooks ------------------------------------------------------------------------------------

async def create_webhook(call: Call) -> Reply:
    hook = call.sandbox.store.webhooks.create(call.tenant_id, await call.json())
    call.sandbox.dispatcher.invalidate()
    return Reply(201, hook)


async def list_webhooks(call: Call) -> Reply:
    return Reply(200, {"webhooks": call.sandbox.store.webhooks.all(call.tenant_id)})


async def get_webhook(call: Call) -> Reply:
    return Reply(200, call.sandbox.store.webhooks.get(call.tenant_id, call.params["webhookId"]))


async def delete_webhook(call: Call) -> Reply:
    call.sandbox.store.webhooks.delete(call.tenant_id, call.params["webhookId"])
    call.sandbox.dispatcher.invalidate()
    return Reply(204)


def _route(path: str, method: str, handler: Handler, scopes: frozenset[str]) -> Route:
    return Route(path, api(f"{method} {path}", handler, scopes), methods=[method])


API_ROUTES: list[Route] = [
    _route("/api/v2/contacts/lists", "GET", list_lists, CONTACTS_READ),
    _route("/api/v2/contacts/lists", "POST", create_list, CONTACTS_WRITE),
    _route("/api/v2/contacts/lists/{listId}", "GET", get_list, CONTACTS_READ),
    _route("/api/v2/contacts/lists/{listId}/schema", "GET", get_schema, CONTACTS_READ),
    _route("/api/v2/contacts/lists/{listId}/contacts", "POST", enrich, CONTACTS_WRITE),
    _route("/api/v2/contacts/lists/{listId}/actions/refresh", "POST", refresh, CONTACTS_WRITE),
    _route("/api/v2/contacts/import", "POST", start_import, CONTACTS_WRITE),
    _route("/api/v2/contacts/import/{jobId}", "GET", get_import, CONTACTS_READ_OR_WRITE),
    _route("/api/v2/contacts/{contactId}", "GET", get_contact, CONTACTS_READ),
    _route("/api/v2/contacts/{contactId}", "PATCH", patch_contact, CONTACTS_WRITE),
    _route("/api/v2/campaigns/contactlists/{listId}", "GET", page_contacts, CONTACTS_READ),
    _route("/api/v2/campaigns/contactlists/{listId}/contacts", "PATCH", patch_batch,
           CONTACTS_WRITE),
    _route("/api/v2/campaigns/contacts/{contactId}", "DELETE", delete_contact, CONTACTS_DELETE),
    _route("/api/v2/outbound/contactlists/{listId}/contacts", "GET", page_entities,
           CONTACTS_READ),
    _route("/api/v2/outbound/campaigns", "GET", list_campaigns, CAMPAIGNS_READ),
    _route("/api/v2/outbound/campaigns", "POST", create_campaign, CAMPAIGNS_WRITE),
    _route("/api/v2/outbound/campaigns/{campaignId}", "GET", get_campaign, CAMPAIGNS_READ),
    _route("/api/v2/outbound/campaigns/{campaignId}", "PUT", put_campaign, CAMPAIGNS_WRITE),
    _route("/api/v2/outbound/suppressions", "GET", list_suppressions, SUPPRESSIONS_READ),
    _route("/api/v2/outbound/suppressions", "POST", create_suppression, CAMPAIGNS_WRITE),
    _route("/api/v2/webhooks", "GET", list_webhooks, WEBHOOKS_WRITE),
    _route("/api/v2/webhooks", "POST", create_webhook, WEBHOOKS_WRITE),
    _route("/api/v2/webhooks/{webhookId}", "GET", get_webhook, WEBHOOKS_WRITE),
    _route("/api/v2/webhooks/{webhookId}", "DELETE", delete_webhook, WEBHOOKS_WRITE),
]
