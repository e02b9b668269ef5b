"""The tenant probe: call every read endpoint the jobs use and compare each reply with the contract.

A real tenant may answer in a shape no public source shows (CXONE-REAL.md: "the swagger
drifts"). Before a job writes anything, `cxo tenant probe` asks each endpoint once, read-only,
and checks the reply against the same `contract.Shape` the client reads it through: a missing
key is drift, a key the contract neither needs nor knows is listed as unknown (and is fine). The
result carries a redacted shape of every reply (keys and JSON types, never a value) to attach to
a bug report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote

import orjson

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.contract import ENVELOPE, Shape
from cxone_outbound.client.admin.discovery import Discovery
from cxone_outbound.client.admin.session import AdminSession, api_version
from cxone_outbound.client.errors import (
    AuthError,
    CXoneError,
    PermissionDenied,
    RateLimited,
    SchemaDrift,
    ServerError,
    TransportError,
)
from cxone_outbound.client.transport import Response
from cxone_outbound.config import Settings

PROBE_TOP = 5
"""Rows asked of each listing: enough to see a row's keys, few enough to stay light."""

Verdict = Literal["ok", "drift", "skipped", "refused", "unavailable"]


Reader = Callable[[Any], Mapping[str, Any]]
"""Returns the object of a reply holding the keys, or raises `SchemaDrift` (as `contract.read`)."""


class ProbeSession(Protocol):
    """What the probe needs of a logged-in session (an `AdminSession`; a fake in tests)."""

    settings: Settings
    discovery: Discovery | None

    async def request(self, method: str, resource: str, path: str, **kw: Any) -> Response: ...


@dataclass(frozen=True)
class Step:
    """One read call of the probe; `gives` names the id its first row hands to later steps."""

    endpoint: str
    shape: Shape
    resource: str
    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    needs: str | None = None
    gives: str | None = None
    id_key: str | None = None
    reader: Reader | None = None  # how the client reads it, where not `contract.read(shape, ·)`


_PAGE: Mapping[str, str | int] = {"skip": 0, "top": PROBE_TOP}

STEPS: tuple[Step, ...] = (
    Step("GET /lists/call-lists", contract.LISTS, "lists", "/lists/call-lists", _PAGE,
         gives="calling list", id_key="listId"),
    Step("GET /lists/call-lists/{listId}", contract.LIST, "lists",
         "/lists/call-lists/{calling list}", {"finalized": "false", "includeRecords": "false"},
         needs="calling list"),
    Step("GET /lists/call-lists/{listId}?includeRecords=true", contract.LIST_RECORDS, "lists",
         "/lists/call-lists/{calling list}",
         {"finalized": "false", "includeRecords": "true", **_PAGE}, needs="calling list"),
    Step("GET /lists/call-lists/jobs", contract.UPLOAD_JOBS, "lists", "/lists/call-lists/jobs",
         _PAGE),
    Step("GET /dnc-groups", contract.DNC_GROUPS, "dnc-groups", "/dnc-groups", _PAGE,
         gives="DNC group", id_key="dncGroupId"),
    Step("GET /dnc-groups/{dncGroupId}/records", contract.DNC_RECORDS, "dnc-groups",
         "/dnc-groups/{DNC group}/records", _PAGE, needs="DNC group"),
    Step("GET /skills", contract.SKILLS, "skills", "/skills", _PAGE, gives="skill",
         id_key="skillId"),
    Step("GET /skills/{skillId}", contract.SKILL, "skills", "/skills/{skill}", needs="skill",
         reader=contract.read_skill),
    Step("GET /skills/{skillId}/parameters", contract.SKILL_PARAMETERS, "skills",
         "/skills/{skill}/parameters", needs="skill"),
    Step("GET /campaigns", contract.CAMPAIGNS, "campaigns", "/campaigns", _PAGE,
         gives="campaign", id_key="id"),
    Step("GET /campaigns/{campaignId}", contract.CAMPAIGN, "campaigns", "/campaigns/{campaign}",
         needs="campaign"),
    Step("GET /campaigns/{campaignId}/skills", contract.CAMPAIGN_SKILLS, "campaigns",
         "/campaigns/{campaign}/skills", needs="campaign"),
    Step("GET /business-unit", contract.BUSINESS_UNIT, "business-unit", "/business-unit"),
)
"""Every read endpoint the jobs use, in the order their ids are found."""


