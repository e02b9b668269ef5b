"""The client reads the published calling-list shapes (tests/contracts/admin/*.json) and
nothing else: a reply without the keys is `SchemaDrift` naming the endpoint, never "empty"."""

from __future__ import annotations

from typing import Any

import pytest
from tests.contracts.contract_files import contract

from cxone_outbound.client.admin import contract as shapes
from cxone_outbound.client.admin.lists import ListCounters, ReadBack, list_counters, list_skill
from cxone_outbound.client.admin.paging import pages
from cxone_outbound.client.admin.records import ListColumns, contact_from_record
from cxone_outbound.client.errors import CXoneError, SchemaDrift

COLUMNS = ListColumns(attributes=None)


def test_the_published_list_reply_gives_counters_skill_and_contacts() -> None:
    body = contract("get-call-list")["reply"]
    assert list_counters(body) == ListCounters(total=3, valid=2, invalid=1)
    assert list_skill(body) == 4101
    (record,) = shapes.rows(shapes.LIST_RECORDS, body)
    contact = contact_from_record(record, "12", COLUMNS)
    assert (contact.id, contact.phone, contact.first_name, contact.email) == (
        "c-1", "14155550100", "Ann", "ann@example.com")
    assert contact.attributes == {"tier": "gold"}


@pytest.mark.parametrize("name,shape", [
    ("create-call-list", shapes.CREATE_LIST),
    ("upload-call-list", shapes.UPLOAD),
    ("get-upload-job", shapes.UPLOAD_JOBS),
    ("list-call-lists", shapes.LISTS),
    ("get-call-list", shapes.LIST_RECORDS),
    ("remove-prospects", shapes.REMOVE_PROSPECTS),
])
def test_each_published_reply_is_read(name: str, shape: shapes.Shape) -> None:
    fixture = contract(name)
    assert fixture["endpoint"].split()[1] == shape.endpoint.split()[1].split("?")[0]
    assert shape.keys <= set(shapes.read(shape, fixture["reply"]))


async def test_a_list_reply_whose_records_were_renamed_is_drift_not_an_empty_list() -> None:
    body = contract("get-call-list")["reply"]
    body["resultSet"]["records"] = body["resultSet"].pop("contactRecords")

    async def call(method: str, resource: str, path: str, params: Any) -> Any:
        return body

    with pytest.raises(SchemaDrift) as drift:
        _ = [page async for page in pages(call, "lists", "l", shapes.LIST_RECORDS)]
    assert "GET /lists/call-lists/{listId}" in str(drift.value)
    assert "contactRecords" in str(drift.value) and "records" in str(drift.value)


def test_a_job_reply_without_is_complete_is_drift() -> None:
    body = contract("get-upload-job")["reply"]
    del body["uploadJobs"][0]["isComplete"]
    with pytest.raises(SchemaDrift, match="isComplete"):
        shapes.rows(shapes.UPLOAD_JOBS, body)


def test_counters_that_are_not_integers_are_drift() -> None:
    body = contract("get-call-list")["reply"]
    body["resultSet"]["invalidRecords"] = "1"
    with pytest.raises(SchemaDrift, match="invalidRecords"):
        list_counters(body)


async def test_paging_goes_past_a_short_page_and_stops_at_total_records() -> None:
    records = [{"ExternalId": f"c-{i}", "PhoneNumber": str(i)} for i in range(7)]
    asked: list[tuple[int, int]] = []

    async def call(method: str, resource: str, path: str, params: Any) -> Any:
        skip, top = params["skip"], params["top"]  # a server capping `top` at 3
        asked.append((skip, top))
        return {"resultSet": {"listName": "l", "totalRecords": 7, "validRecords": 7,
                              "invalidRecords": 0, "contactRecords": records[skip:skip + 3]}}

    got = [r["ExternalId"] async for page in pages(call, "lists", "l", shapes.LIST_RECORDS)
           for r in page]
    assert got == [f"c-{i}" for i in range(7)]
    assert asked == [(0, 100), (3, 100), (6, 100)]


async def test_paging_stops_on_an_empty_page_when_no_total_is_given() -> None:
    async def call(method: str, resource: str, path: str, params: Any) -> Any:
        skip = params["skip"]
        rows = [{"listId": skip + 1, "listName": "x"}] if skip < 2 else []
        return {"callingLists": rows}

    got = [r["listId"] async for page in pages(call, "lists", "l", shapes.LISTS) for r in page]
    assert got == [1, 2]


async def test_a_server_ignoring_skip_is_an_error_not_an_endless_download() -> None:
    async def call(method: str, resource: str, path: str, params: Any) -> Any:
        return {"callingLists": [{"listId": 1, "listName": "x"}]}

    with pytest.raises(CXoneError, match="ignores skip"):
        _ = [page async for page in pages(call, "lists", "l", shapes.LISTS)]


def _sent(*rows: tuple[str, str]) -> ReadBack:
    return ReadBack([{"ExternalId": e, "PhoneNumber": p, "FirstName": "A"} for e, p in rows],
                    COLUMNS)


def test_a_row_seen_in_the_list_as_sent_succeeds_phones_compared_by_digits() -> None:
    check = _sent(("c-1", "+14155550100"))
    check.see([{"ExternalId": "c-1", "PhoneNumber": "14155550100", "FirstName": "A"}])
    assert check.done
    assert check.row_errors(ListCounters(0, 0, 0), ListCounters(1, 1, 0)) == []


def test_rows_missing_after_the_upload_are_rejected_when_the_list_counted_them_invalid() -> None:
    check = _sent(("c-1", "+14155550100"), ("c-2", "12"))
    check.see([{"ExternalId": "c-1", "PhoneNumber": "14155550100", "FirstName": "A"}])
    errors = check.row_errors(ListCounters(0, 0, 0), ListCounters(2, 1, 1))
    assert [(e.row, e.code) for e in errors] == [(2, "REJECTED")]


def test_rows_missing_and_not_counted_invalid_are_not_applied_and_retryable() -> None:
    check = _sent(("c-1", "+14155550100"))
    check.see([{"ExternalId": "c-1", "PhoneNumber": "14155550199", "FirstName": "A"}])
    errors = check.row_errors(ListCounters(1, 1, 0), ListCounters(1, 1, 0))
    assert [(e.row, e.code) for e in errors] == [(1, "NOT_APPLIED")]

