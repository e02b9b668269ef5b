"""The sandbox's DNC groups over HTTP (sandbox/admin/dnc_routes.py): the published shapes.

Each reply has exactly the keys of its contract fixture (tests/contracts/admin), which the
client's parsers are tested against too.
"""

from __future__ import annotations

import pytest
from tests.contracts.contract_files import contract, key_differences
from tests.sandbox.httpapi import Api
from tests.sandbox.test_admin_api import Admin

from cxone_outbound.sandbox.control import SandboxControl


@pytest.fixture
def admin(api: Api) -> Admin:
    return Admin(api)


@pytest.fixture
def group(admin: Admin, sandbox_control: SandboxControl) -> int:
    answer = admin.call("POST", "/dnc-groups", contract("post-dnc-groups")["request"])
    assert answer.status == 200, answer.raw
    assert key_differences(contract("post-dnc-groups")["reply"], answer.json) == []
    return int(answer.json["dncGroups"][0]["dncGroupId"])


def test_groups_are_listed_inside_result_set(admin: Admin, group: int) -> None:
    answer = admin.call("GET", "/dnc-groups")
    assert key_differences(contract("get-dnc-groups")["reply"], answer.json) == []
    assert group in [g["dncGroupId"] for g in answer.json["resultSet"]["dncGroups"]]


def test_a_group_is_renamed_by_query_parameters(admin: Admin, group: int) -> None:
    answer = admin.call("PUT", f"/dnc-groups/{group}?dncGroupName=Renamed&isActive=false")
    assert key_differences(contract("put-dnc-group")["reply"], answer.json) == []
    [renamed] = answer.json["dncGroups"]
    assert (renamed["dncGroupName"], renamed["isActive"]) == ("Renamed", False)


def test_records_go_in_as_integers_each_with_its_own_result(admin: Admin, group: int) -> None:
    answer = admin.call("POST", f"/dnc-groups/{group}/records", {"dncGroupRecords": [
        {"phoneNumber": 14155552671}, {"phoneNumber": 12}, {"phoneNumber": "4155552672"}]})
    assert answer.status == 200
    assert key_differences(contract("post-dnc-group-records")["reply"], answer.json) == []
    result = answer.json["resultSet"]
    assert result["errorCount"] == 2
    assert [r["success"] for r in result["recordResults"]] == [True, False, False]


def test_records_are_listed_inside_result_set_by_formatted_phone(
        admin: Admin, group: int) -> None:
    admin.call("POST", f"/dnc-groups/{group}/records", {"dncGroupRecords": [
        {"phoneNumber": 14155552671, "expiredDate": "2000-01-01T00:00:00Z"}]})
    answer = admin.call("GET", f"/dnc-groups/{group}/records?skip=0&top=100")
    assert key_differences(contract("get-dnc-group-records")["reply"], answer.json) == []
    assert answer.json["resultSet"]["totalRecords"] == 1
    [record] = answer.json["resultSet"]["dncRecords"]
    assert (record["formattedPhone"], record["expiredDate"]) == (
        "14155552671", "2000-01-01T00:00:00Z")


def test_more_than_100_records_a_call_are_refused(admin: Admin, group: int) -> None:
    answer = admin.call("POST", f"/dnc-groups/{group}/records", {"dncGroupRecords": [
        {"phoneNumber": 14155550000 + i} for i in range(101)]})
    assert answer.status == 413


def test_a_removal_answers_without_the_envelope(admin: Admin, group: int) -> None:
    admin.call("POST", f"/dnc-groups/{group}/records",
               {"dncGroupRecords": [{"phoneNumber": 14155552671}]})
    answer = admin.call("DELETE", f"/dnc-groups/{group}/records",
                        contract("delete-dnc-group-records")["request"])
    assert key_differences(contract("delete-dnc-group-records")["reply"], answer.json) == []
    assert answer.json["errorCount"] == 0


def test_search_matches_on_digits_and_answers_search_results(
        admin: Admin, sandbox_control: SandboxControl) -> None:
    admin.api.post("/api/v2/outbound/suppressions", {"phoneNumber": "415-555-2671"})
    answer = admin.call("POST", "/dnc-groups/search?phoneNumber=(415)%20555%202671")
    assert key_differences(contract("post-dnc-groups-search")["reply"], answer.json) == []
    assert [r["formattedPhone"] for r in answer.json["searchResults"]] == ["415-555-2671"]


def test_v2_suppressions_are_the_dnc_records_kept_as_written(
        admin: Admin, sandbox_control: SandboxControl) -> None:
    admin.api.post("/api/v2/outbound/suppressions", {"phoneNumber": "(415) 555-2671"})
    group = sandbox_control.admin_ids()["defaultDncGroupId"]
    records = admin.call("GET", f"/dnc-groups/{group}/records").json["resultSet"]["dncRecords"]
    assert [r["formattedPhone"] for r in records] == ["(415) 555-2671"]
