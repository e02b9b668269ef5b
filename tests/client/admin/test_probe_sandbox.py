"""`cxo tenant probe` against the sandbox's admin dialect: it passes where the replies have the
published shapes, fails with exit 5 naming the endpoint where one drifted (the sandbox's drift
switch), and its shape file carries no value of the tenant's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.httpapi import Api

from cxone_outbound.cli.main import invoke
from cxone_outbound.client.admin.probe import STEPS, redacted_shape
from cxone_outbound.sandbox.server import SandboxServer

CONTACTS = [
    {"phone": "+15551230001", "firstName": "Zebulon", "lastName": "Quixotic",
     "email": "zebulon@example.org"},
    {"phone": "+15551230002", "firstName": "Philippa", "lastName": "Marchbanks"},
]
DNC_PHONE = "+15559870001"
CAMPAIGN = "Harvest drive"


@pytest.fixture
def tenant(admin_cli: SandboxServer) -> dict[str, Any]:
    """A tenant with something behind every probed endpoint; the values a shape must not show."""
    control = admin_cli.control
    list_id = control.default_list_id()  # the first list listed, so its records are probed
    added = control.add_contacts(list_id, CONTACTS)
    api = Api(admin_cli.base_url, admin_cli.client_id, admin_cli.client_secret)
    assert api.post("/api/v2/outbound/suppressions", {"phoneNumber": DNC_PHONE}).status == 201
    assert api.post("/api/v2/outbound/campaigns", {"name": CAMPAIGN}).status == 201
    values = [DNC_PHONE, CAMPAIGN, admin_cli.access_key_id, admin_cli.access_key_secret,
              list_id, *(str(c["id"]) for c in added)]
    for contact in CONTACTS:
        values += [v for v in contact.values() if isinstance(v, str)]
        values.append(contact["phone"].lstrip("+"))
    return {"values": values}


def _probe(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str,
           ) -> tuple[int, dict[str, Any], Path]:
    out = tmp_path / "shape.json"
    code = invoke(["--json", "tenant", "probe", "--out", str(out), *args])
    return code, json.loads(capsys.readouterr().out), out


def test_the_probe_passes_against_a_sandbox_replying_as_published(
        tenant: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document, _ = _probe(tmp_path, capsys)
    not_ok = {e["endpoint"]: e["missing"] or e["reason"] for e in document["endpoints"]
              if e["verdict"] != "ok"}
    assert not_ok == {}
    assert code == 0


DRIFTS = [
    # (the sandbox route to drift, the probed endpoint, how: drop or rename a key the shape
    # needs: its rows, else the first of its keys)
    ("GET /lists/call-lists", "GET /lists/call-lists", "drop"),
    ("GET /lists/call-lists/{listId}", "GET /lists/call-lists/{listId}?includeRecords=true",
     "rename"),
    ("GET /lists/call-lists/jobs", "GET /lists/call-lists/jobs", "drop"),
    ("GET /dnc-groups", "GET /dnc-groups", "rename"),
    ("GET /dnc-groups/{groupId}/records", "GET /dnc-groups/{dncGroupId}/records", "drop"),
    ("GET /skills", "GET /skills", "drop"),
    ("GET /skills/{skillId}", "GET /skills/{skillId}", "drop"),
    ("GET /skills/{skillId}/parameters", "GET /skills/{skillId}/parameters", "rename"),
    ("GET /campaigns", "GET /campaigns", "rename"),
    ("GET /campaigns/{campaignId}", "GET /campaigns/{campaignId}", "drop"),
    ("GET /campaigns/{campaignId}/skills", "GET /campaigns/{campaignId}/skills", "drop"),
    ("GET /business-unit", "GET /business-unit", "rename"),
]


@pytest.mark.parametrize(("route", "endpoint", "how"), DRIFTS)
def test_a_drifted_reply_fails_the_probe_with_exit_5_naming_the_endpoint(
        tenant: dict[str, Any], admin_cli: SandboxServer, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], route: str, endpoint: str, how: str) -> None:
    shape = next(step.shape for step in STEPS if step.endpoint == endpoint)
    key = shape.rows or sorted(shape.keys)[0]
    if how == "drop":
        admin_cli.control.set_drift(route, drop=[key])
    else:
        admin_cli.control.set_drift(route, rename={key: f"{key}Renamed"})
    code, document, _ = _probe(tmp_path, capsys)
    assert code == 5
    assert endpoint in document["drifted"]
    result = next(e for e in document["endpoints"] if e["endpoint"] == endpoint)
    assert any(key in missing for missing in result["missing"]), result


def test_the_shape_file_holds_keys_and_types_but_no_value_of_the_tenant(
        tenant: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, document, out = _probe(tmp_path, capsys)
    assert document["shapeFile"] == str(out)
    text = out.read_text()
    shown = [value for value in tenant["values"] if value in text]
    assert shown == []
    shapes = json.loads(text)
    for endpoint, entry in shapes.items():
        if "shape" in entry:  # every leaf of a shape is a JSON type, never a value
            assert redacted_shape(entry["shape"]) == _typed(entry["shape"]), endpoint


def _typed(shape: Any) -> Any:
    """What `redacted_shape` makes of a shape whose leaves are type names: strings everywhere."""
    if isinstance(shape, dict):
        return {k: _typed(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_typed(v) for v in shape]
    assert set(shape.split("|")) <= {"string", "integer", "number", "boolean", "null",
                                     "object", "array"}, shape
    return "string"


def test_the_cli_prints_the_table_and_where_the_shape_file_is(
        tenant: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, admin_cli: SandboxServer) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    invoke(["tenant", "probe"])
    err = capsys.readouterr().err
    for step in STEPS:
        assert step.endpoint in err
    assert "shape file" in err
    written = list((tmp_path / "state" / "probes").glob("tenant-probe-*.json"))
    assert len(written) == 1 and str(written[0]) in err
    assert admin_cli.access_key_secret not in err


def test_an_empty_tenant_skips_what_needs_a_skill_or_a_campaign(
        admin_cli: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, document, _ = _probe(tmp_path, capsys)
    skipped = {e["endpoint"]: e["reason"] for e in document["endpoints"]
               if e["verdict"] == "skipped"}
    assert skipped == {step.endpoint: f"no {step.needs} on the tenant" for step in STEPS
                       if step.needs in ("skill", "campaign")}
    assert len(skipped) >= 2


def test_the_probe_refuses_the_v2_dialect_with_exit_2(
        admin_cli: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke(["--dialect", "v2", "tenant", "probe"]) == 2
    assert "admin dialect only" in capsys.readouterr().err


def test_a_refused_login_is_exit_3_and_shows_no_secret(
        admin_cli: SandboxServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", "wrong-secret-never-shown")
    assert invoke(["tenant", "probe"]) == 3
    assert "wrong-secret-never-shown" not in capsys.readouterr().err
