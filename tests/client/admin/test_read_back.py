"""What an upload's read-back reads, decided by what it already knows: the rows it has not seen
after the pass from the uploaded records are looked for on the pages where this client saw
their records, and the whole list is read again only when nothing else can tell where they
are (issue 15: the admin 1M import read the list again at every upload)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxone_outbound.client.admin.lists import ReadBack, read_back
from cxone_outbound.client.admin.places import SeenPlaces
from cxone_outbound.client.admin.records import ListColumns

COLUMNS = ListColumns(email=None, last_name=None)


class FakeList:
    """A calling list's records answered a page at a time, every skip asked recorded."""

    def __init__(self, records: list[Mapping[str, Any]]) -> None:
        self.records = records
        self.skips: list[int] = []

    async def __call__(self, method: str, resource: str, path: str, params: Any) -> Any:
        skip, top = int(params["skip"]), int(params["top"])
        self.skips.append(skip)
        return {"resultSet": {"contactRecords": self.records[skip:skip + top],
                              "totalRecords": len(self.records)}}


def record(n: int, name: str = "A") -> dict[str, Any]:
    return {"ExternalId": f"c-{n}", "PhoneNumber": f"1415555{n:04d}", "FirstName": name}


def upload(*rows: dict[str, Any]) -> ReadBack:
    return ReadBack([{k: str(v) for k, v in r.items()} for r in rows], COLUMNS)


async def test_a_row_rewriting_an_older_record_is_found_by_reading_the_list_from_its_start(
) -> None:
    listed = FakeList([record(n) for n in range(450)])
    check = upload(record(3), record(450))
    listed.records.append(record(450))
    await read_back(check, listed, "L", start=351)
    assert check.done
    assert listed.skips == [351, 0]  # to the end, then from the start until c-3 is seen


async def test_as_many_rows_unseen_as_the_list_refused_are_not_looked_for_further() -> None:
    listed = FakeList([record(n) for n in range(451)])
    check = upload(record(450), {"ExternalId": "c-999", "PhoneNumber": "12", "FirstName": "A"})
    await read_back(check, listed, "L", start=351, refused=1)
    assert check.pending == 1
    assert listed.skips == [351]


async def test_an_id_sent_twice_keeps_the_refused_count_from_deciding() -> None:
    # c-999's two rows are refused (2 invalid) and 2 ids are unseen: but one of them is c-3,
    # rewritten earlier in the list, which only a read from the start can find
    listed = FakeList([record(n) for n in range(451)])
    listed.records[3] = record(3, "Z")
    bad = {"ExternalId": "c-999", "PhoneNumber": "12", "FirstName": "A"}
    check = upload(record(3, "Z"), bad, bad, record(450))
    await read_back(check, listed, "L", start=351, refused=2)
    assert check.pending == 1
    assert listed.skips == [351, 0, 100, 200, 300, 400]


async def test_a_seen_place_is_read_alone_and_a_whole_known_list_is_not_read_again(
    tmp_path: Path,
) -> None:
    places = SeenPlaces(tmp_path)
    places.empty("L")
    listed = FakeList([record(n) for n in range(450)])
    await read_back(upload(*listed.records), listed, "L", start=0, places=places)
    assert places.whole_through("L") == 450
    listed.skips.clear()
    listed.records[230] = record(230, "Z")
    listed.records.append(record(450))
    check = upload(record(230, "Z"), record(450),
                   {"ExternalId": "c-999", "PhoneNumber": "12", "FirstName": "A"})
    await read_back(check, listed, "L", start=350, places=places)
    assert check.pending == 1  # c-999: on no page the client saw, so in none of them
    assert listed.skips == [350, 450, 131]  # to the end, then the page ending at c-230's place
    places.close()


async def test_without_the_whole_list_seen_a_row_on_no_known_page_is_read_for_from_the_start(
    tmp_path: Path,
) -> None:
    places = SeenPlaces(tmp_path)  # never told the list was empty: its beginning is unknown
    listed = FakeList([record(n) for n in range(451)])
    check = upload(record(3, "Z"), record(450))
    listed.records[3] = record(3, "Z")
    await read_back(check, listed, "L", start=350, places=places)
    assert check.done
    assert listed.skips[-1] == 0
    assert places.whole_through("L") is not None  # that read went from the start: now known
    places.close()


def test_pages_for_seen_places_end_at_each_place_and_cover_near_ones_once(
    tmp_path: Path,
) -> None:
    places = SeenPlaces(tmp_path)
    places.saw("L", 0, [f"c-{n}" for n in range(1000)])
    assert places.windows("L", ["c-50", "c-120", "c-130", "c-700", "c-nowhere"]) == [0, 100, 601]
    places.forget("L")
    assert places.windows("L", ["c-50"]) == []
    places.close()
