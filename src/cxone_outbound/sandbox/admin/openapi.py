"""The admin dialect's part of the sandbox's OpenAPI document (docs/admin-dialect.md).

Kept apart from the v2 part (`v2/openapi.py`) because its conventions differ: `Accept:
application/json` is required (406, plain text, otherwise), errors are `{error,
error_description}`, batch calls report per-record failures inside 200s, pages are `skip`/`top`
with `totalRecords` (and full-URL `_links` on the calling-list routes), ids are integers, and
the DNC, skill and campaign replies have the shapes CXONE-REAL.md publishes. Every status a
route can answer is listed, so schemathesis catches an undocumented one.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
NSTR: Schema = {"type": "string", "nullable": True}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
ANY: Schema = {"nullable": True}
SCALAR: Schema = {"nullable": True, "oneOf": [STR, INT, {"type": "number"}, BOOL]}
ID: Schema = {"type": "integer", "minimum": 1}
SEGMENT: Schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
STRATEGY: Schema = {"type": "string", "enum": ["Personal Connection", "Manual"]}
SECTIONS = {"general-settings": "generalSettings", "retry-settings": "retrySettings",
            "schedule-settings": "scheduleSettings", "cadence-settings": "cadenceSettings",
            "cpa-management": "cpaSettings", "delivery-preferences": "deliveryPreferences",
            "time-zones": "timeZoneSettings", "list-management": "listManagementSettings",
            "xs-settings": "xsSettings"}


def obj(props: dict[str, Schema], required: list[str] | None = None,
        extra: bool = False) -> Schema:
    schema: Schema = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        schema["required"] = required
    return schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def paged(key: str, item: Schema) -> Schema:
    return obj({"totalRecords": INT, key: {"type": "array", "items": item},
                "_links": ref("AdminLinks")}, ["totalRecords", key, "_links"])


def batch(key: str, item: Schema) -> Schema:
    return obj({key: {"type": "array", "maxItems": 1000, "items": item}}, [key])


RECORD_RESULT = obj({"externalId": ANY, "resultCode": STR}, ["externalId", "resultCode"])
NDATE = NSTR
# S1's upload job: no counts, no row results, no file name
JOB = obj({
    "jobId": INT, "listId": {"type": "integer", "nullable": True}, "listName": NSTR,
    "startDate": NDATE, "submitDate": STR, "isComplete": BOOL, "isCancelled": BOOL,
    "completedDate": NDATE},
    ["jobId", "listId", "listName", "startDate", "submitDate", "isComplete", "isCancelled",
     "completedDate"])
LIST_SKILLS = {"type": "array", "items": obj({"skillId": INT}, ["skillId"])}
COUNTERS: dict[str, Schema] = {
    "prospectiveContactCount": INT, "status": {"type": "string", "enum": ["Active"]},
    "totalRecords": INT, "invalidRecords": INT, "validRecords": INT, "finalizedRecords": INT,
    "createDate": STR, "uploadDate": NDATE, "updateDate": NDATE, "removeDate": NDATE,
    "skills": LIST_SKILLS}
CALLING_LIST = obj({"listId": INT, "listName": STR, **COUNTERS},
                   ["listId", "listName", *COUNTERS])
LIST_RESULT: dict[str, Schema] = {"listName": STR, "lastPollTime": NDATE,
                                  "listExpirationDate": NDATE, **COUNTERS}
# S1's list GET: a resultSet, no listId, no mapping; records keyed by the list's own columns
CALLING_LIST_WITH_RECORDS = obj({"resultSet": obj(LIST_RESULT | {
    "contactRecords": {"type": "array", "items": {"type": "object",
                                                  "additionalProperties": SCALAR}}},
    list(LIST_RESULT))}, ["resultSet"])
GROUP = obj({"dncGroupId": INT, "dncGroupName": STR, "dncGroupDescription": STR,
             "validRecords": INT, "isActive": BOOL, "isRemoved": BOOL, "createDate": STR,
             "lastUpdateTime": STR},
            ["dncGroupId", "dncGroupName", "dncGroupDescription", "validRecords", "isActive",
             "isRemoved", "createDate", "lastUpdateTime"])
GROUPS = obj({"dncGroups": {"type": "array", "minItems": 1, "maxItems": 1, "items": GROUP}},
             ["dncGroups"])
DNC_RESULTS = obj({"errorCount": INT, "recordResults": {"type": "array", "items": obj({
    "success": BOOL, "error": NSTR, "formattedPhone": NSTR},
    ["success", "error", "formattedPhone"])}}, ["errorCount", "recordResults"])
DNC_RECORD = obj({"formattedPhone": STR, "expiredDate": NSTR, "dateCollected": STR,
                  "lastUpdateTime": STR},
                 ["formattedPhone", "expiredDate", "dateCollected", "lastUpdateTime"])
SKILL = obj({"skillId": INT, "skillName": STR, "mediaTypeId": {"type": "integer", "enum": [4]},
             "isOutbound": BOOL, "outboundStrategy": STRATEGY, "isRunning": BOOL,
             "isActive": BOOL, "campaignId": INT, "campaignName": STR,
             "callerIdOverride": NSTR, "scriptId": {"type": "integer", "nullable": True}},
            ["skillId", "skillName", "mediaTypeId", "isOutbound", "outboundStrategy",
             "isRunning", "isActive", "campaignId", "campaignName", "callerIdOverride",
             "scriptId"])
SKILLS = obj({"totalRecords": INT, "skills": {"type": "array", "items": SKILL}},
             ["totalRecords", "skills"])
CAMPAIGN = obj({"id": INT, "name": STR, "isActive": BOOL, "description": STR, "notes": STR,
                "lastUpdateTime": STR}, ["id", "name", "isActive", "description", "notes",
                                         "lastUpdateTime"])
SUCCESS = obj({"success": {"type": "boolean", "enum": [True]}, "skillId": INT},
              ["success", "skillId"])
TOKEN = obj({"access_token": STR, "token_type": {"type": "string", "enum": ["Bearer"]},
             "expires_in": INT, "refresh_token": STR, "id_token": STR,
             "issued_token_type": STR},
            ["access_token", "token_type", "expires_in", "refresh_token", "id_token",
             "issued_token_type"])

ADMIN_SCHEMAS: dict[str, Schema] = {
    "AdminError": obj({"error": STR, "error_description": STR}, ["error", "error_description"]),
    "AdminLinks": obj({"self": STR, "next": NSTR, "previous": NSTR},
                      ["self", "next", "previous"]),
    "AdminToken": TOKEN,
}


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


CORRELATION = {"CorrelationId": {"description": "echoed, or made up when not sent",
                                 "schema": STR}}
ERRORS = {400: "bad query or body", 404: "unknown resource or API version",
          409: "conflicting state", 413: "too many records or too large a body"}


def _admin_op(summary: str, body: Schema | None, *, errors: tuple[int, ...] = (),
              params: list[dict[str, Any]] | None = None,
              request: Schema | None = None) -> dict[str, Any]:
    """An `/inContactAPI` operation: 200 `body` (None: no body), or the listed errors plus the
    pipeline's own (401 token, 406 Accept, 429 throttled, 5xx injected faults)."""
    error = {"headers": CORRELATION, **_json(ref("AdminError"))}
    responses: dict[str, Any] = {"200": {"description": summary, "headers": CORRELATION,
                                         **(_json(body) if body is not None else {})}}
    for status in sorted({*errors, 404}):
        responses[str(status)] = {"description": ERRORS[status], **error}
    if request is not None:  # the body is read and checked: its size and shape can fail
        responses.setdefault("400", {"description": ERRORS[400], **error})
        responses.setdefault("413", {"description": ERRORS[413], **error})
    responses |= {
        "401": {"description": "missing, unknown or expired token", **error},
        "406": {"description": "Accept does not name application/json", "headers": CORRELATION,
                "content": {"text/plain": {"schema": {"type": "string",
                                                      "enum": ["No known way to render data"]}}}},
        "429": {"description": "throttled (no Retry-After)", **error},
        "5XX": {"description": "injected fault: nothing applied", **error}}
    op: dict[str, Any] = {"summary": summary, "tags": ["admin"], "security": [{"bearer": []}],
                          "parameters": [VERSION, *(params or [])], "responses": responses}
    if request is not None:
        op["requestBody"] = {"required": True, **_json(request)}
    return op


