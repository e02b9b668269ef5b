"""The tenant probe's judgement and bookkeeping, without a network: replies are small dicts, and
a fake session answers each probed path with a reply built from the contract's own shapes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from tests.contracts.contract_files import FOLDER

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.contract import ENVELOPE, Shape
from cxone_outbound.client.admin.probe import (
    STEPS,
    Step,
    compare,
    probe_tenant,
    redacted_shape,
)
from cxone_outbound.client.errors import CXoneError, NotFound, PermissionDenied, ServerError
from cxone_outbound.config import Settings

THINGS = Shape("GET /things", keys=frozenset({"things"}), rows="things",
               row_keys=frozenset({"thingId"}), known=frozenset({"totalRecords"}),
               row_known=frozenset({"colour"}))
WRAPPED = Shape("GET /wrapped", keys=frozenset({"items"}), envelope=ENVELOPE,
                known=frozenset({"count"}))
TYPES = {"string", "integer", "number", "boolean", "null", "object", "array"}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_a_reply_with_the_published_keys_is_ok_and_lists_keys_the_contract_does_not_know(
) -> None:
    body = {"things": [{"thingId": 1, "colour": "red", "size": 3}], "totalRecords": 1, "x": 0}
    verdict = compare(THINGS, body)
    assert verdict.ok
    assert verdict.unknown == ("things[].size", "x")


def test_a_missing_key_is_drift_naming_the_key() -> None:
    verdict = compare(THINGS, {"records": [], "totalRecords": 0})
    assert not verdict.ok
    assert verdict.missing == ("things",)


def test_a_row_without_its_key_is_drift_naming_the_rows() -> None:
    verdict = compare(THINGS, {"things": [{"colour": "red"}]})
    assert not verdict.ok
    assert len(verdict.missing) == 1
    assert "thingId" in verdict.missing[0] and "things" in verdict.missing[0]


def test_keys_inside_the_envelope_are_read_there_and_the_top_levels_others_are_unknown(
) -> None:
    verdict = compare(WRAPPED, {ENVELOPE: {"items": [], "count": 0, "more": 1}, "meta": {}})
    assert verdict.ok
    assert verdict.unknown == ("meta", "more")


def test_an_endpoint_with_its_own_reader_is_judged_by_it() -> None:
    thing = Shape("GET /things/{id}", keys=frozenset({"thingId"}))

    def first_thing(body: Any) -> Mapping[str, Any]:
        return contract.read(thing, body["things"][0] if "things" in body else body)

    assert compare(thing, {"things": [{"thingId": 1, "extra": 2}]}, first_thing).unknown == (
        "extra",)
    assert not compare(thing, {"things": [{"id": 1}]}, first_thing).ok


@pytest.mark.parametrize("body", [[], "text", None, 3])
def test_a_reply_that_is_not_an_object_is_drift(body: Any) -> None:
    verdict = compare(WRAPPED, body)
    assert not verdict.ok and verdict.missing


def test_an_open_shape_passes_any_object_and_calls_every_key_unknown() -> None:
    verdict = compare(Shape("GET /open"), {"a": 1, "b": [2]})
    assert verdict.ok and verdict.unknown == ("a", "b")


def test_the_redacted_shape_keeps_keys_and_json_types_only() -> None:
    body = {"listName": "Spring leads", "listId": 12, "ok": True, "score": 0.5, "gone": None,
            "rows": [{"phone": "+15551234567"}, {"phone": None, "externalId": "c-1"}],
            "empty": [], "+15557654321": 1, "0b7c1e4a-1111-4222-8333-444455556666": "x"}
    shape = redacted_shape(body)
    assert shape == {
        "listName": "string", "listId": "integer", "ok": "boolean", "score": "number",
        "gone": "null", "rows": [{"phone": "null|string", "externalId": "string"}],
        "empty": [], "<key>": "integer|string",
    }


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@given(JSON)
def test_a_redacted_shape_has_no_leaf_but_a_json_type(body: Any) -> None:
    assert {p for leaf in _leaves(redacted_shape(body)) for p in leaf.split("|")} <= TYPES


def test_every_read_shape_of_the_contract_is_probed() -> None:
    reads = [shape for shape in vars(contract).values()
             if isinstance(shape, Shape) and shape.endpoint.startswith("GET ")]
    probed = [step.shape for step in STEPS]
    assert [shape.endpoint for shape in reads if shape not in probed] == []


FIXTURES = {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(FOLDER.glob("*.json"))}


@pytest.mark.parametrize("name", sorted(
    name for name, fixture in FIXTURES.items()
    if any(step.shape.endpoint == fixture["endpoint"] for step in STEPS)))
def test_a_published_reply_of_a_probed_endpoint_passes_the_probe(name: str) -> None:
    fixture = FIXTURES[name]
    step = next(step for step in STEPS if step.shape.endpoint == fixture["endpoint"])
    verdict = compare(step.shape, fixture["reply"], step.reader)
    assert verdict.ok, verdict.missing


# -- the probe's walk, on a fake session --------------------------------------------------------
@dataclass
class FakeResponse:
    status: int
    body: Any

    def json(self) -> Any:
        return self.body


def published(step: Step, rows: int) -> dict[str, Any]:
    """A reply holding exactly what `step.shape` needs, with `rows` rows carrying its id key."""
    shape = step.shape
    level: dict[str, Any] = dict.fromkeys(shape.keys, 0)
    if shape.rows:
        row_keys = shape.row_keys | ({step.id_key} if step.id_key else set())
        level[shape.rows] = [dict.fromkeys(row_keys, 7) for _ in range(rows)]
    return {ENVELOPE: level} if shape.envelope else level


@dataclass
class FakeSession:
    """Answers each step's path; `override` replaces or raises for one endpoint."""

    rows: int = 1
    override: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    settings: Settings = field(default_factory=lambda: Settings(
        dialect="admin", access_key_id="k", access_key_secret=SecretStr("s")))
    discovery: Any = None

    async def request(self, method: str, resource: str, path: str, **kw: Any) -> FakeResponse:
        self.seen.append(path)
        step = next(s for s in STEPS if _matches(s, path, kw.get("params") or {}))
        if step.endpoint in self.override:
            return FakeResponse(200, self.override[step.endpoint]())
        return FakeResponse(200, published(step, self.rows))


