"""The sandbox's calling-list replies have exactly the keys the published shapes have
(tests/contracts/admin/*.json, from CXONE-REAL.md): an emulator that agrees with our client but
not with the real service would make every admin test lie."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.contracts.contract_files import contract, key_differences
from tests.sandbox.httpapi import Api
from tests.sandbox.test_admin_api import Admin, upload_body


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


@pytest.fixture
def replies(admin: Admin) -> dict[str, Any]:
    """One reply of each calling-list endpoint, from a list with a refused row and a skill."""
    created = admin.call("POST", "/lists/call-lists?listName=Spring&externalIdColumn=ExternalId"
                         "&firstNameColumn=FirstName&lastNameColumn=LastName",
                         {"destinationMappings": [{"fieldName": "PhoneNumber",
                                                   "fieldValue": "PhoneNumber"}]})
    list_id = created.json["listId"]
    uploaded = admin.call("POST", f"/lists/call-lists/{list_id}/upload", upload_body(
        "ExternalId,PhoneNumber,FirstName,LastName,Email,tier\n"
        "c-1,+14155550100,Ann,Lee,ann@example.com,gold\nc-2,12,Bo,Ng,,x\n", skillId=4101))
    job_id = uploaded.json["jobId"]
    deadline = time.monotonic() + 20
    job = admin.call("GET", f"/lists/call-lists/jobs/{job_id}").json
    while not job["uploadJobs"][0]["isComplete"] and time.monotonic() < deadline:
        job = admin.call("GET", f"/lists/call-lists/jobs/{job_id}").json
    listed = admin.call("GET", "/lists/call-lists?top=100").json
    listed["callingLists"] = [r for r in listed["callingLists"] if r["listId"] == list_id]
    return {
        "create-call-list": created.json,
        "upload-call-list": uploaded.json,
        "get-upload-job": job,
        "list-call-lists": listed,
        "get-call-list": admin.call(
            "GET", f"/lists/call-lists/{list_id}?includeRecords=true").json,
        "remove-prospects": admin.call(
            "DELETE", f"/lists/call-lists/{list_id}/removeProspects",
            {"prospectsToRemove": [{"externalId": "c-1"}, {"externalId": "c-9"}]}).json,
    }


@pytest.mark.parametrize("name", ["create-call-list", "upload-call-list", "get-upload-job",
                                  "list-call-lists", "get-call-list", "remove-prospects"])
def test_the_sandbox_replies_with_the_published_keys_and_no_others(
        replies: dict[str, Any], name: str) -> None:
    assert key_differences(contract(name)["reply"], replies[name]) == []