def _path(name: str, schema: Schema = ID) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: Schema = STR, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


VERSION = _path("version", {"type": "string", "pattern": "^v[1-9][0-9]?\\.0$"})
PAGING = [_query("skip", {"type": "integer", "minimum": 0}),
          _query("top", {"type": "integer", "minimum": 1})]
DNC_PHONE: Schema = {"type": "integer", "minimum": 1000000, "maximum": 999999999999999}
DNC_RECORDS = obj({"dncGroupRecords": {"type": "array", "maxItems": 100, "items": obj(
    {"phoneNumber": DNC_PHONE, "expiredDate": NSTR}, ["phoneNumber"])}}, ["dncGroupRecords"])
DNC_REMOVALS = obj({"dncGroupRecords": {"type": "array", "maxItems": 100, "items": obj(
    {"phoneNumber": {"oneOf": [DNC_PHONE, STR]}, "expiredDate": NSTR}, ["phoneNumber"])}},
    ["dncGroupRecords"])
SECTION_BODY: Schema = {"oneOf": [{"type": "object"}, {"type": "array"}]}
PARAMETERS_BODY: Schema = {"oneOf": [
    obj({key: {"type": "array" if key == "timeZoneSettings" else "object"}}, [key])
    for key in SECTIONS.values()]}
