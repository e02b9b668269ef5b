"""The import worker writes a chunk in a few statements (issue 15): the list must end exactly as
one SELECT and one INSERT or UPDATE a row, in order, would leave it."""

from __future__ import annotations

import random
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from cxone_outbound.limits import MAX_ATTRIBUTE_CHARS
from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.lists.csv_import import ContactValues, RowChecker, parse_import

TENANT = "demo"


@pytest.fixture
def stores(tmp_path: Path) -> Any:
    pair = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    yield pair
    for s in pair:
        s.close()


def _one_row_at_a_time(conn: sqlite3.Connection, list_id: str, rows: list[ContactValues],
                       now: str) -> None:
    """The oracle: the worker's former per-row upsert."""
    for phone, first, last, email, attributes in rows:
        existing = conn.execute("SELECT seq, attributes FROM contacts WHERE list_id = ?"
                                " AND phone = ?", (list_id, phone)).fetchone()
        if existing is None:
            conn.execute("INSERT INTO contacts (id, tenant_id, list_id, phone, first_name,"
                         " last_name, email, attributes, created_at, updated_at, writes)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                         (phone, TENANT, list_id, phone, first, last, email,
                          orjson.dumps(attributes).decode(), now, now))
        else:
            merged = orjson.loads(existing["attributes"]) | attributes
            conn.execute("UPDATE contacts SET first_name = COALESCE(?, first_name),"
                         " last_name = COALESCE(?, last_name), email = COALESCE(?, email),"
                         " attributes = ?, updated_at = ?, writes = writes + 1 WHERE seq = ?",
                         (first, last, email, orjson.dumps(merged).decode(), now,
                          existing["seq"]))


def _contents(store: Store, list_id: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.db.conn.execute(
        "SELECT phone, first_name, last_name, email, attributes, writes FROM contacts"
        " WHERE list_id = ? ORDER BY seq", (list_id,))]


def _random_chunk(rng: random.Random, size: int) -> list[ContactValues]:
    def maybe(text: str) -> str | None:
        return None if rng.random() < 0.3 else text

    return [
        (f"+1415555{rng.randrange(60):04d}", maybe(f"F{rng.randrange(9)}"),
         maybe(f"L{rng.randrange(9)}"), maybe(f"e{rng.randrange(9)}@x.io"),
         {k: rng.choice(["a", 1, 2.5, True])
          for k in rng.sample(["t", "s", "n"], rng.randrange(3))})
        for _ in range(size)
    ]


def test_batched_upsert_leaves_the_list_as_row_by_row_upserts_do(stores: Any) -> None:
    batched, oracle = stores
    rng = random.Random(15)
    lists = [s.contacts.create_list(TENANT, "l", [])["id"] for s in stores]
    for _ in range(8):  # phones repeat within a chunk and across chunks
        chunk = _random_chunk(rng, 40)
        with batched.db.transaction() as conn:
            batched.contacts.upsert_many(conn, TENANT, lists[0], chunk)
        with oracle.db.transaction() as conn:
            _one_row_at_a_time(conn, lists[1], chunk, oracle.db.now())
    assert _contents(batched, lists[0]) == _contents(oracle, lists[1])
    assert len(_contents(batched, lists[0])) > 30


def test_a_phone_twice_in_one_chunk_keeps_names_merges_attributes_and_counts_writes(
    stores: Any,
) -> None:
    store = stores[0]
    list_id = store.contacts.create_list(TENANT, "l", [])["id"]
    job = store.imports.create(TENANT, list_id, parse_import(
        b"phone_number,first_name,last_name,tier,zone\n"
        b"+14155550100,Ann,Lee,gold,\n+14155550101,Bo,,silver,\n+14155550100,,Li,,east\n"))
    assert store.imports.step(str(job["jobId"]), 100)
    assert _contents(store, list_id) == [
        ("+14155550100", "Ann", "Li", None, '{"tier":"gold","zone":"east"}', 2),
        ("+14155550101", "Bo", None, None, '{"tier":"silver"}', 1),
    ]
    assert store.imports.get(TENANT, str(job["jobId"]))["recordsProcessed"] == 3


def test_row_checker_reports_every_problem_of_a_row_in_header_order() -> None:
    check = RowChecker(("phone_number", "email", "score", "tier"),
                       {"score": "integer"}).check
    assert check(1, ["+14155550100", " a@b.io ", "7", "gold"]) == (
        "+14155550100", None, None, "a@b.io", {"score": 7, "tier": "gold"})
    problems = check(2, ["555", "nope", "x", ""])
    assert isinstance(problems, list)
    assert [(p.row, p.field, p.code) for p in problems] == [
        (2, "phone_number", "INVALID_E164"), (2, "email", "INVALID_EMAIL"),
        (2, "score", "INVALID_TYPE")]
    ragged = check(3, ["+14155550100"])
    assert isinstance(ragged, list) and ragged[0].code == "RAGGED_ROW"
    too_long = check(4, ["+14155550100", "", "", "x" * (MAX_ATTRIBUTE_CHARS + 1)])
    assert isinstance(too_long, list)
    assert [(p.field, p.code) for p in too_long] == [("tier", "INVALID_TYPE")]


def test_ids_made_by_the_thousand_are_distinct_version_4_uuids() -> None:
    ids = Database.new_ids(5000)
    parsed = [uuid.UUID(i) for i in ids]
    assert len(set(ids)) == 5000 and [str(p) for p in parsed] == ids
    assert {(p.version, p.variant) for p in parsed} == {(4, uuid.RFC_4122)}
    assert {i[19] for i in ids} == set("89ab")  # every variant digit occurs: bits are random
