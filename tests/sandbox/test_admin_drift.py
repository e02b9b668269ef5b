"""The drift switch: one admin route's reply keys renamed or dropped on purpose, until cleared
(docs/sandbox.md). It is what makes a tenant that drifted from the contract reproducible."""

from __future__ import annotations

import pytest
from tests.sandbox.httpapi import Api
from tests.sandbox.test_admin_api import Admin

from cxone_outbound.sandbox.admin.drift import Drift
from cxone_outbound.sandbox.control import SandboxControl, SandboxControlError


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


@pytest.fixture
def control(sandbox_control: SandboxControl) -> SandboxControl:
    return sandbox_control


def test_a_rename_changes_the_named_route_only(admin: Admin, control: SandboxControl) -> None:
    before = admin.call("GET", "/dnc-groups").json
    control.set_drift("GET /lists/call-lists", rename={"totalRecords": "count"})
    lists = admin.call("GET", "/lists/call-lists")
    assert lists.status == 200
    assert "count" in lists.json and "totalRecords" not in lists.json
    assert admin.call("GET", "/dnc-groups").json.keys() == before.keys()


def test_a_drop_removes_the_key(admin: Admin, control: SandboxControl) -> None:
    control.set_drift("GET /lists/call-lists", drop=["_links"])
    assert "_links" not in admin.call("GET", "/lists/call-lists").json


def test_the_route_may_be_named_with_its_prefix_and_any_placeholder(
        admin: Admin, control: SandboxControl) -> None:
    group = control.admin_ids()["defaultDncGroupId"]
    control.set_drift("GET /inContactAPI/services/v31.0/dnc-groups/{id}/records",
                      drop=["totalRecords"])
    assert "totalRecords" not in admin.call("GET", f"/dnc-groups/{group}/records").json


def test_delete_restores_the_published_shape(admin: Admin, control: SandboxControl) -> None:
    control.set_drift("GET /lists/call-lists", drop=["totalRecords"])
    control.clear_drift()
    assert control.drifts() == []
    assert "totalRecords" in admin.call("GET", "/lists/call-lists").json


def test_a_reset_clears_the_drifts(control: SandboxControl) -> None:
    control.set_drift("GET /lists/call-lists", drop=["totalRecords"])
    control.reset()
    assert control.drifts() == []


def test_error_replies_keep_their_shape(admin: Admin, control: SandboxControl) -> None:
    control.set_drift("GET /lists/call-lists/{listId}", drop=["error"])
    missing = admin.call("GET", "/lists/call-lists/999999")
    assert missing.status == 404 and "error" in missing.json


@pytest.mark.parametrize("body", [
    {"endpoint": "GET /no/such/route", "drop": ["x"]},
    {"endpoint": "GET /lists/call-lists"},
    {"endpoint": "GET /lists/call-lists", "rename": {"a": 1}},
    {"endpoint": "GET /lists/call-lists", "drop": "x"},
    {"endpoint": "/lists/call-lists", "drop": ["x"]},
    {"endpoint": "GET /lists/call-lists", "drop": ["x"], "extra": True},
])
def test_a_drift_that_cannot_apply_is_refused(control: SandboxControl, body: dict[str, object],
                                              ) -> None:
    with pytest.raises(SandboxControlError) as refused:
        control._call("POST", "/sandbox/drift", body)
    assert refused.value.status == 400
    assert control.drifts() == []


def test_a_rename_reaches_inside_the_result_set_envelope_but_no_deeper() -> None:
    drift = Drift("GET /x", {"contactRecords": "records", "listId": "id"}, frozenset({"skills"}))
    body = {"resultSet": {"listName": "a", "contactRecords": [{"listId": 1}], "skills": []},
            "listId": 2}
    assert drift.apply(body) == {"resultSet": {"listName": "a", "records": [{"listId": 1}]},
                                 "id": 2}
