"""Bad input always gets a contract error body (code, message, requestId), never a 500."""

from __future__ import annotations

import gzip
import json
import time

import pytest
from tests.sandbox.httpapi import Answer, Api

from cxone_outbound.sandbox.control import SandboxControl, SandboxControlError

CSV = {"Content-Type": "text/csv"}


def _assert_contract_error(answer: Answer, status: int) -> None:
    assert answer.status == status, answer.raw
    body = answer.json
    assert set(body) == {"error", "requestId"}
    assert body["error"]["code"] and body["error"]["message"]


@pytest.mark.parametrize("raw", [b"{", b"not json", b"\xff\xfe", b"", b"[1, 2",
                                 b'{"a": 1e999999}'])
def test_malformed_json_is_400(api: Api, raw: bytes) -> None:
    answer = api.send("POST", "/api/v2/outbound/campaigns", body=raw,
                      headers={"Content-Type": "application/json"})
    _assert_contract_error(answer, 400)


@pytest.mark.parametrize("body", [[], "text", 42, None, {"name": 7}, {"name": ""},
                                  {"name": "c", "maxEnrichmentTimeout": "soon"},
                                  {"name": "c", "dialingRules": []}])
def test_wrong_types_are_400(api: Api, body: object) -> None:
    answer = api.send("POST", "/api/v2/outbound/campaigns",
                      body=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json"})
    _assert_contract_error(answer, 400)


def test_unknown_fields_are_400(api: Api) -> None:
    answer = api.post("/api/v2/outbound/campaigns", {"name": "c", "colour": "blue"})
    _assert_contract_error(answer, 400)
    assert answer.json["error"]["field"] == "colour"


def test_a_huge_json_body_is_413(api: Api) -> None:
    answer = api.send("POST", "/api/v2/outbound/campaigns",
                      body=b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                      headers={"Content-Type": "application/json"})
    _assert_contract_error(answer, 413)


def test_a_ragged_csv_is_imported_with_row_errors(api: Api,
                                                 sandbox_control: SandboxControl) -> None:
    body = gzip.compress(b"phone_number,first_name\n+14155550100,Ann\n+14155550101\n"
                         b"+14155550102,Cy,extra\n")
    answer = api.send("POST", "/api/v2/contacts/import", body=body,
                      headers=CSV | {"Content-Encoding": "gzip"})
    job_id = answer.json["jobId"]
    deadline = time.monotonic() + 20
    job = api.get(f"/api/v2/contacts/import/{job_id}").json
    while job["status"] not in ("COMPLETED", "FAILED") and time.monotonic() < deadline:
        job = api.get(f"/api/v2/contacts/import/{job_id}").json
    assert job["status"] == "COMPLETED"
    assert [(e["row"], e["code"]) for e in job["rowErrors"]] == [(2, "RAGGED_ROW"),
                                                                 (3, "RAGGED_ROW")]


def test_a_wrong_content_type_for_import_is_415(api: Api) -> None:
    answer = api.send("POST", "/api/v2/contacts/import", body=b"{}",
                      headers={"Content-Type": "application/json"})
    _assert_contract_error(answer, 415)


def test_an_unknown_path_is_a_contract_404(api: Api) -> None:
    _assert_contract_error(api.get("/api/v2/nothing-here"), 404)


def test_a_wrong_method_is_a_contract_405(api: Api) -> None:
    _assert_contract_error(api.send("DELETE", "/api/v2/contacts/lists"), 405)


def test_a_bad_limit_is_400(api: Api, sandbox_control: SandboxControl) -> None:
    list_id = sandbox_control.default_list_id()
    _assert_contract_error(api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=-3"), 400)


def test_a_bad_fault_spec_is_refused_with_a_reason(sandbox_control: SandboxControl) -> None:
    with pytest.raises(SandboxControlError) as refused:
        sandbox_control.set_faults("error=lots")
    assert refused.value.status == 400
    assert "INVALID_FAULT_SPEC" in refused.value.body
