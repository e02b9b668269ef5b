"""schemathesis against the admin dialect's part of the OpenAPI document: no 5xx, every answer
as documented (docs/admin-dialect.md).

Each `/inContactAPI` operation is fuzzed with an access-key token and `Accept:
application/json`; the login and discovery routes without a token. Positive cases (as the
document allows) and negative ones (breaking it) both. Half the cases are steered at what the
server holds (lists, an upload job, DNC records, campaigns), since generated ids are mostly
unknown. Faults and the rate limit are off; examples per operation are bounded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.admin.dnc_routes import DNC_ROUTES
from cxone_outbound.sandbox.admin.login import ADMIN_AUTH_ROUTES
from cxone_outbound.sandbox.admin.openapi import ADMIN_PATHS, SECTIONS
from cxone_outbound.sandbox.admin.routes import ADMIN_ROUTES
from cxone_outbound.sandbox.admin.skill_routes import SKILL_ROUTES
from cxone_outbound.sandbox.server import SandboxServer
from cxone_outbound.sandbox.v2.openapi import DOCUMENT

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
V = "/inContactAPI/services/v31.0"
ACCEPT = {"Accept": "application/json"}

SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
ADMIN_OPERATIONS = [op for op in (r.ok() for r in SCHEMA.get_all_operations())
                    if op.path in ADMIN_PATHS]
NEGATABLE = [op for op in ADMIN_OPERATIONS  # something to get wrong: parameters or a body
             if {"parameters", "requestBody"} & set(op.definition.raw)]


def _admin_token(server: SandboxServer) -> str:
    api = Api(server.base_url, server.client_id, server.client_secret)
    answer = api.post("/authentication/v1/token/access-key", {
        "accessKeyId": server.access_key_id, "accessKeySecret": server.access_key_secret},
        auth=False)
    assert answer.status == 200, answer.raw
    return str(answer.json["access_token"])


def _populate(server: SandboxServer, token: str) -> dict[str, Any]:
    """A calling list with an upload job, DNC records and a few campaigns; the job's id."""
    api = Api(server.base_url, server.client_id, server.client_secret)
    headers = ACCEPT | {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: Any) -> Any:
        answer = api.send(method, V + path, json_body=body, headers=headers)
        assert answer.status == 200, answer.raw
        return answer.json

    server.control.seed_contacts(None, 10)
    created = call("POST", "/lists/call-lists?listName=fuzz&externalIdColumn=id",
                   {"destinationMappings": [{"fieldName": "PhoneNumber", "fieldValue": "phone"}]})
    csv = "id,phone,tier\nc-1,+14155550101,gold\nc-2,not-a-phone,silver\n"
    job = call("POST", f"/lists/call-lists/{created['listId']}/upload",
               {"listFile": base64.b64encode(csv.encode()).decode(), "fileName": "fuzz.csv",
                "forceOverwrite": True, "expirationDate": "2030-01-01", "startSkill": False,
                "sendEmail": False})
    call("POST", "/dnc-groups/1/records", {"dncGroupRecords": [
        {"phoneNumber": 14155550199}, {"phoneNumber": 4155552671,
                                       "expiredDate": "2020-01-01T00:00:00Z"}]})
    call("POST", "/skills", {"skills": [{"skillName": "fuzz-1"},
                                        {"skillName": "fuzz-2", "isActive": True}]})
    return {"jobId": job["jobId"], "sourceName": "fuzz"}


def _steer(case: Any, server: SandboxServer, known: dict[str, Any], small_id: int) -> None:
    """Point a generated case at what exists (generated ids are mostly unknown: 404s only)."""
    for name, value in (case.path_parameters or {}).items():
        if name in known:
            case.path_parameters[name] = known[name]
        elif isinstance(value, int):
            case.path_parameters[name] = small_id
    path = case.operation.path
    section = (case.path_parameters or {}).get("section")
    if section in SECTIONS and isinstance(case.body, dict) and case.body:
        case.body = {SECTIONS[section]: next(iter(case.body.values()))}
    elif path.endswith("/upload") and isinstance(case.body, dict):
        case.body["listFile"] = base64.b64encode(b"ExternalId,PhoneNumber\ns-1,+14155550123\n"
                                                 ).decode()
    elif path.endswith("/dnc-groups/search"):
        case.query = {"phoneNumber": "415 555 2671"}
    elif path == "/.well-known/cxone-configuration":
        case.query = {"tenantId": server.tenant_id}
    elif path == "/authentication/v1/token/access-key":
        case.body = {"accessKeyId": server.access_key_id,
                     "accessKeySecret": server.access_key_secret}
    elif path == "/auth/token":
        case.body = {"grant_type": "password", "username": server.access_key_id,
                     "password": server.access_key_secret, "client_id": server.client_id,
                     "client_secret": server.client_secret}


