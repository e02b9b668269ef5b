"""schemathesis against the v2 part of the sandbox's OpenAPI document: no 5xx, every response as
documented.

Faults off, rate limit off, a bounded number of examples per operation (keeps it well under 60 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.admin.openapi import ADMIN_PATHS
from cxone_outbound.sandbox.server import SandboxServer
from cxone_outbound.sandbox.v2.openapi import DOCUMENT

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[SandboxServer]:
    with SandboxServer(rate_limit=0) as server:
        server.control.seed_contacts(None, 20)
        yield server


@pytest.fixture(scope="module")
def fuzz_token(fuzz_server: SandboxServer) -> str:
    return Api(fuzz_server.base_url, fuzz_server.client_id, fuzz_server.client_secret).get_token()


SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
OPERATIONS = [op for op in (result.ok() for result in SCHEMA.get_all_operations())
              if op.path not in ADMIN_PATHS]  # the admin dialect's: test_openapi_admin_...


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_operation_answers_as_documented_and_never_5xx(
        operation: Any, fuzz_server: SandboxServer, fuzz_token: str) -> None:
    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(max_examples=12, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(base_url=fuzz_server.base_url,
                               headers={"Authorization": f"Bearer {fuzz_token}"}, checks=CHECKS)

    before = fuzz_server.control.counters()["total"]
    run()
    assert fuzz_server.control.counters()["total"] > before  # it really exercised the server
