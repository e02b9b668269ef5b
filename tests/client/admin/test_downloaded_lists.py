"""The admin client's downloaded lists live in a scratch file: what it answers, and its end."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from admin_sandbox import api_for

from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.events import LocalWebhooks
from cxone_outbound.client.admin.mappings import MappingStore
from cxone_outbound.client.admin.outbound import AdminOutboundApi
from cxone_outbound.client.admin.outbound.store import DownloadedLists
from cxone_outbound.client.models import Contact
from cxone_outbound.sandbox.server import SandboxServer


def records(*ids: str) -> list[tuple[str, dict[str, Any]]]:
    """Records as a list holds them: column -> value, typed as the tenant returns them."""
    return [(i, {"ExternalId": i, "PhoneNumber": "14155550100", "tier": "gold", "n": 1,
                 "vip": True}) for i in ids]


def downloaded(tmp_path: Path, *ids: str) -> DownloadedLists:
    store = DownloadedLists(tmp_path)
    store.begin("7")
    store.add("7", records(*ids), start=0)
    return store


def test_a_record_reads_back_as_it_was_downloaded_and_unknown_ids_are_left_out(
    tmp_path: Path,
) -> None:
    store = downloaded(tmp_path, "a", "b")
    found = store.get("7", ["b", "zz", "b"])
    assert found == {"b": records("b")[0][1]}
    assert store.get("8", ["a"]) == {}


def test_a_re_uploaded_record_replaces_the_downloaded_one_in_its_place(tmp_path: Path) -> None:
    store = downloaded(tmp_path, "a", "b", "c")
    store.replace("7", [("b", {"ExternalId": "b", "FirstName": "Ann"})])
    assert store.get("7", ["b"])["b"] == {"ExternalId": "b", "FirstName": "Ann"}
    assert store.first_place("7", ["b"]) == 1


def test_a_place_counts_the_removals_before_it_and_none_after(tmp_path: Path) -> None:
    store = downloaded(tmp_path, "a", "b", "c", "d", "e")
    store.remove("7", ["a", "d"])
    assert store.first_place("7", ["e"]) == 2  # position 4, two removed before it
    assert store.first_place("7", ["c", "e"]) == 1  # the first of them: position 2 less 1
    assert store.first_place("7", ["a", "zz"]) is None  # removed, unknown: no place
    assert store.get("7", ["a", "d"]) == {}


def test_a_new_download_counts_places_afresh(tmp_path: Path) -> None:
    store = downloaded(tmp_path, "a", "b", "c")
    store.remove("7", ["a"])
    store.begin("7")
    store.add("7", records("b", "c"), start=0)
    assert store.first_place("7", ["c"]) == 1


def test_an_import_forgets_the_list_and_that_it_was_read_whole(tmp_path: Path) -> None:
    store = downloaded(tmp_path, "a")
    store.mark_whole("7")
    store.forget("7")
    assert not store.is_whole("7")
    assert store.get("7", ["a"]) == {}


def test_a_contact_is_found_in_the_list_it_was_last_downloaded_from(tmp_path: Path) -> None:
    store = downloaded(tmp_path, "a")
    assert store.home("a") == "7"
    store.add("9", records("a"), start=0)
    assert store.home("a") == "9"
    assert store.home("zz") is None


def test_nothing_is_written_until_a_list_is_downloaded_and_close_removes_the_file(
    tmp_path: Path,
) -> None:
    idle = DownloadedLists(tmp_path)
    assert idle.get("7", ["a"]) == {} and idle.path is None
    store = downloaded(tmp_path, "a")
    assert store.path is not None and store.path.is_relative_to(tmp_path)
    path = store.path
    store.close()
    assert not path.exists() and not path.parent.exists()
    assert list(tmp_path.iterdir()) == []


async def test_the_client_keeps_what_it_downloads_in_its_scratch_folder_until_it_closes(
    server: SandboxServer, tmp_path: Path
) -> None:
    list_id = server.control.create_list("a", [{"name": "tier", "type": "string"}])
    server.control.seed_contacts(list_id, 3)
    admin_id = str(server.control.admin_ids(list_id=list_id)["listId"])
    scratch = tmp_path / "scratch"
    plain = api_for(server, tmp_path)
    api = AdminOutboundApi(plain.settings, cache=DiscoveryCache(tmp_path / "d.json"),
                           webhooks=LocalWebhooks("t", tmp_path / "hooks.json"),
                           mappings=MappingStore(tmp_path / "mappings.json"), scratch=scratch)
    async with api:
        first, *_ = [c async for c in api.iter_contacts(admin_id)]
        files = [p.name for p in scratch.rglob("*") if p.is_file()]
        await api.update_contact(first.id, {"firstName": "Ann"}, list_id=admin_id)
    assert files == ["lists.db"]
    assert list(scratch.iterdir()) == []


async def test_workers_share_one_download_and_an_import_brings_the_next(
    server: SandboxServer, tmp_path: Path
) -> None:
    list_id = server.control.create_list("a", [{"name": "tier", "type": "string"}])
    server.control.seed_contacts(list_id, 4)
    admin_id = str(server.control.admin_ids(list_id=list_id)["listId"])
    ids = sorted(server.control.writes(list_id))
    async with api_for(server, tmp_path) as api:
        downloads: list[str] = []
        stream = api.iter_contact_pages

        def counted(list_id: str, *, page_size: int = 1000) -> AsyncIterator[list[Contact]]:
            downloads.append(list_id)
            return stream(list_id, page_size=page_size)

        api.iter_contact_pages = counted  # type: ignore[method-assign]
        await asyncio.gather(*(api.update_contact(i, {"firstName": "Ann"}, list_id=admin_id)
                               for i in ids))
        assert downloads == [admin_id]
        body = b"phone_number,first_name\r\n+14155550161,A\r\n"
        await api.get_import_job((await api.start_import(gzip.compress(body),
                                                         list_id=admin_id)).job_id)
        updated = await api.update_contact("+14155550161", {"firstName": "Bo"}, list_id=admin_id)
    assert downloads == [admin_id, admin_id]
    assert updated.first_name == "Bo"
