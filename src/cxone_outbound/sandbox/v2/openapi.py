"""The sandbox's OpenAPI 3.0 document (hand-written), served at /openapi.json.

It describes the API routes (not /sandbox) closely enough for schemathesis to generate requests
and check every response against it: success bodies by status, contract error bodies otherwise.
The admin dialect's routes are in `admin/openapi.py`, merged in here.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.admin.openapi import ADMIN_PATHS, ADMIN_SCHEMAS

Schema = dict[str, Any]


def _obj(props: dict[str, Schema], required: list[str] | None = None,
         extra: bool = True) -> Schema:
    schema: Schema = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        schema["required"] = required
    return schema


STR: Schema = {"type": "string"}
NSTR: Schema = {"type": "string", "nullable": True}
INT: Schema = {"type": "integer"}
SCALAR: Schema = {"nullable": True, "oneOf": [STR, INT, {"type": "number"}, {"type": "boolean"}]}
ATTRS: Schema = {"type": "object", "additionalProperties": SCALAR}
FIELD: Schema = _obj({"name": STR, "type": {"type": "string", "enum": [
    "string", "integer", "decimal", "boolean", "date"]}}, ["name", "type"], extra=False)

COMPONENTS: dict[str, Schema] = {
    "Error": _obj({"error": _obj({"code": STR, "message": STR, "field": STR,
                                  "details": {"type": "array", "items": {"type": "object"}}},
                                 ["code", "message"]),
                   "requestId": STR}, ["error", "requestId"]),
    "OAuthError": _obj({"error": {"type": "string", "enum": [
        "invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]},
        "error_description": STR}, ["error"]),
    "Token": _obj({"access_token": STR, "token_type": STR, "expires_in": INT, "scope": STR},
                  ["access_token", "token_type", "expires_in"]),
    "ContactList": _obj({"id": STR, "name": STR, "schema": _obj({"fields": {
        "type": "array", "items": FIELD}}), "isDefault": {"type": "boolean"},
        "contactCount": INT, "createdAt": STR}, ["id", "name", "schema"]),
    "Contact": _obj({"id": STR, "contactListId": STR, "phone": STR, "firstName": NSTR,
                     "lastName": NSTR, "email": NSTR, "attributes": ATTRS, "createdAt": STR,
                     "updatedAt": STR}, ["id", "contactListId", "phone", "attributes"]),
    "ImportJob": _obj({"jobId": STR, "status": {"type": "string", "enum": [
        "QUEUED", "RUNNING", "COMPLETED", "FAILED"]}, "recordsProcessed": INT,
        "recordsFailed": INT, "errors": {"type": "array", "items": STR},
        "rowErrors": {"type": "array", "items": _obj({"row": INT, "field": NSTR, "code": STR,
                                                       "message": STR})}},
        ["jobId", "status"]),
    "Campaign": _obj({"id": STR, "campaignId": STR, "name": STR, "type": STR, "status": STR,
                      "maxEnrichmentTimeout": INT, "version": INT},
                     ["id", "campaignId", "name", "version"]),
    "Suppression": _obj({"id": STR, "phoneNumber": STR, "reason": STR, "expiresAt": NSTR},
                        ["id", "phoneNumber"]),
    "Webhook": _obj({"id": STR, "name": STR, "url": STR, "events": {"type": "array",
                                                                     "items": STR},
                     "secret": STR}, ["id", "url", "events"]),
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: int | None, body: Schema | None, *, request: Schema | None = None,
        params: list[dict[str, Any]] | None = None,
        headers: tuple[str, ...] = ()) -> dict[str, Any]:
    responses: dict[str, Any] = {"default": {"description": "contract error",
                                             **_json(_ref("Error"))}}
    if ok is not None:
        answer: dict[str, Any] = {"description": summary}
        if body is not None:
            answer.update(_json(body))
        responses[str(ok)] = answer
    op: dict[str, Any] = {"summary": summary, "responses": responses,
                          "security": [{"bearer": []}]}
    parameters = list(params or [])
    parameters += [{"name": h, "in": "header", "required": False, "schema": STR} for h in headers]
    if parameters:
        op["parameters"] = parameters
    if request is not None:
        op["requestBody"] = {"required": True, **_json(request)}
    return op


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": STR}


def _query(name: str, schema: Schema = STR) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})


def PAGE(key: str, item: Schema) -> Schema:
    return _obj({key: {"type": "array", "items": item}, "nextPageUri": STR}, [key])


TOKEN_OP: dict[str, Any] = {
    "summary": "client credentials token",
    "security": [],
    "requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": _obj({
            "grant_type": {"type": "string", "enum": ["client_credentials"]},
            "scope": STR, "client_id": STR, "client_secret": STR}, ["grant_type"])}}},
    "responses": {"200": {"description": "a token", **_json(_ref("Token"))},
                  "400": {"description": "RFC 6749 error", **_json(_ref("OAuthError"))},
                  "401": {"description": "RFC 6749 error", **_json(_ref("OAuthError"))},
                  "default": {"description": "contract error", **_json(_ref("Error"))}},
}
CAMPAIGN_BODY = _obj({"name": STR, "type": {"type": "string", "enum": [
    "preview", "progressive", "predictive", "agentless", "manual"]},
    "status": {"type": "string", "enum": ["active", "inactive", "paused", "completed"]},
    "description": STR,
    "maxEnrichmentTimeout": {"type": "integer", "minimum": 1, "maximum": 600000},
    "contactLists": {"type": "array", "items": {"type": "object"}},
    "dialingRules": {"type": "object"}, "agentDirectives": {"type": "array",
                                                            "items": {"type": "object"}},
    "previewSettings": {"type": "object"}}, ["name"], extra=False)
CONTACT_PATCH = _obj({"phone": STR, "firstName": NSTR, "lastName": NSTR, "email": NSTR,
                      "attributes": ATTRS}, extra=False)

PATHS: dict[str, Any] = {
    "/oauth/token": {"post": TOKEN_OP},
    "/api/v2/oauth/token": {"post": TOKEN_OP},
    "/api/v2/oauth2/token": {"post": TOKEN_OP},
    "/api/v2/contacts/lists": {
        "get": _op("lists of the tenant", 200, _obj({"lists": {"type": "array", "items": _ref(
            "ContactList")}, "defaultListId": STR}, ["lists", "defaultListId"])),
        "post": _op("create a list", 201, _ref("ContactList"), request=_obj(
            {"name": STR, "schema": _obj({"fields": {"type": "array", "items": FIELD}},
                                         extra=False)}, ["name"], extra=False),
            headers=("Idempotency-Key",)),
    },
    "/api/v2/contacts/lists/{listId}": {
        "get": _op("one list", 200, _ref("ContactList"), params=[_path("listId")])},
    "/api/v2/contacts/lists/{listId}/schema": {
        "get": _op("attribute schema", 200, _obj({"fields": {"type": "array", "items": FIELD}},
                                                 ["fields"]), params=[_path("listId")])},
    "/api/v2/contacts/lists/{listId}/contacts": {
        "post": _op("atomic enrichment", 200, _obj({"processedCount": INT}, ["processedCount"]),
                    params=[_path("listId")], headers=("Idempotency-Key",), request=_obj({
                        "contactListId": STR, "contacts": {"type": "array", "items": _obj(
                            {"contactId": STR, "attributes": ATTRS}, ["contactId"])}},
                        ["contacts"]))},
    "/api/v2/contacts/lists/{listId}/actions/refresh": {
        "post": _op("refresh the dialer's copy", 202, _obj({"refreshId": STR, "status": STR},
                                                           ["refreshId", "status"]),
                    params=[_path("listId")])},
    "/api/v2/contacts/import": {
        "post": {**_op("start an import", 201, _obj({"jobId": STR, "status": STR},
                                                    ["jobId", "status"]),
                       params=[_query("contactListId")], headers=("Idempotency-Key",)),
                 "requestBody": {"required": True, "content": {"text/csv": {"schema": STR}}}}},
    "/api/v2/contacts/import/{jobId}": {
        "get": _op("an import job", 200, _ref("ImportJob"), params=[_path("jobId")])},
    "/api/v2/contacts/{contactId}": {
        "get": _op("one contact", 200, _ref("Contact"), params=[_path("contactId")]),
        "patch": _op("update one contact", 200, _ref("Contact"), params=[_path("contactId")],
                     request=CONTACT_PATCH)},
    "/api/v2/campaigns/contactlists/{listId}": {
        "get": _op("page a list (cursor)", 200, PAGE("contacts", _ref("Contact")),
                   params=[_path("listId"), LIMIT, _query("cursor")])},
    "/api/v2/campaigns/contactlists/{listId}/contacts": {
        "patch": _op("batch update", 200, _obj({"updated": INT, "failed": {
            "type": "array", "items": _obj({"id": NSTR, "error": STR, "message": STR})}},
            ["updated", "failed"]), params=[_path("listId")], request=_obj({
                "contacts": {"type": "array", "maxItems": 100, "items": _obj(
                    {"id": STR}, ["id"])}}, ["contacts"], extra=False))},
    "/api/v2/campaigns/contacts/{contactId}": {
        "delete": _op("delete one contact", 204, None, params=[_path("contactId")])},
    "/api/v2/outbound/contactlists/{listId}/contacts": {
        "get": _op("page a list (preview shape)", 200, PAGE("entity", _obj(
            {"id": STR, "fields": {"type": "object"}}, ["id", "fields"])),
            params=[_path("listId"), LIMIT, _query("page", {"type": "integer", "minimum": 1})])},
    "/api/v2/outbound/campaigns": {
        "get": _op("campaigns", 200, PAGE("entity", _ref("Campaign")),
                   params=[_query("type"), _query("status"), LIMIT, _query("cursor")]),
        "post": _op("create a campaign", 201, _ref("Campaign"), request=CAMPAIGN_BODY,
                    headers=("Idempotency-Key",))},
    "/api/v2/outbound/campaigns/{campaignId}": {
        "get": _op("one campaign", 200, _ref("Campaign"), params=[_path("campaignId")]),
        "put": _op("update with If-Match", 200, _obj({"version": INT, "status": STR},
                                                     ["version", "status"]),
                   params=[_path("campaignId")], request=CAMPAIGN_BODY, headers=("If-Match",))},
    "/api/v2/outbound/suppressions": {
        "get": _op("suppressions", 200, PAGE("entity", _ref("Suppression")),
                   params=[LIMIT, _query("cursor")]),
        "post": _op("add a suppression", 201, _ref("Suppression"), request=_obj(
            {"phoneNumber": STR, "reason": STR, "expiresAt": NSTR}, ["phoneNumber"],
            extra=False), headers=("Idempotency-Key",))},
    "/api/v2/webhooks": {
        "get": _op("webhooks", 200, _obj({"webhooks": {"type": "array",
                                                       "items": _ref("Webhook")}},
                                         ["webhooks"])),
        "post": _op("register a webhook", 201, _ref("Webhook"), request=_obj({
            "name": STR, "url": STR, "events": {"type": "array", "items": STR},
            "retryPolicy": _obj({"maxRetries": INT, "backoffMs": INT}, extra=False)},
            ["url", "events"], extra=False), headers=("Idempotency-Key",))},
    "/api/v2/webhooks/{webhookId}": {
        "get": _op("one webhook", 200, _ref("Webhook"), params=[_path("webhookId")]),
        "delete": _op("remove a webhook", 204, None, params=[_path("webhookId")])},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "CXone outbound API (sandbox, v2 and admin dialects)", "version": "2"},
    "paths": PATHS | ADMIN_PATHS,
    "components": {"schemas": COMPONENTS | ADMIN_SCHEMAS,
                   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                       "basic": {"type": "http", "scheme": "basic"}}},
}
_RENDERED = orjson.dumps(DOCUMENT)


async def openapi(request: Request) -> Response:
    return Response(_RENDERED, 200, media_type="application/json")


OPENAPI_ROUTES = [Route("/openapi.json", openapi, methods=["GET"])]