@dataclass(frozen=True)
class EndpointResult:
    """What one endpoint answered, judged against its shape."""

    endpoint: str
    verdict: Verdict
    status: int | None = None
    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    reason: str | None = None  # why skipped, or the error
    shape: Any = None  # the reply's redacted shape (keys and JSON types)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "verdict": self.verdict, "ok": self.ok,
                "status": self.status, "missing": list(self.missing),
                "unknown": list(self.unknown), "reason": self.reason}


@dataclass(frozen=True)
class ProbeReport:
    """The probe's findings, endpoint by endpoint, and the API versions it called."""

    results: tuple[EndpointResult, ...]
    api_versions: Mapping[str, str]
    api_host: str | None = None

    def having(self, verdict: Verdict) -> list[str]:
        return [r.endpoint for r in self.results if r.verdict == verdict]

    @property
    def ok(self) -> bool:
        return all(r.verdict in ("ok", "skipped") for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "drifted": self.having("drift"), "refused": self.having("refused"),
                "unavailable": self.having("unavailable"), "skipped": self.having("skipped"),
                "apiHost": self.api_host, "apiVersions": dict(self.api_versions),
                "endpoints": [r.to_json() for r in self.results]}

    def shape_document(self) -> dict[str, Any]:
        """The bug-report file: per endpoint its status and reply shape; no value, id or name."""
        document: dict[str, Any] = {"_client": {"apiVersions": dict(self.api_versions)}}
        for result in self.results:
            if result.verdict == "skipped":
                document[result.endpoint] = {"skipped": result.reason}
                continue
            entry: dict[str, Any] = {"status": result.status, "shape": result.shape}
            if result.missing:
                entry["missing"] = list(result.missing)
            if result.unknown:
                entry["unknown"] = list(result.unknown)
            document[result.endpoint] = entry
        return document


@dataclass(frozen=True)
class Comparison:
    ok: bool
    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    found: Mapping[str, Any] | None = None  # the object holding the keys, when ok


def compare(shape: Shape, body: Any, reader: Reader | None = None) -> Comparison:
    """Judge a reply by the client's own check (`contract.read`, or the endpoint's `reader`);
    list the keys it does not know if the reply holds."""
    try:
        found = reader(body) if reader is not None else contract.read(shape, body)
    except SchemaDrift as drift:
        missing = [key for key in drift.expected if key not in drift.seen]
        if drift.where:
            missing = [f"{key} (in {drift.where})" for key in missing] or [drift.where]
        return Comparison(False, tuple(missing or ["a JSON object"]))
    return Comparison(True, unknown=_unknown(shape, body, found), found=found)


def _unknown(shape: Shape, body: Any, found: Mapping[str, Any]) -> tuple[str, ...]:
    allowed = shape.keys | shape.known | ({shape.rows} if shape.rows else set())
    unknown = [key for key in found if key not in allowed]
    if isinstance(body, Mapping) and found is body.get(ENVELOPE):
        # read inside the envelope: the top level's other keys are unknown too
        unknown += [key for key in body if key != ENVELOPE and key not in allowed]
    row_allowed = shape.row_keys | shape.row_known
    if shape.rows and row_allowed:  # a shape that names no row keys leaves its rows open
        seen = dict.fromkeys(key for row in found[shape.rows] for key in row)
        unknown += [f"{shape.rows}[].{key}" for key in seen if key not in row_allowed]
    return tuple(sorted(set(unknown)))


# -- redaction ---------------------------------------------------------------------------------
_DATA_KEY = re.compile(r"^[\d\s()+.-]+$|@|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-")
"""A key that looks like a value (a number, a phone, an e-mail, a UUID) is not kept."""


def redacted_shape(value: Any) -> Any:
    """`value` with every scalar replaced by its JSON type and lists merged into one element."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = "<key>" if _DATA_KEY.search(str(key)) else str(key)
            shape = redacted_shape(item)
            out[name] = _merge([out[name], shape]) if name in out else shape
        return out
    if isinstance(value, list):
        return [_merge([redacted_shape(item) for item in value])] if value else []
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _kind(shape: Any) -> str:
    return "object" if isinstance(shape, dict) else "array" if isinstance(shape, list) else shape


def _merge(shapes: Sequence[Any]) -> Any:
    """One shape for the elements of a list: objects' keys united, differing types joined."""
    kinds = sorted({_kind(shape) for shape in shapes})
    if len(kinds) > 1:
        return "|".join(kinds)
    if kinds == ["object"]:
        keys = dict.fromkeys(key for shape in shapes for key in shape)
        return {key: _merge([s[key] for s in shapes if key in s]) for key in keys}
    if kinds == ["array"]:
        inner = [item for shape in shapes for item in shape]
        return [_merge(inner)] if inner else []
    return kinds[0]