def _matches(step: Step, path: str, params: Mapping[str, Any]) -> bool:
    pattern = step.path.split("/")
    parts = path.split("/")
    same = len(pattern) == len(parts) and all(
        p == q or p.startswith("{") for p, q in zip(pattern, parts, strict=True))
    return same and dict(step.params) == dict(params)


def _raise(exc: CXoneError) -> Callable[[], Any]:
    def fail() -> Any:
        raise exc

    return fail


async def test_a_tenant_answering_as_published_passes_every_endpoint() -> None:
    report = await probe_tenant(FakeSession())
    assert [r.verdict for r in report.results] == ["ok"] * len(STEPS)
    assert report.ok


async def test_ids_from_a_listing_are_used_by_the_calls_that_need_them() -> None:
    session = FakeSession()
    await probe_tenant(session)
    assert "/lists/call-lists/7" in session.seen
    assert "/skills/7/parameters" in session.seen
    assert all("{" not in path for path in session.seen)


async def test_an_empty_tenant_skips_what_needs_an_id_and_says_why() -> None:
    report = await probe_tenant(FakeSession(rows=0))
    skipped = {r.endpoint: r.reason for r in report.results if r.verdict == "skipped"}
    assert skipped == {step.endpoint: f"no {step.needs} on the tenant"
                       for step in STEPS if step.needs}
    assert report.ok


async def test_a_drifted_listing_skips_its_dependents_naming_it() -> None:
    session = FakeSession(override={"GET /skills": lambda: {"items": []}})
    report = await probe_tenant(session)
    by_endpoint = {r.endpoint: r for r in report.results}
    assert by_endpoint["GET /skills"].verdict == "drift"
    dependent = by_endpoint["GET /skills/{skillId}/parameters"]
    assert dependent.verdict == "skipped" and "GET /skills" in (dependent.reason or "")
    assert report.having("drift") == ["GET /skills"]


async def test_an_endpoint_the_tenant_does_not_serve_is_drift() -> None:
    session = FakeSession(override={"GET /business-unit": _raise(NotFound("gone", status=404))})
    report = await probe_tenant(session)
    assert report.having("drift") == ["GET /business-unit"]


async def test_a_refusal_is_reported_and_the_probe_goes_on() -> None:
    denied = PermissionDenied("no", status=403, body={"error": "forbidden", "id": 12})
    session = FakeSession(override={"GET /dnc-groups": _raise(denied)})
    report = await probe_tenant(session)
    assert report.having("refused") == ["GET /dnc-groups"]
    assert report.results[-1].verdict == "ok"
    refused = next(r for r in report.results if r.verdict == "refused")
    assert refused.shape == {"error": "string", "id": "integer"}


async def test_an_unavailable_tenant_stops_the_probe() -> None:
    session = FakeSession(override={"GET /dnc-groups": _raise(ServerError("down", status=503))})
    report = await probe_tenant(session)
    after = report.results[[s.endpoint for s in STEPS].index("GET /dnc-groups") + 1:]
    assert report.having("unavailable") == ["GET /dnc-groups"]
    assert after and all(r.verdict == "skipped" for r in after)
    assert not report.ok


async def test_the_shape_document_names_each_endpoint_with_status_and_shape() -> None:
    report = await probe_tenant(FakeSession(rows=0))
    document = report.shape_document()
    for step in STEPS:
        entry = document[step.endpoint]
        assert ("skipped" in entry) == bool(step.needs)
        if not step.needs:
            assert entry["status"] == 200 and isinstance(entry["shape"], dict)
