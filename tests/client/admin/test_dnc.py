"""Suppressions on the admin dialect (client/admin/dnc.py): the DNC groups' records as published.

Parsers first, against the contract fixtures (tests/contracts/admin), then the client against
the sandbox: today's failures gone (groups inside `resultSet` are seen; a number the server
refuses is reported failed, never suppressed), paging, and drift raised rather than read empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from admin_sandbox import api_for
from tests.contracts.contract_files import contract

from cxone_outbound.client.admin import contract as shapes
from cxone_outbound.client.admin.dnc import (
    AdminDnc,
    DncOutcome,
    dnc_digits,
    record_outcomes,
    suppression_of,
)
from cxone_outbound.client.errors import CXoneError, SchemaDrift, ValidationError
from cxone_outbound.phones import normalize_phone
from cxone_outbound.sandbox.server import SandboxServer


class Scripted:
    """Replies by path, recording each call (the session call `AdminDnc` is given)."""

    def __init__(self, replies: dict[str, list[Any]]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def __call__(self, method: str, resource: str, path: str, **kw: Any) -> Any:
        self.calls.append((method, path, kw))
        return self.replies[path].pop(0)


# -- parsers against the published shapes -------------------------------------------------------

async def test_groups_published_inside_result_set_are_read() -> None:
    dnc = AdminDnc(Scripted({"dnc-groups": [contract("get-dnc-groups")["reply"]]}))
    assert await dnc.groups() == ["12"]


async def test_records_are_read_by_formatted_phone_with_their_expiry() -> None:
    replies = {"dnc-groups": [contract("get-dnc-groups")["reply"]],
               "dnc-groups/12/records": [contract("get-dnc-group-records")["reply"]]}
    found = [s async for s in AdminDnc(Scripted(replies)).iter_suppressions()]
    assert [(s.phone_number, s.expires_at is not None) for s in found] == [
        ("4155552671", False), ("14155552672", True)]


def test_an_unreadable_expiry_keeps_the_number_suppressed() -> None:
    record = {"formattedPhone": "14155552671", "expiredDate": "someday"}
    assert suppression_of("1", record).expires_at is None


def test_each_record_result_is_that_records_outcome() -> None:
    outcomes = record_outcomes(["+14155552671", "12"], contract("post-dnc-group-records")["reply"])
    assert [(o.success, o.error) for o in outcomes] == [
        (True, None), (False, "phoneNumber must be an integer of 7-15 digits")]


def test_an_error_count_the_results_do_not_name_fails_every_record_of_the_call() -> None:
    reply = {"resultSet": {"errorCount": 1, "recordResults": [{"success": True}]}}
    [outcome] = record_outcomes(["+14155552671"], reply)
    assert not outcome.success and "unverified" in (outcome.error or "")


def test_a_removal_reply_is_read_without_the_envelope() -> None:
    reply = contract("delete-dnc-group-records")["reply"]
    assert record_outcomes(["+14155552671"], reply, shapes.DNC_RECORDS_REMOVE) == [
        DncOutcome("+14155552671", True, None, "14155552671")]


def test_search_results_carry_the_group_and_the_formatted_phone() -> None:
    [row] = shapes.rows(shapes.DNC_SEARCH, contract("post-dnc-groups-search")["reply"])
    assert (row["dncGroupId"], row["formattedPhone"]) == (12, "14155552671")


def test_group_writes_answer_the_group_in_a_list() -> None:
    for name in ("post-dnc-groups", "put-dnc-group"):
        [row] = shapes.rows(shapes.DNC_GROUP_WRITE, contract(name)["reply"])
        assert row["dncGroupId"] == 12


async def test_a_renamed_groups_key_is_drift_naming_the_endpoint_not_an_empty_list() -> None:
    drifted = {"resultSet": {"totalGroups": 1, "groups": [{"dncGroupId": 12}]}}
    with pytest.raises(SchemaDrift) as caught:
        await AdminDnc(Scripted({"dnc-groups": [drifted]})).groups()
    assert caught.value.endpoint == "GET /dnc-groups" and "groups" in caught.value.seen


async def test_fewer_groups_listed_than_counted_is_an_error() -> None:
    reply = {"resultSet": {"totalGroups": 2, "dncGroups": [{"dncGroupId": 1,
                                                             "dncGroupName": "a"}]}}
    with pytest.raises(CXoneError, match="2 groups counted"):
        await AdminDnc(Scripted({"dnc-groups": [reply]})).groups()


async def test_record_paging_goes_on_after_a_short_page_until_the_total() -> None:
    def page(n: int, total: int) -> dict[str, Any]:
        return {"resultSet": {"totalRecords": total,
                              "dncRecords": [{"formattedPhone": f"1415555{i:04d}"}
                                             for i in range(n)]}}
    calls = Scripted({"dnc-groups/1/records": [page(40, 90), page(50, 90)]})
    pages = [p async for p in AdminDnc(calls).record_pages("1")]
    assert [len(p) for p in pages] == [40, 50]
    assert [c[2]["params"] for c in calls.calls] == [{"skip": 0, "top": 100},
                                                     {"skip": 40, "top": 100}]


async def test_record_paging_stops_on_an_empty_page() -> None:
    empty = {"resultSet": {"dncRecords": []}}
    calls = Scripted({"dnc-groups/1/records": [empty]})
    assert [p async for p in AdminDnc(calls).record_pages("1")] == []


def test_a_phone_is_sent_as_the_digits_of_its_e164_form() -> None:
    assert dnc_digits("+1 (415) 555-2671") == 14155552671
    assert dnc_digits("no digits") is None


async def test_numbers_go_100_a_call_each_with_its_own_outcome() -> None:
    def ok(n: int) -> dict[str, Any]:
        return {"resultSet": {"errorCount": 0, "recordResults": [{"success": True}] * n}}
    phones = [f"+1415555{i:04d}" for i in range(150)] + ["-"]
    calls = Scripted({"dnc-groups/1/records": [ok(100), ok(50)]})
    outcomes = await AdminDnc(calls).add("1", phones)
    assert [len(c[2]["json"]["dncGroupRecords"]) for c in calls.calls] == [100, 50]
    assert calls.calls[0][2]["json"]["dncGroupRecords"][0] == {"phoneNumber": 14155550000}
    assert [o.success for o in outcomes] == [True] * 150 + [False]


# -- against the sandbox ------------------------------------------------------------------------

async def test_a_number_the_server_refuses_is_reported_failed_not_suppressed(
    server: SandboxServer, tmp_path: Path
) -> None:
    async with api_for(server, tmp_path) as api:
        with pytest.raises(ValidationError, match="refused 12"):
            await api.create_suppression("12")
        numbers = [s.phone_number async for s in api.iter_suppressions()]
    assert numbers == []


async def test_a_suppression_added_is_read_back_and_matches_by_e164(
    server: SandboxServer, tmp_path: Path
) -> None:
    async with api_for(server, tmp_path) as api:
        await api.create_suppression("+14155550199")
        numbers = [s.phone_number async for s in api.iter_suppressions()]
    assert [normalize_phone(n, "US").e164 for n in numbers] == ["+14155550199"]


async def test_suppressions_are_read_across_pages_of_every_group(
    server: SandboxServer, tmp_path: Path
) -> None:
    async with api_for(server, tmp_path) as api:
        dnc = api._dnc()
        [group] = await dnc.groups()
        phones = [f"+1415555{i:04d}" for i in range(230)]
        assert all(o.success for o in await dnc.add(group, phones))
        found = [s.phone_number async for s in api.iter_suppressions()]
    assert sorted(found) == sorted(p.lstrip("+") for p in phones)
