"""Lists, contacts, paging in both shapes, PATCH single and batch, DELETE, enrichment."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.control import SandboxControl


@pytest.fixture
def list_id(sandbox_control: SandboxControl) -> str:
    lid = sandbox_control.create_list("people", [{"name": "score", "type": "integer"},
                                                 {"name": "tier", "type": "string"}])
    sandbox_control.add_contacts(lid, [{"phone": f"+1415555{i:04d}", "firstName": f"P{i}"}
                                       for i in range(25)])
    return lid


def _all_pages(api: Api, first: str, key: str) -> list[Any]:
    items: list[Any] = []
    path: str | None = first
    while path:
        answer = api.get(path)
        assert answer.status == 200
        items += answer.json[key]
        path = answer.json.get("nextPageUri")
    return items


def test_create_list_returns_201_with_its_schema(api: Api) -> None:
    answer = api.post("/api/v2/contacts/lists",
                      {"name": "x", "schema": {"fields": [{"name": "age", "type": "integer"}]}})
    assert answer.status == 201
    schema = api.get(f"/api/v2/contacts/lists/{answer.json['id']}/schema").json
    assert schema == {"fields": [{"name": "age", "type": "integer"}]}


def test_the_default_list_is_discoverable(api: Api, sandbox_control: SandboxControl) -> None:
    lists = api.get("/api/v2/contacts/lists").json
    assert lists["defaultListId"] == sandbox_control.default_list_id()
    assert [x["isDefault"] for x in lists["lists"]] == [True]


def test_cursor_paging_follows_next_page_uri_to_every_contact(api: Api, list_id: str) -> None:
    contacts = _all_pages(api, f"/api/v2/campaigns/contactlists/{list_id}?limit=10", "contacts")
    assert len(contacts) == 25
    assert len({c["id"] for c in contacts}) == 25


def test_page_number_paging_uses_the_preview_shape(api: Api, list_id: str) -> None:
    entities = _all_pages(api, f"/api/v2/outbound/contactlists/{list_id}/contacts?limit=7&page=1",
                          "entity")
    assert len(entities) == 25
    assert entities[0]["fields"]["region"] == "US"
    assert entities[0]["fields"]["firstName"] == "P0"


def test_the_last_page_has_no_next_page_uri(api: Api, list_id: str) -> None:
    answer = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=1000")
    assert "nextPageUri" not in answer.json


def test_a_forged_cursor_is_400(api: Api, list_id: str) -> None:
    answer = api.get(f"/api/v2/campaigns/contactlists/{list_id}?cursor=garbage")
    assert (answer.status, answer.code) == (400, "INVALID_CURSOR")


def test_patch_updates_and_counts_a_write(api: Api, list_id: str,
                                          sandbox_control: SandboxControl) -> None:
    contact = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=1").json["contacts"][0]
    answer = api.patch(f"/api/v2/contacts/{contact['id']}",
                       {"email": "p0@example.com", "attributes": {"score": 3}})
    assert answer.status == 200
    assert answer.json["email"] == "p0@example.com"
    assert answer.json["attributes"] == {"score": 3}
    assert sandbox_control.contact_writes(contact["id"]) == 2  # the insert, then the PATCH


def test_patch_of_an_unknown_contact_is_404(api: Api) -> None:
    answer = api.patch("/api/v2/contacts/nope", {"firstName": "x"})
    assert (answer.status, answer.code) == (404, "NOT_FOUND")


@pytest.mark.parametrize(("body", "code"), [
    ({"email": "nope"}, "INVALID_EMAIL"),
    ({"phone": "555-1234"}, "INVALID_E164"),
    ({"attributes": {"score": "many"}}, "INVALID_TYPE"),
    ({"attributes": {"unknown": 1}}, "UNKNOWN_ATTRIBUTE"),
    ({"shoeSize": 44}, "UNKNOWN_FIELD"),
    ({"firstName": 5}, "INVALID_TYPE"),
])
def test_patch_with_bad_values_is_400_and_changes_nothing(
        api: Api, list_id: str, body: dict[str, Any], code: str) -> None:
    contact = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=1").json["contacts"][0]
    answer = api.patch(f"/api/v2/contacts/{contact['id']}", body)
    assert (answer.status, answer.code) == (400, code)
    assert api.get(f"/api/v2/contacts/{contact['id']}").json == contact


def test_batch_patch_reports_failures_per_contact(api: Api, list_id: str) -> None:
    ids = [c["id"] for c in
           api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=2").json["contacts"]]
    answer = api.patch(f"/api/v2/campaigns/contactlists/{list_id}/contacts", {"contacts": [
        {"id": ids[0], "lastName": "Batch"}, {"id": ids[1], "email": "bad"},
        {"id": "missing", "firstName": "x"}]})
    assert answer.status == 200
    assert answer.json["updated"] == 1
    assert [(f["id"], f["error"]) for f in answer.json["failed"]] == [
        (ids[1], "INVALID_EMAIL"), ("missing", "NOT_FOUND")]


def test_batch_patch_of_more_than_100_is_413(api: Api, list_id: str) -> None:
    answer = api.patch(f"/api/v2/campaigns/contactlists/{list_id}/contacts",
                       {"contacts": [{"id": str(i)} for i in range(101)]})
    assert answer.status == 413


def test_delete_is_204_then_404(api: Api, list_id: str) -> None:
    page = api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=1").json
    contact_id = page["contacts"][0]["id"]
    assert api.delete(f"/api/v2/campaigns/contacts/{contact_id}").status == 204
    assert api.delete(f"/api/v2/campaigns/contacts/{contact_id}").status == 404


def test_enrichment_applies_a_valid_batch(api: Api, list_id: str) -> None:
    ids = [c["id"] for c in
           api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=3").json["contacts"]]
    answer = api.post(f"/api/v2/contacts/lists/{list_id}/contacts", {
        "contactListId": list_id,
        "contacts": [{"contactId": i, "attributes": {"tier": "gold", "score": 9}} for i in ids]})
    assert (answer.status, answer.json) == (200, {"processedCount": 3})
    assert api.get(f"/api/v2/contacts/{ids[0]}").json["attributes"] == {"tier": "gold",
                                                                        "score": 9}


def test_enrichment_with_one_bad_contact_applies_nothing(api: Api, list_id: str) -> None:
    ids = [c["id"] for c in
           api.get(f"/api/v2/campaigns/contactlists/{list_id}?limit=2").json["contacts"]]
    answer = api.post(f"/api/v2/contacts/lists/{list_id}/contacts", {"contacts": [
        {"contactId": ids[0], "attributes": {"tier": "gold"}},
        {"contactId": ids[1], "attributes": {"score": "x"}}]})
    assert answer.status == 400
    assert answer.json["error"]["details"] == [
        {"contactId": ids[1], "field": "score", "code": "INVALID_TYPE"}]
    assert api.get(f"/api/v2/contacts/{ids[0]}").json["attributes"] == {}


def test_refresh_is_accepted(api: Api, list_id: str) -> None:
    answer = api.post(f"/api/v2/contacts/lists/{list_id}/actions/refresh")
    assert (answer.status, answer.json["status"]) == (202, "ACCEPTED")