@pytest.fixture(scope="module")
def admin_server() -> Iterator[SandboxServer]:
    with SandboxServer(rate_limit=0) as server:
        yield server


@pytest.fixture(scope="module")
def admin_state(admin_server: SandboxServer) -> tuple[str, dict[str, Any]]:
    token = _admin_token(admin_server)
    return token, _populate(admin_server, token)


@pytest.fixture(scope="module")
def admin_token(admin_state: tuple[str, dict[str, Any]]) -> str:
    return admin_state[0]


def _headers(operation: Any, token: str) -> dict[str, str]:
    if operation.path.startswith("/inContactAPI/"):
        return ACCEPT | {"Authorization": f"Bearer {token}"}
    return {}


def test_every_admin_route_is_documented_and_nothing_else() -> None:
    served = {(route.path, method) for route in (*ADMIN_AUTH_ROUTES, *ADMIN_ROUTES, *DNC_ROUTES,
                                                  *SKILL_ROUTES)
              for method in route.methods or () if method != "HEAD"}
    assert {(op.path, op.method.upper()) for op in ADMIN_OPERATIONS} == served


def _fuzz(operation: Any, mode: schemathesis.GenerationMode, examples: int,
          server: SandboxServer, state: tuple[str, dict[str, Any]]) -> list[int]:
    """Run `examples` generated cases (half steered at what exists); their statuses."""
    token, known = state
    headers = _headers(operation, token)
    answered: list[int] = []

    @hypothesis.given(case=operation.as_strategy(mode), steer=st.booleans(),
                      small_id=st.integers(1, 6))
    @hypothesis.settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def run(case: Any, steer: bool, small_id: int) -> None:
        if steer:
            _steer(case, server, known, small_id)
        answered.append(case.call_and_validate(base_url=server.base_url, headers=headers,
                                               checks=CHECKS).status_code)

    run()
    return answered


def test_the_served_document_holds_both_dialects(admin_server: SandboxServer) -> None:
    api = Api(admin_server.base_url, admin_server.client_id, admin_server.client_secret)
    served = api.get("/openapi.json", auth=False).json
    assert served == json.loads(json.dumps(DOCUMENT))
    assert set(ADMIN_PATHS) < set(served["paths"]) and "/api/v2/webhooks" in served["paths"]


@pytest.mark.parametrize("operation", ADMIN_OPERATIONS, ids=lambda op: op.label)
def test_every_admin_operation_answers_as_documented_and_never_5xx(
        operation: Any, admin_server: SandboxServer,
        admin_state: tuple[str, dict[str, Any]]) -> None:
    answered = _fuzz(operation, schemathesis.GenerationMode.POSITIVE, 16, admin_server,
                     admin_state)
    assert answered  # it really exercised the server


@pytest.mark.parametrize("operation", NEGATABLE, ids=lambda op: op.label)
def test_input_that_breaks_the_document_is_a_documented_4xx_never_5xx(
        operation: Any, admin_server: SandboxServer,
        admin_state: tuple[str, dict[str, Any]]) -> None:
    answered = _fuzz(operation, schemathesis.GenerationMode.NEGATIVE, 8, admin_server,
                     admin_state)
    assert answered


@pytest.mark.parametrize("accept", [None, "*/*", "text/plain"])
def test_an_admin_answer_without_json_in_accept_is_the_documented_406(
        accept: str | None, admin_server: SandboxServer, admin_token: str) -> None:
    operation = SCHEMA["/inContactAPI/services/{version}/dnc-groups"]["GET"]
    headers = {"Authorization": f"Bearer {admin_token}"} | ({"Accept": accept} if accept else {})
    case = operation.Case(path_parameters={"version": "v31.0"}, headers=headers)
    response = case.call(base_url=admin_server.base_url)
    assert response.status_code == 406
    case.validate_response(response, checks=CHECKS)
