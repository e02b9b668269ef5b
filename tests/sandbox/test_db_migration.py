"""A sandbox database written by version 1 (before the admin dialect) opens with today's code,
its data kept: the state a user built up survives an upgrade of the tool."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxone_outbound.sandbox.errors import Conflict
from cxone_outbound.sandbox.store import Store
from cxone_outbound.sandbox.store.admin.access_keys import DEFAULT_ACCESS_KEY_ID
from cxone_outbound.sandbox.store.schema import SCHEMA_VERSION

V1_DUMP = Path(__file__).parent / "data" / "sandbox_v1.sql"


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "sandbox.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_DUMP.read_text())
    conn.close()
    store = Store(path)
    yield store
    store.close()


def test_contacts_and_lists_survive(migrated: Store) -> None:
    contact = migrated.contacts.get_contact("demo", "c-1")
    assert (contact["phone"], contact["firstName"], contact["attributes"]) == (
        "+15551230001", "Ada", {"tier": "gold"})
    assert migrated.contacts.schema("demo", "list-default") == {"tier": "string"}


def test_suppressions_move_into_the_tenants_default_dnc_group(migrated: Store) -> None:
    groups = migrated.suppressions.groups("demo")
    assert len(groups) == 1 and groups[0]["dncGroupName"] == "Default DNC group"
    [found] = migrated.suppressions.search("demo", "+15551230002")
    assert (found["dncGroupId"], found["dncGroupName"], found["formattedPhone"],
            found["expiredDate"]) == (groups[0]["dncGroupId"], "Default DNC group",
                                      "+15551230002", "2027-01-01T00:00:00Z")
    page, _ = migrated.suppressions.page_after("demo", 0, 10)
    assert [(s["id"], s["reason"]) for s in page] == [
        ("s-1", "asked not to be called"), ("s-2", "legal hold")]


def test_new_suppressions_still_refuse_a_duplicate_after_migration(migrated: Store) -> None:
    migrated.suppressions.create("demo", {"phoneNumber": "+15551230003"})
    with pytest.raises(Conflict, match="already suppressed"):
        migrated.suppressions.create("demo", {"phoneNumber": "+15551230001"})


def test_the_demo_tenant_gets_the_admin_access_key(migrated: Store) -> None:
    row = migrated.db.conn.execute("SELECT tenant_id FROM access_keys WHERE key_id = ?",
                                   (DEFAULT_ACCESS_KEY_ID,)).fetchone()
    assert row is not None and row["tenant_id"] == "demo"


def test_the_database_records_the_current_schema_version(migrated: Store) -> None:
    row = migrated.db.conn.execute(
        "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row["value"] == str(SCHEMA_VERSION)


def test_reopening_a_migrated_database_changes_nothing(migrated: Store, tmp_path: Path) -> None:
    migrated.close()
    again = Store(tmp_path / "sandbox.db")
    try:
        assert len(again.suppressions.groups("demo")) == 1
        assert len(again.suppressions.page_after("demo", 0, 10)[0]) == 2
    finally:
        again.close()
