"""The list's current values on disk for `--changed-only`: only the compared fields, private,
looked up one or many at a time, dropped when the run is done with them."""

from __future__ import annotations

import stat
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

from cxone_outbound.client.models import Contact
from cxone_outbound.jobs.sync.index import Compared, CurrentValues

COMPARED = Compared(frozenset({"firstName", "phone"}), frozenset({"tier"}))


def contact(n: int, **attributes: object) -> Contact:
    return Contact(id=f"c{n}", phone=f"+1212555{n:04d}", first_name=f"Ann{n}",
                   last_name="Lee", email="a@example.com", attributes=dict(attributes))


def test_only_the_fields_a_row_can_write_are_kept() -> None:
    index = CurrentValues()
    index.add([contact(1, tier="gold", secret_note="x")], COMPARED)
    assert index.get("c1") == {"firstName": "Ann1", "phone": "+12125550001",
                               "attributes": {"tier": "gold"}}
    assert index.get("c2") is None


async def test_the_index_is_a_private_file_filled_page_by_page_and_removed_on_close(
    tmp_path: Path,
) -> None:
    async def pages() -> AsyncIterator[list[Contact]]:
        for start in range(0, 30, 10):
            yield [contact(n, tier="gold") for n in range(start, start + 10)]

    path = tmp_path / "current.sqlite3"
    index = CurrentValues(path)
    assert await index.fill(pages(), COMPARED)
    assert index.count == 30
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(index.get_many([f"c{n}" for n in range(25, 35)])) == {f"c{n}" for n in range(25, 30)}
    index.close()
    assert not path.exists()


async def test_a_stop_while_reading_leaves_the_index_marked_partial() -> None:
    async def pages() -> AsyncIterator[list[Contact]]:
        for n in range(5):
            yield [contact(n)]

    index = CurrentValues()
    assert not await index.fill(pages(), COMPARED, stopping=lambda: index.count >= 2)
    assert index.count == 2


def test_a_contact_written_by_the_run_is_forgotten() -> None:
    index = CurrentValues()
    index.add([contact(1, tier="gold")], COMPARED)
    index.forget("c1")
    assert index.get("c1") is None


def test_a_new_read_starts_from_nothing(tmp_path: Path) -> None:
    path = tmp_path / "current.sqlite3"
    first = CurrentValues(path)
    first.add([contact(1)], COMPARED)
    first.close(remove=False)
    assert CurrentValues(path).get("c1") is None


def test_typed_values_are_kept_as_the_text_they_are_compared_as() -> None:
    index = CurrentValues()
    typed = Compared(attributes=frozenset({"score", "vip", "balance", "notes"}))
    index.add([contact(1, score=7, vip=True, balance=2.5, notes={"nested": 1})], typed)
    assert index.get("c1") == {"attributes": {"score": "7", "vip": "true", "balance": "2.5"}}


async def test_reading_a_list_takes_memory_for_a_page_not_for_the_list(tmp_path: Path) -> None:
    async def pages(n: int) -> AsyncIterator[list[Contact]]:
        for start in range(0, n, 500):
            yield [contact(i, tier="gold") for i in range(start, start + 500)]

    peaks = []
    for n in (2_000, 20_000):
        index = CurrentValues(tmp_path / f"{n}.sqlite3")
        tracemalloc.start()
        await index.fill(pages(n), COMPARED)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        index.close()
    assert peaks[1] < 2 * peaks[0]  # ten times the contacts, not ten times the memory
