"""A list read page by page is the list read whole, and a page costs the same wherever it is.

The admin download (`skip`/`top`) and the v2 preview shape (`page=`) page by position; the
sandbox reads a page from where the previous one ended (store/lists/positions.py). These pin
that each page is exactly what `OFFSET` over the list as it is now would give — across
removals, additions and another connection's writes — and, counted in SQLite virtual-machine
steps (never time), that the last page of a long read costs what the first one does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.lists.csv_import import ContactRow

TENANT = "demo"
MAPPING = {"externalIdColumn": "ExternalId", "phoneColumn": "PhoneNumber",
           "firstNameColumn": "FirstName", "lastNameColumn": None, "emailColumn": None,
           "extraDestinations": []}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "sandbox.db")
    yield s
    s.close()


def _calling_list(store: Store, size: int) -> tuple[str, str]:
    """(admin list id, list uuid) of a calling list of `size` seeded records."""
    seq = str(store.calling_lists.create(TENANT, "paged", MAPPING))
    list_id = store.calling_lists.list_uuid(TENANT, seq)
    store.seed_contacts(TENANT, list_id, size, seed=size)
    return seq, list_id


def _page(store: Store, seq: str, skip: int, top: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = store.calling_lists.get(
        TENANT, seq, with_records=True, skip=skip, top=top)["resultSet"]["contactRecords"]
    return records


def _whole(store: Store, seq: str) -> list[dict[str, Any]]:
    """The list read in one page, by `OFFSET` 0: what every page must be a slice of."""
    row = store.db.conn.execute("SELECT * FROM lists WHERE seq = ?", (int(seq),)).fetchone()
    count = store.db.conn.execute("SELECT COUNT(*) FROM contacts WHERE list_id = ?",
                                  (row["id"],)).fetchone()[0]
    return _page(store, seq, 0, count + 1)


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["ExternalId"] for r in records]


def _remove(store: Store, seq: str, external_ids: list[str]) -> None:
    result = store.calling_lists.remove(TENANT, seq, {"prospectsToRemove": [
        {"externalId": i} for i in external_ids]})
    assert len(result["successfulRecords"]) == len(external_ids)


def test_the_pages_of_a_large_list_are_the_list_read_whole(store: Store) -> None:
    seq, _ = _calling_list(store, 2_530)
    whole = _whole(store, seq)
    pages = [_page(store, seq, skip, 100) for skip in range(0, 2_700, 100)]

    assert [r for page in pages for r in page] == whole
    assert [len(p) for p in pages[-2:]] == [30, 0]


def test_pages_after_a_removal_are_the_list_as_it_is_now(store: Store) -> None:
    seq, _ = _calling_list(store, 1_000)
    first = _page(store, seq, 0, 100) + _page(store, seq, 100, 100)
    # a record already read, one on the next page, one far ahead
    gone = _ids([first[50], first[150], _whole(store, seq)[900]])
    _remove(store, seq, gone)

    now = _whole(store, seq)
    assert len(now) == 997 and not set(gone) & set(_ids(now))
    for skip in range(0, 1_000, 100):
        assert _page(store, seq, skip, 100) == now[skip:skip + 100]
    assert store.calling_lists.get(TENANT, seq)["resultSet"]["validRecords"] == 997


def test_pages_follow_a_list_that_changes_while_it_is_read(store: Store) -> None:
    """Reads, removals anywhere and additions at the end, interleaved at random: every page is
    the slice of the list as it is at that moment, every count its size."""
    seq, list_id = _calling_list(store, 1_000)
    rng = random.Random(15)
    added = 0
    for _ in range(150):
        now = [r[0] for r in store.db.conn.execute(
            "SELECT COALESCE(external_id, id) FROM contacts WHERE list_id = ? ORDER BY seq",
            (list_id,))]
        action = rng.random()
        if action < 0.2 and now:
            _remove(store, seq, rng.sample(now, min(len(now), rng.randint(1, 5))))
        elif action < 0.3:
            added += 1
            store.contacts.insert_contacts(TENANT, list_id, [ContactRow(
                row=0, phone=f"+1415555{added:04d}", first_name="New", last_name=None,
                email=None, attributes={})])
        else:
            skip, top = rng.randrange(0, len(now) + 50), rng.choice([1, 7, 50, 100])
            assert _ids(_page(store, seq, skip, top)) == now[skip:skip + top]
            counts = store.calling_lists.get(TENANT, seq)["resultSet"]
            assert counts["validRecords"] == len(now)


def test_a_write_by_another_connection_moves_the_pages(store: Store, tmp_path: Path) -> None:
    seq, _ = _calling_list(store, 500)
    before = [_page(store, seq, skip, 100) for skip in range(0, 500, 100)]
    other = Store(tmp_path / "sandbox.db")
    try:
        _remove(other, seq, [before[0][10]["ExternalId"]])
    finally:
        other.close()

    now = _whole(store, seq)
    assert len(now) == 499
    assert [r for skip in range(0, 500, 100) for r in _page(store, seq, skip, 100)] == now
    assert store.calling_lists.get(TENANT, seq)["resultSet"]["validRecords"] == 499


def test_v2_numbered_pages_are_the_list_read_whole(store: Store) -> None:
    _, list_id = _calling_list(store, 1_234)
    whole = [r["id"] for r in store.db.conn.execute(
        "SELECT id FROM contacts WHERE list_id = ? ORDER BY seq", (list_id,))]
    read: list[str] = []
    page, more = 1, True
    while more:
        rows, more = store.contacts.page_number(TENANT, list_id, page, 100)
        read += [r["id"] for r in rows]
        page += 1

    assert read == whole and page == 14
    store.contacts.delete_contact(TENANT, whole[0])
    rows, more = store.contacts.page_number(TENANT, list_id, 13, 100)
    assert [r["id"] for r in rows] == whole[1201:] and not more


def _steps(store: Store, read: Any) -> int:
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    store.db.conn.set_progress_handler(count, 100)
    try:
        read()
    finally:
        store.db.conn.set_progress_handler(None, 100)
    return steps[0]


def _cost_per_page(store: Store, size: int, read: Any) -> float:
    """SQLite steps per page of a whole read, 100 a page: `read(skip)` reads one page."""
    pages = range(0, size, 100)
    return sum(_steps(store, lambda skip=skip: read(skip)) for skip in pages) / len(pages)


def test_a_page_of_a_long_list_costs_what_a_page_of_a_short_one_does(store: Store) -> None:
    """By OFFSET and COUNT(*), a page of a 10,000-contact list cost ~20x one of a 500-list."""
    costs = []
    for size in (500, 10_000):
        seq, list_id = _calling_list(store, size)
        costs.append((
            _cost_per_page(store, size, lambda skip, seq=seq: _page(store, seq, skip, 100)),
            _cost_per_page(store, size, lambda skip, list_id=list_id: store.contacts.page_number(
                TENANT, list_id, skip // 100 + 1, 100))))
    (admin_short, v2_short), (admin_long, v2_long) = costs

    assert admin_long <= 1.5 * admin_short
    assert v2_long <= 1.5 * v2_short


def _dnc_group(store: Store, size: int) -> int:
    group = store.suppressions.default_group_id(TENANT)
    store.suppressions.add_records(TENANT, group, [
        {"phoneNumber": 14_155_500_000 + i} for i in range(size)])
    return group


def _dnc_phones(store: Store, group: int, skip: int, top: int) -> list[str]:
    records, _ = store.suppressions.page_records(TENANT, group, skip, top)
    return [r["formattedPhone"] for r in records]


def test_a_dnc_groups_pages_are_the_group_as_it_is_now(store: Store) -> None:
    group = _dnc_group(store, 1_050)
    first = [p for skip in range(0, 600, 100) for p in _dnc_phones(store, group, skip, 100)]
    store.suppressions.remove_records(TENANT, group, [{"phoneNumber": first[42]}])
    # one record fewer before position 600: the rest now begins at 599
    rest = [p for skip in range(599, 1_100, 100) for p in _dnc_phones(store, group, skip, 100)]

    assert first[:42] + first[43:] + rest == [
        str(14_155_500_000 + i) for i in range(1_050) if i != 42]
    assert store.suppressions.page_records(TENANT, group, 0, 1)[1] == 1_049


def test_a_page_of_a_long_dnc_group_costs_what_a_page_of_a_short_one_does(
        store: Store) -> None:
    short = store.suppressions.create_group(TENANT, "short")
    store.suppressions.add_records(TENANT, short, [
        {"phoneNumber": 14_165_500_000 + i} for i in range(300)])
    long = _dnc_group(store, 3_000)
    costs = [_cost_per_page(store, size, lambda skip, g=group: _dnc_phones(store, g, skip, 100))
             for group, size in ((short, 300), (long, 3_000))]

    assert costs[1] <= 1.5 * costs[0]