SECTION_PARAMS = [_path("skillId"), _path("section", {"type": "string",
                                                      "enum": list(SECTIONS)})]

ADMIN_RESOURCES: dict[str, dict[str, Any]] = {
    "/lists/call-lists": {
        "get": _admin_op("calling lists", paged("callingLists", CALLING_LIST), errors=(400,),
                         params=PAGING),
        "post": _admin_op("create a calling list", obj({"listId": INT}, ["listId"]), params=[
            _query("listName", required=True), _query("externalIdColumn", required=True),
            _query("firstNameColumn"), _query("lastNameColumn"), _query("timeZoneColumn")],
            request=obj({"destinationMappings": {"type": "array", "minItems": 1, "items": obj(
                {"fieldName": STR, "fieldValue": STR}, ["fieldValue"], extra=True)}},
                ["destinationMappings"]))},
    "/lists/call-lists/jobs": {
        "get": _admin_op("upload jobs", obj({"uploadJobs": {"type": "array", "items": JOB}},
                                            ["uploadJobs"]), errors=(400,), params=PAGING)},
    "/lists/call-lists/jobs/{jobId}": {
        "get": _admin_op("one upload job (an array of one)", obj({"uploadJobs": {
            "type": "array", "minItems": 1, "maxItems": 1, "items": JOB}}, ["uploadJobs"]),
            params=[_path("jobId")]),
        "delete": _admin_op("cancel a job not yet complete", None, errors=(409,),
                            params=[_path("jobId")])},
    "/lists/call-lists/{listId}": {
        "get": _admin_op("a calling list, with a page of its records on includeRecords=true",
                         CALLING_LIST_WITH_RECORDS, errors=(400,), params=[
                             _path("listId"), _query("finalized", BOOL),
                             _query("includeRecords", BOOL), *PAGING]),
        "delete": _admin_op("delete a list and its records", None, errors=(409,), params=[
            _path("listId"), _query("forceInactive"), _query("forceDelete")])},
    "/lists/call-lists/{listId}/upload": {
        "post": _admin_op("upload a base64 CSV (a background job)", obj({"jobId": INT},
                                                                         ["jobId"]),
                          params=[_path("listId")], request=obj({
                              "listFile": {"type": "string", "format": "byte"},
                              "fileName": STR, "skillId": INT, "defaultTimeZone": STR,
                              "forceOverwrite": BOOL, "expirationDate": STR,
                              "startSkill": BOOL, "sendEmail": BOOL},
                              ["listFile", "forceOverwrite", "expirationDate", "startSkill",
                               "sendEmail"]))},
    "/lists/call-lists/{sourceName}/removeProspects": {
        "delete": _admin_op("remove records by external id (per-record results in a 200)", obj({
            "successfulRecords": {"type": "array", "items": RECORD_RESULT},
            "failedRecords": {"type": "array", "items": RECORD_RESULT}},
            ["successfulRecords", "failedRecords"]),
            params=[_path("sourceName", SEGMENT)],
            request=batch("prospectsToRemove", obj({"externalId": STR}, ["externalId"])))},
    "/dnc-groups": {
        "get": _admin_op("DNC groups (all of them)", obj({"resultSet": obj({
            "totalGroups": INT, "dncGroups": {"type": "array", "items": GROUP}},
            ["totalGroups", "dncGroups"])}, ["resultSet"])),
        "post": _admin_op("create a DNC group", GROUPS,
                          request=obj({"dncGroupName": STR, "dncGroupDescription": STR},
                                      ["dncGroupName"]))},
    "/dnc-groups/search": {
        "post": _admin_op("records of every group whose digits match", obj({
            "searchResults": {"type": "array", "items": obj({
                "dncGroupId": INT, "dncGroupName": STR, "formattedPhone": STR,
                "expiredDate": NSTR, "dateCollected": STR, "lastUpdateTime": STR},
                ["dncGroupId", "dncGroupName", "formattedPhone", "expiredDate",
                 "dateCollected", "lastUpdateTime"])}}, ["searchResults"]),
            errors=(400,), params=[_query("phoneNumber", required=True)])},
    "/dnc-groups/{groupId}": {
        "put": _admin_op("update a DNC group by query parameters", GROUPS, errors=(400,),
                         params=[_path("groupId"), _query("dncGroupName"),
                                 _query("dncGroupDescription"),
                                 _query("isActive", {"type": "string",
                                                     "enum": ["true", "false"]})])},
    "/dnc-groups/{groupId}/records": {
        "get": _admin_op("a group's records", obj({"resultSet": obj({
            "totalRecords": INT, "dncRecords": {"type": "array", "items": DNC_RECORD}},
            ["totalRecords", "dncRecords"])}, ["resultSet"]), errors=(400,),
            params=[_path("groupId"), *PAGING]),
        "post": _admin_op("add or re-date records (per-record results in a 200)",
                          obj({"resultSet": DNC_RESULTS}, ["resultSet"]),
                          params=[_path("groupId")], request=DNC_RECORDS),
        "delete": _admin_op("remove records (per-record results in a 200)", DNC_RESULTS,
                            params=[_path("groupId")], request=DNC_REMOVALS)},
    "/skills": {
        "get": _admin_op("outbound phone skills", SKILLS, errors=(400,),
                         params=[*PAGING, _query("outboundStrategy")]),
        "post": _admin_op("create skills (per-skill results in a 200)", obj({
            "errorCount": INT, "skillsResults": {"type": "array", "items": obj({
                "success": BOOL, "error": NSTR}, ["success", "error"])}},
            ["errorCount", "skillsResults"]), request=batch("skills", obj({
                "skillName": STR, "outboundStrategy": STRATEGY, "isActive": BOOL,
                "notes": STR, "mediaTypeId": INT, "isOutbound": BOOL}, ["skillName"])))},
    "/skills/{skillId}": {
        "get": _admin_op("one skill", SKILL, params=[_path("skillId")]),
        "put": _admin_op("update a skill (a new campaign version)", SUCCESS,
                         params=[_path("skillId")], request=obj({"skill": obj({
                             "skillName": STR, "isActive": BOOL, "notes": STR,
                             "outboundStrategy": STRATEGY})}, ["skill"]))},
    "/skills/{skillId}/start": {
        "post": _admin_op("start the skill dialing (no body answered)", None,
                          params=[_path("skillId")])},
    "/skills/{skillId}/stop": {
        "post": _admin_op("stop the skill dialing (no body answered)", None,
                          params=[_path("skillId")])},
    "/skills/{skillId}/parameters": {
        "get": _admin_op("every parameter section", obj({
            "skillName": STR, "skillNo": INT, "callingLists": {"type": "array"},
            "filterSettings": {"type": "object"},
            **{key: {"type": "array" if key == "timeZoneSettings" else "object"}
               for key in SECTIONS.values()}},
            ["skillName", "skillNo", "callingLists", "filterSettings", *SECTIONS.values()]),
            params=[_path("skillId")])},
    "/skills/{skillId}/parameters/{section}": {
        "get": _admin_op("a parameter section, bare", SECTION_BODY, params=SECTION_PARAMS),
        "put": _admin_op("merge keys into a section, wrapped in its key (null removes one)",
                         SUCCESS, params=SECTION_PARAMS, request=PARAMETERS_BODY)},
    "/campaigns": {
        "get": _admin_op("campaigns", obj({"totalRecords": INT, "businessUnitId": INT,
                                           "campaigns": {"type": "array", "items": CAMPAIGN}},
                                          ["totalRecords", "businessUnitId", "campaigns"]),
                         errors=(400,), params=PAGING),
        "post": _admin_op("create a campaign (and its Personal Connection skill, previewing)",
                          obj({"id": INT}, ["id"]),
                          request=obj({"name": STR, "description": STR, "isActive": BOOL},
                                      ["name"]))},
    "/campaigns/{campaignId}": {
        "get": _admin_op("one campaign", CAMPAIGN, params=[_path("campaignId")])},
    "/campaigns/{campaignId}/skills": {
        "get": _admin_op("the campaign's skills (shape unpublished: the /skills listing)",
                         SKILLS, errors=(400,), params=[_path("campaignId")])},
    "/campaigns/{campaignId}/status": {
        "patch": _admin_op("activate or deactivate", CAMPAIGN, params=[_path("campaignId")],
                           request=obj({"isActive": BOOL}, ["isActive"]))},
    "/business-unit": {
        "get": _admin_op("the business unit and its tenant id", obj({"businessUnits": {
            "type": "array", "minItems": 1, "items": obj({"businessUnitId": INT,
                                                          "tenantId": STR},
                                                         ["businessUnitId", "tenantId"])}},
            ["businessUnits"]))},
}

