"""An admin upload's work grows with the rows it carries, not with the size of the list.

Measured as SQLite virtual-machine steps (a progress handler), never as time: a lookup by
external id that scans the list would make a 100-row re-upload into a 10,000-record list cost
about a hundred times what it costs into a 100-record one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.admin.calling_lists import EXTERNAL_ID

TENANT = "demo"
STEP = 100  # VM instructions per progress callback


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "sandbox.db")
    yield s
    s.close()


def _list_of(store: Store, size: int) -> tuple[str, list[str]]:
    seq = store.calling_lists.create(TENANT, f"l{size}", {
        "externalIdColumn": "ExternalId", "phoneColumn": "PhoneNumber",
        "firstNameColumn": "FirstName", "lastNameColumn": None, "emailColumn": None,
        "extraDestinations": [],
    })
    list_id = store.calling_lists.list_uuid(TENANT, str(seq))
    store.seed_contacts(TENANT, list_id, size, seed=size)
    rows = store.db.conn.execute("SELECT id, phone FROM contacts WHERE list_id = ? ORDER BY seq",
                                 (list_id,)).fetchall()
    return list_id, [f"{r['id']},{r['phone']}" for r in rows]


def _steps_to_reupload(store: Store, list_id: str, records: list[str]) -> int:
    """VM steps to run an upload job re-keying `records` ("id,phone") with a new first name."""
    header = (EXTERNAL_ID, "phone_number", "first_name")
    rows = [(*r.split(","), "Renamed") for r in records]
    job = store.imports.create_admin(TENANT, list_id, header, rows, {})
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.db.conn.set_progress_handler(count, STEP)
    try:
        while not store.imports.step(job, 1000):
            pass
    finally:
        store.db.conn.set_progress_handler(None, STEP)
    done = store.db.conn.execute("SELECT processed, failed FROM import_jobs WHERE id = ?",
                                 (job,)).fetchone()
    assert (done["processed"], done["failed"]) == (len(records), 0)
    return steps[0]


def test_a_reupload_costs_the_same_into_a_big_list_as_into_a_small_one(store: Store) -> None:
    small, small_records = _list_of(store, 100)
    big, big_records = _list_of(store, 10_000)
    into_small = _steps_to_reupload(store, small, small_records[:100])
    into_big = _steps_to_reupload(store, big, big_records[-100:])
    assert into_big < 2 * into_small


def test_records_never_given_an_external_id_are_found_by_their_id(store: Store) -> None:
    list_id, records = _list_of(store, 5)
    _steps_to_reupload(store, list_id, records)  # asserts each of the five was applied
    names = {r["first_name"] for r in store.db.conn.execute(
        "SELECT first_name FROM contacts WHERE list_id = ?", (list_id,))}
    count = store.db.conn.execute("SELECT COUNT(*) FROM contacts WHERE list_id = ?",
                                  (list_id,)).fetchone()[0]
    assert (names, count) == ({"Renamed"}, 5)


def test_new_records_beyond_the_business_units_active_limit_are_not_applied(
        store: Store) -> None:
    list_id, _ = _list_of(store, 3)
    store.calling_lists.max_active_records = 4  # the 1,000,000 of the help pages, scaled down
    header = (EXTERNAL_ID, "phone_number")
    rows = [(f"n-{i}", f"+1415555{i:04d}") for i in range(3)]
    job = store.imports.create_admin(TENANT, list_id, header, rows, {})
    while not store.imports.step(job, 1000):
        pass
    added = [r["external_id"] for r in store.db.conn.execute(
        "SELECT external_id FROM contacts WHERE list_id = ? AND external_id LIKE 'n-%'",
        (list_id,))]
    assert added == ["n-0"]
