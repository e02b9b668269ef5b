"""Contact ids are UUID4s found by the row number they encode (issue 15): no index on random
text, and still every id distinct, version 4, unguessable in order, found again after a restart."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.sandbox.errors import NotFound
from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.contact_ids import ContactIds
from cxone_outbound.sandbox.store.lists.csv_import import ContactRow

TENANT = "demo"
IDS = ContactIds(bytes(range(32)))


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_an_id_decodes_to_the_seq_it_was_minted_from(seq: int) -> None:
    [contact_id] = IDS.mint(seq, 1)
    assert IDS.seq_of(contact_id) == seq


def test_minted_ids_are_distinct_version_4_uuids_that_look_random() -> None:
    ids = IDS.mint(1, 5000)
    parsed = [uuid.UUID(i) for i in ids]
    assert len(set(ids)) == 5000 and [str(p) for p in parsed] == ids
    assert {(p.version, p.variant) for p in parsed} == {(4, uuid.RFC_4122)}
    assert {i[19] for i in ids} == set("89ab")
    assert ids != sorted(ids)  # consecutive seqs are not consecutive ids
    assert {i[0] for i in ids} == set("0123456789abcdef")


def test_another_key_mints_other_ids() -> None:
    assert set(IDS.mint(1, 100)).isdisjoint(ContactIds(bytes(32)).mint(1, 100))


@pytest.mark.parametrize("text", ["", "c-1", "not-a-uuid-at-all-but-36-chars-long!",
                                  str(uuid.uuid1()), "ZZZZZZZZ-ZZZZ-4ZZZ-8ZZZ-ZZZZZZZZZZZZ"])
def test_text_that_is_no_minted_id_selects_nothing(text: str) -> None:
    where, params = IDS.where(text)
    assert IDS.seq_of(text) is None and (where, params) == ("0", ())


def _row(phone: str) -> ContactRow:
    return ContactRow(row=1, phone=phone, first_name="A", last_name=None, email=None,
                      attributes={})


def test_contacts_are_found_by_their_id_across_a_restart(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    list_id = store.contacts.create_list(TENANT, "l", [])["id"]
    store.contacts.insert_contacts(TENANT, list_id, [_row(f"+1415555{i:04d}") for i in range(50)])
    ids = [r["id"] for r in store.db.conn.execute(
        "SELECT id FROM contacts WHERE list_id = ? ORDER BY seq", (list_id,))]
    store.close()
    again = Store(tmp_path / "s.db")
    try:
        assert [again.contacts.get_contact(TENANT, i)["phone"] for i in ids] == [
            f"+1415555{i:04d}" for i in range(50)]
        with pytest.raises(NotFound):
            again.contacts.get_contact(TENANT, str(uuid.uuid4()))
        with pytest.raises(NotFound):
            again.contacts.get_contact("another-tenant", ids[0])
    finally:
        again.close()


def test_a_deleted_contacts_seq_and_id_are_never_given_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    try:
        list_id = store.contacts.create_list(TENANT, "l", [])["id"]
        store.contacts.insert_contacts(TENANT, list_id, [_row("+14155550001")])
        [first] = [r["id"] for r in store.db.conn.execute(
            "SELECT id FROM contacts WHERE list_id = ?", (list_id,))]
        store.contacts.delete_contact(TENANT, first)
        store.contacts.insert_contacts(TENANT, list_id, [_row("+14155550001")])
        [second] = [r["id"] for r in store.db.conn.execute(
            "SELECT id FROM contacts WHERE list_id = ?", (list_id,))]
        assert second != first
        assert store.contacts.get_contact(TENANT, second)["phone"] == "+14155550001"
        with pytest.raises(NotFound):
            store.contacts.get_contact(TENANT, first)
    finally:
        store.close()


def test_a_new_database_finds_a_contact_by_primary_key_with_no_index_on_ids(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    try:
        indexed = {row["name"] for row in store.db.conn.execute(
            "SELECT ii.name FROM pragma_index_list('contacts') il,"
            " pragma_index_info(il.name) ii")}
        where, params = store.contacts.ids.where(store.contacts.ids.mint(7, 1)[0])
        plan = " ".join(row["detail"] for row in store.db.conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM contacts WHERE {where}", params))
        assert "id" not in indexed and "INTEGER PRIMARY KEY" in plan
    finally:
        store.close()