OAUTH_ERROR = obj({"error": {"type": "string", "enum": [
    "invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type"]},
    "error_description": STR}, ["error", "error_description"])


def _token_op(summary: str, request: dict[str, Any], security: list[Any]) -> dict[str, Any]:
    """A login route: the admin token, RFC 6749 errors, and v2 error bodies from the pipeline
    (413 body too large, 429 throttled, 5xx injected faults)."""
    v2_error = {"description": "contract error (v2 shape)", **_json(ref("Error"))}
    return {"summary": summary, "tags": ["admin"], "security": security,
            "requestBody": {"required": True, **request},
            "responses": {"200": {"description": "a token", **_json(ref("AdminToken"))},
                          "400": {"description": "RFC 6749 error", **_json(OAUTH_ERROR)},
                          "401": {"description": "bad client credentials",
                                  **_json(OAUTH_ERROR)},
                          "413": v2_error, "429": v2_error, "5XX": v2_error}}


ADMIN_PATHS: dict[str, Any] = {
    "/auth/token": {"post": _token_op("access key login (password grant) or refresh", {
        "content": {"application/x-www-form-urlencoded": {"schema": obj({
            "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
            "username": STR, "password": STR, "refresh_token": STR, "client_id": STR,
            "client_secret": STR}, ["grant_type"])}}}, [{"basic": []}, {}])},
    "/authentication/v1/token/access-key": {"post": _token_op("access key login", _json(obj({
        "accessKeyId": STR, "accessKeySecret": STR}, ["accessKeyId", "accessKeySecret"],
        extra=True)), [])},
    "/.well-known/cxone-configuration": {"get": {
        "summary": "where a tenant's API lives", "tags": ["admin"], "security": [],
        "parameters": [_query("tenantId", required=True)],
        "responses": {
            "200": {"description": "the tenant's endpoints", **_json(obj({
                "tenantId": STR, "api_endpoint": STR, "auth_endpoint": STR,
                "ui_endpoint": STR, "area": STR, "cluster": STR},
                ["tenantId", "api_endpoint", "auth_endpoint", "ui_endpoint", "area",
                 "cluster"]))},
            "400": {"description": "tenantId missing", **_json(ref("AdminError"))},
            "404": {"description": "unknown tenant", **_json(ref("AdminError"))}}}},
    "/.well-known/openid-configuration": {"get": {
        "summary": "the token endpoint", "tags": ["admin"], "security": [],
        "responses": {"200": {"description": "OpenID discovery", **_json(obj({
            "issuer": STR, "token_endpoint": STR,
            "grant_types_supported": {"type": "array", "items": STR},
            "token_endpoint_auth_methods_supported": {"type": "array", "items": STR},
            "id_token_signing_alg_values_supported": {"type": "array", "items": STR}},
            ["issuer", "token_endpoint"], extra=True))}}}},
    **{"/inContactAPI/services/{version}" + path: ops
       for path, ops in ADMIN_RESOURCES.items()},
}
"""Every admin route, keyed by its full path (merged into the served document)."""