# -- running -----------------------------------------------------------------------------------
async def run_probe(settings: Settings) -> ProbeReport:
    """Log in, discover the API host and probe it (login and discovery errors are raised)."""
    async with AdminSession(settings) as session:
        return await probe_tenant(session)


def write_shape_file(report: ProbeReport, path: Path) -> Path:
    """Write `report.shape_document()` to `path` (folders made as needed); the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(report.shape_document(), option=orjson.OPT_INDENT_2) + b"\n")
    return path


async def probe_tenant(session: ProbeSession, steps: Sequence[Step] = STEPS) -> ProbeReport:
    """Call each step once on an open session (read-only) and judge its reply.

    A step whose id no earlier step found is skipped with the reason. Once the tenant is
    unavailable (5xx, 429 or no answer after the retries) the rest is skipped: their verdicts
    would say nothing about shapes.
    """
    ids: dict[str, str] = {}
    failed: dict[str, str] = {}  # what a failed step would have given -> its endpoint
    results: list[EndpointResult] = []
    stopped: str | None = None
    for step in steps:
        reason = _skip_reason(step, ids, failed, stopped)
        if reason is not None:
            results.append(EndpointResult(step.endpoint, "skipped", reason=reason))
            if step.gives:
                failed[step.gives] = step.endpoint
            continue
        result, rows = await _call(session, step, ids)
        results.append(result)
        if result.verdict == "unavailable":
            stopped = step.endpoint
        if step.gives:
            found = _first_id(rows, step.id_key)
            if found is not None:
                ids[step.gives] = found
            elif not result.ok:
                failed[step.gives] = step.endpoint
    resources = sorted({step.resource for step in steps})
    versions = {r: api_version(session.settings, r) for r in resources}
    host = session.discovery.api_endpoint if session.discovery else None
    return ProbeReport(tuple(results), versions, host)


def _skip_reason(step: Step, ids: Mapping[str, str], failed: Mapping[str, str],
                 stopped: str | None) -> str | None:
    if stopped is not None:
        return f"not tried: {stopped} was unavailable"
    if step.needs is None or step.needs in ids:
        return None
    if step.needs in failed:
        return f"needs a {step.needs} from {failed[step.needs]}, which failed"
    return f"no {step.needs} on the tenant"


def _first_id(rows: Sequence[Any], key: str | None) -> str | None:
    if key is None or not rows or not isinstance(rows[0], Mapping):
        return None
    value = rows[0].get(key)
    return None if value is None or isinstance(value, bool | dict | list) else str(value)


async def _call(session: ProbeSession, step: Step,
                ids: Mapping[str, str]) -> tuple[EndpointResult, list[Any]]:
    """One request and its verdict, plus the rows it listed (for the ids of later steps)."""
    path = step.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    try:
        response = await session.request("GET", step.resource, path, params=step.params)
    except (AuthError, PermissionDenied) as exc:
        return _failed(step, "refused", exc), []
    except (ServerError, RateLimited, TransportError) as exc:
        return _failed(step, "unavailable", exc), []
    except CXoneError as exc:  # 404, 400, ...: the endpoint is not served as the client calls it
        return _failed(step, "drift", exc), []
    try:
        body = response.json()
    except orjson.JSONDecodeError:
        return EndpointResult(step.endpoint, "drift", response.status, ("a JSON object",),
                              reason="the reply is not JSON", shape="not JSON"), []
    verdict = compare(step.shape, body, step.reader)
    result = EndpointResult(step.endpoint, "ok" if verdict.ok else "drift", response.status,
                            verdict.missing, verdict.unknown, shape=redacted_shape(body))
    found = verdict.found
    rows = found.get(step.shape.rows) if found is not None and step.shape.rows else None
    return result, list(rows) if isinstance(rows, list) else []


def _failed(step: Step, verdict: Verdict, exc: CXoneError) -> EndpointResult:
    shape = redacted_shape(exc.body) if exc.body is not None else None
    return EndpointResult(step.endpoint, verdict, exc.status, reason=str(exc), shape=shape)
