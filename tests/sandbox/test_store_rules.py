"""The sandbox's rules, tested on the store directly (no HTTP), as moto tests its backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.sandbox.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.lists.csv_import import parse_import

TENANT = "demo"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "sandbox.db")
    yield s
    s.close()


def _list(store: Store, *fields: tuple[str, str]) -> str:
    created = store.contacts.create_list(TENANT, "list",
                                         [{"name": n, "type": t} for n, t in fields])
    return str(created["id"])


def _import(store: Store, list_id: str, text: str) -> dict[str, object]:
    job = store.imports.create(TENANT, list_id, parse_import(text.encode()))
    while not store.imports.step(str(job["jobId"]), 2):
        pass
    return store.imports.get(TENANT, str(job["jobId"]))


def test_import_upserts_by_phone_within_a_list(store: Store) -> None:
    list_id = _list(store)
    _import(store, list_id, "phone_number,first_name\n+14155550100,Ann\n")
    _import(store, list_id, "phone_number,first_name\n+14155550100,Anna\n")
    rows, _ = store.contacts.page_after(TENANT, list_id, 0, 10)
    assert [(r["phone"], r["first_name"]) for r in rows] == [("+14155550100", "Anna")]


def test_import_reports_bad_rows_by_number_and_imports_the_good_ones(store: Store) -> None:
    list_id = _list(store)
    job = _import(store, list_id,
                  "phone_number,email\n+14155550100,a@example.com\n555,b@example.com\n"
                  "+14155550101,not-an-email\n+14155550102\n+14155550103,c@example.com\n")
    assert job["status"] == "COMPLETED"
    assert (job["recordsProcessed"], job["recordsFailed"]) == (2, 3)
    assert [(e["row"], e["code"]) for e in job["rowErrors"]] == [  # type: ignore[index]
        (2, "INVALID_E164"), (3, "INVALID_EMAIL"), (4, "RAGGED_ROW")]
    assert job["errors"][0] == "row 2: phone_number must be E.164"  # type: ignore[index]


def test_import_where_every_row_is_bad_fails_and_imports_nothing(store: Store) -> None:
    list_id = _list(store)
    job = _import(store, list_id, "phone_number\n123\nabc\n")
    assert job["status"] == "FAILED"
    assert store.contacts.page_after(TENANT, list_id, 0, 10)[0] == []


def test_import_extra_columns_become_attributes_typed_by_the_schema(store: Store) -> None:
    list_id = _list(store, ("score", "integer"))
    job = _import(store, list_id,
                  "phone_number,score,tier\n+14155550100,7,gold\n+14155550101,x,y\n")
    rows, _ = store.contacts.page_after(TENANT, list_id, 0, 10)
    assert [r["attributes"] for r in rows] == ['{"score":7,"tier":"gold"}']
    assert job["rowErrors"][0]["code"] == "INVALID_TYPE"  # type: ignore[index]


def test_enrichment_is_all_or_nothing(store: Store) -> None:
    list_id = _list(store, ("score", "integer"))
    _import(store, list_id, "phone_number\n+14155550100\n")
    contact_id = store.contacts.page_after(TENANT, list_id, 0, 1)[0][0]["id"]
    with pytest.raises(ValidationFailed) as refused:
        store.contacts.enrich(TENANT, list_id, {"contacts": [
            {"contactId": contact_id, "attributes": {"score": 5}},
            {"contactId": "missing", "attributes": {"score": 1}},
            {"contactId": contact_id, "attributes": {"score": "high", "nope": 1}},
        ]})
    codes = {(d["contactId"], d["field"], d["code"]) for d in refused.value.details or []}
    assert codes == {("missing", "contactId", "CONTACT_NOT_FOUND"),
                     (contact_id, "score", "INVALID_TYPE"),
                     (contact_id, "nope", "UNKNOWN_ATTRIBUTE")}
    assert store.contacts.get_contact(TENANT, contact_id)["attributes"] == {}
    assert store.contacts.writes(TENANT, contact_id) == 1


def test_patch_to_a_phone_another_contact_has_is_a_conflict(store: Store) -> None:
    list_id = _list(store)
    _import(store, list_id, "phone_number\n+14155550100\n+14155550101\n")
    first = store.contacts.page_after(TENANT, list_id, 0, 1)[0][0]["id"]
    with pytest.raises(Conflict):
        store.contacts.update_contact(TENANT, first, {"phone": "+14155550101"})


def test_campaign_update_needs_the_current_version(store: Store) -> None:
    campaign = store.campaigns.create(TENANT, {"name": "c"})
    with pytest.raises(PreconditionRequired):
        store.campaigns.update(TENANT, campaign["id"], {"name": "d"}, None)
    store.campaigns.update(TENANT, campaign["id"], {"name": "d"}, '"1"')
    with pytest.raises(PreconditionFailed) as stale:
        store.campaigns.update(TENANT, campaign["id"], {"name": "e"}, '"1"')
    assert stale.value.extra["currentVersion"] == 2
    names = [v["body"]["name"] for v in store.campaigns.versions(TENANT, campaign["id"])]
    assert names == ["c", "d"]


def test_tenants_do_not_see_each_other(store: Store) -> None:
    store.create_tenant("other", "Other", "other-client", "other-secret")
    list_id = _list(store)
    with pytest.raises(NotFound):
        store.contacts.get_list("other", list_id)


def test_state_survives_reopening_the_database(tmp_path: Path) -> None:
    first = Store(tmp_path / "db.sqlite")
    list_id = str(first.contacts.create_list(TENANT, "kept", [])["id"])
    first.close()
    second = Store(tmp_path / "db.sqlite")
    assert second.contacts.get_list(TENANT, list_id)["name"] == "kept"
    second.close()
