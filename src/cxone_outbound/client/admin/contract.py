"""The Admin API's published reply shapes, and the one check every reply goes through.

`../shared/CXONE-REAL.md` is the contract: a shape here names only keys a source shows. The
client reads a reply through `read(shape, body)`, which returns the object holding the keys
(inside `resultSet` where the source publishes that envelope) or raises `SchemaDrift` naming
the endpoint, the keys it expected and the keys it saw. A reply the client does not understand
is never read as "empty". The tenant probe (`cxo tenant probe`) checks the same shapes.

Sources say rows "may be at the top level or under `resultSet`" (S2 reads
`page[key] || page.resultSet[key]`), so `read` looks at the published level first and then at
the other one; a reply with the keys at neither level is drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.client.errors import SchemaDrift

ENVELOPE = "resultSet"
__all__ = ["ENVELOPE", "SchemaDrift", "Shape", "read", "read_skill", "rows"]


@dataclass(frozen=True)
class Shape:
    """What the client needs of one endpoint's 2xx reply.

    `keys` must be present at the level read (`envelope` or top); `rows` names the list of row
    objects among them, each of which must hold `row_keys`. `known` lists the other keys a
    source publishes, so the probe can tell an unknown key from a missing one.
    """

    endpoint: str
    keys: frozenset[str] = frozenset()
    envelope: str | None = None
    rows: str | None = None
    row_keys: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()
    row_known: frozenset[str] = field(default=frozenset())


def _has(body: Any, keys: frozenset[str]) -> bool:
    return isinstance(body, Mapping) and keys <= body.keys()


def read(shape: Shape, body: Any) -> Mapping[str, Any]:
    """The object of `body` that holds `shape.keys` (and well-formed rows), else `SchemaDrift`."""
    if not isinstance(body, Mapping):
        raise SchemaDrift(shape.endpoint, expected=shape.keys, seen=body)
    inner = body.get(ENVELOPE)
    levels: list[Any] = [inner, body] if shape.envelope else [body, inner]
    found: Mapping[str, Any] | None = next(
        (level for level in levels if _has(level, shape.keys)), None
    )
    if found is None:
        seen = inner if shape.envelope and isinstance(inner, Mapping) else body
        raise SchemaDrift(shape.endpoint, expected=shape.keys, seen=seen)
    if shape.rows is not None:
        rows = found.get(shape.rows)
        if not isinstance(rows, list):
            raise SchemaDrift(
                shape.endpoint, expected={shape.rows}, seen=found,
                where=f"{shape.rows} (not a list)",
            )
        for row in rows:
            if not _has(row, shape.row_keys):
                raise SchemaDrift(
                    shape.endpoint, expected=shape.row_keys, seen=row,
                    where=f"a row of {shape.rows}",
                )
    return found


def rows(shape: Shape, body: Any) -> list[Mapping[str, Any]]:
    """The checked rows of a listing reply."""
    assert shape.rows is not None, shape.endpoint
    found = read(shape, body)
    return list(found[shape.rows])


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


# -- calling lists (S1 AdminListsService) -----------------------------------------------------
CREATE_LIST = Shape("POST /lists/call-lists", keys=_keys("listId"))
LISTS = Shape(
    "GET /lists/call-lists",
    keys=_keys("callingLists"),
    rows="callingLists",
    row_keys=_keys("listId", "listName"),
    known=_keys("totalRecords", "_links"),
    row_known=_keys(
        "prospectiveContactCount", "status", "totalRecords", "invalidRecords", "validRecords",
        "finalizedRecords", "createDate", "uploadDate", "updateDate", "removeDate", "skills",
    ),
)
LIST = Shape(
    "GET /lists/call-lists/{listId}",
    keys=_keys("listName", "totalRecords", "validRecords", "invalidRecords"),
    envelope=ENVELOPE,
    known=_keys(
        "lastPollTime", "prospectiveContactCount", "status", "finalizedRecords", "createDate",
        "uploadDate", "updateDate", "removeDate", "listExpirationDate", "skills", "contactRecords",
    ),
)
LIST_RECORDS = Shape(
    "GET /lists/call-lists/{listId}?includeRecords=true",
    keys=_keys("contactRecords"),
    envelope=ENVELOPE,
    rows="contactRecords",
    known=LIST.keys | LIST.known,
)
UPLOAD = Shape("POST /lists/call-lists/{listId}/upload", keys=_keys("jobId"))
UPLOAD_JOBS = Shape(
    "GET /lists/call-lists/jobs/{jobId}",
    keys=_keys("uploadJobs"),
    rows="uploadJobs",
    row_keys=_keys("jobId", "isComplete", "isCancelled"),
    row_known=_keys("listId", "listName", "startDate", "submitDate", "completedDate"),
)
REMOVE_PROSPECTS = Shape(
    "DELETE /lists/call-lists/{sourceName}/removeProspects",
    keys=_keys("successfulRecords", "failedRecords"),
)

# -- do-not-call groups ------------------------------------------------------------------------
DNC_GROUPS = Shape(
    "GET /dnc-groups",
    keys=_keys("dncGroups"),
    envelope=ENVELOPE,
    rows="dncGroups",
    row_keys=_keys("dncGroupId", "dncGroupName"),
    known=_keys("totalGroups"),
    row_known=_keys("dncGroupDescription", "validRecords", "isActive", "isRemoved", "createDate",
                    "lastUpdateTime"),
)
DNC_GROUP_WRITE = Shape(
    "POST|PUT /dnc-groups",
    keys=_keys("dncGroups"),
    rows="dncGroups",
    row_keys=_keys("dncGroupId"),
    row_known=DNC_GROUPS.row_known | _keys("dncGroupName"),
)
DNC_RECORDS = Shape(
    "GET /dnc-groups/{id}/records",
    keys=_keys("dncRecords"),
    envelope=ENVELOPE,
    rows="dncRecords",
    row_keys=_keys("formattedPhone"),
    known=_keys("totalRecords"),
)
DNC_RECORDS_ADD = Shape(
    "POST /dnc-groups/{id}/records",
    keys=_keys("errorCount", "recordResults"),
    envelope=ENVELOPE,
    rows="recordResults",
    row_keys=_keys("success"),
    row_known=_keys("error", "formattedPhone"),
)
DNC_RECORDS_REMOVE = Shape(
    "DELETE /dnc-groups/{id}/records",
    keys=_keys("errorCount", "recordResults"),
    rows="recordResults",
    row_keys=_keys("success"),
    row_known=_keys("error", "formattedPhone"),
)
DNC_SEARCH = Shape(
    "POST /dnc-groups/search",
    keys=_keys("searchResults"),
    rows="searchResults",
    row_keys=_keys("dncGroupId", "formattedPhone"),
    row_known=_keys("dncGroupName", "expiredDate", "dateCollected", "lastUpdateTime"),
)

# -- skills and campaigns ----------------------------------------------------------------------
SKILLS = Shape(
    "GET /skills",
    keys=_keys("skills"),
    rows="skills",
    row_keys=_keys("skillId", "skillName"),
    known=_keys("totalRecords"),
    row_known=_keys("mediaTypeId", "isOutbound", "outboundStrategy", "isRunning", "isActive",
                    "campaignId", "campaignName", "callerIdOverride", "scriptId"),
)
SKILL = Shape(
    "GET /skills/{id}", keys=_keys("skillId", "skillName", "outboundStrategy", "isActive"),
    known=SKILLS.row_known,
)
"""S2 reads the reply as `skills[0]` or the bare object: `read_skill` accepts both."""
CAMPAIGN_SKILLS = Shape(
    "GET /campaigns/{id}/skills",
    keys=_keys("skills"),
    rows="skills",
    row_keys=_keys("skillId", "skillName"),
    known=_keys("totalRecords"),
    row_known=SKILLS.row_known,
)
"""The reply's shape is not published: read as the listing of `GET /skills` (docs/real-tenant.md,
unconfirmed); anything else is drift, never "no skills"."""
SKILLS_CREATE = Shape(
    "POST /skills", keys=_keys("errorCount", "skillsResults"), rows="skillsResults",
    row_keys=_keys("success"), row_known=_keys("error"),
)
SKILL_UPDATE = Shape("PUT /skills/{id}", keys=_keys("success", "skillId"))
SKILL_PARAMETERS = Shape(
    "GET /skills/{id}/parameters",
    keys=_keys("generalSettings", "deliveryPreferences"),
    known=_keys("skillName", "skillNo", "cadenceSettings", "callingLists", "cpaSettings",
                "retrySettings", "filterSettings", "listManagementSettings", "scheduleSettings",
                "timeZoneSettings", "xsSettings"),
)
CAMPAIGNS = Shape(
    "GET /campaigns",
    keys=_keys("campaigns"),
    rows="campaigns",
    row_keys=_keys("id", "name"),
    known=_keys("totalRecords", "businessUnitId"),
    row_known=_keys("isActive", "description", "notes", "lastUpdateTime"),
)
CAMPAIGN = Shape(
    "GET /campaigns/{id}", keys=_keys("id", "name"),
    known=_keys("isActive", "description", "notes", "lastUpdateTime"),
)
CAMPAIGN_CREATE = Shape("POST /campaigns", keys=_keys("id"))


def read_skill(body: Any) -> Mapping[str, Any]:
    """A `GET /skills/{id}` reply: the bare skill, or the first of `skills` (S2 reads both)."""
    if isinstance(body, Mapping) and isinstance(body.get("skills"), list) and body["skills"]:
        body = body["skills"][0]
    return read(SKILL, body)

# -- business unit (S4) ------------------------------------------------------------------------
BUSINESS_UNIT = Shape(
    "GET /business-unit", keys=_keys("businessUnits"), rows="businessUnits",
    row_keys=_keys("tenantId"),
)
