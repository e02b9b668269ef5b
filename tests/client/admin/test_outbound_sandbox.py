"""AdminOutboundApi against the sandbox's admin routes: what the jobs rely on, call by call."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from admin_sandbox import api_for
from aiohttp import web
from aiohttp.test_utils import TestServer

from cxone_outbound.client.errors import NotFound, ValidationError
from cxone_outbound.client.models import EnrichmentItem
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer
from cxone_outbound.signing import SIGNATURE_HEADER, verify

LIST_ROUTE = "GET /inContactAPI/services/vNN.0/lists/call-lists/{listId}"


def seeded(control: SandboxControl, n: int) -> tuple[str, str]:
    list_id = control.create_list("a", [{"name": "tier", "type": "string"}])
    control.seed_contacts(list_id, n)
    return list_id, str(control.admin_ids(list_id=list_id)["listId"])


async def test_a_list_downloads_across_pages_with_phones_in_digits(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, admin_id = seeded(server.control, 25)
    async with api_for(server, tmp_path) as api:
        pages = [page async for page in api.iter_contact_pages(admin_id, page_size=10)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert {c.id for p in pages for c in p} == set(server.control.writes(v2_id))
    assert all(c.phone and c.phone.isdigit() for p in pages for c in p)


async def test_a_download_returns_every_record_in_pages_of_at_most_100(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, admin_id = seeded(server.control, 250)
    async with api_for(server, tmp_path) as api:
        pages = [page async for page in api.iter_contact_pages(admin_id, page_size=1000)]
    assert [len(p) for p in pages] == [100, 100, 50]
    assert {c.id for p in pages for c in p} == set(server.control.writes(v2_id))


async def test_rows_the_list_refuses_are_reported_rejected_by_their_row_number(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 0)
    body = (b"phone_number,first_name,last_name,email\r\n+14155550101,A,B,a@x.io\r\n"
            b"+14155550102,C,D,not-an-email\r\n+14155550103,E,F,e@x.io\r\n")
    async with api_for(server, tmp_path) as api:
        started = await api.start_import(gzip.compress(body), list_id=admin_id)
        job = await api.get_import_job(started.job_id)
        ids = {c.id async for c in api.iter_contacts(admin_id)}
    assert job.status == "COMPLETED"
    assert [(e.row, e.code) for e in job.row_errors] == [(2, "REJECTED")]
    assert (job.records_processed, job.records_failed) == (2, 1)
    assert ids == {"+14155550101", "+14155550103"}


async def test_removing_an_unknown_record_is_not_found(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 2)
    async with api_for(server, tmp_path) as api:
        (first, *_) = [c async for c in api.iter_contacts(admin_id)]
        await api.delete_contact(first.id, list_id=admin_id)
        with pytest.raises(NotFound):
            await api.delete_contact(first.id, list_id=admin_id)
        left = [c.id async for c in api.iter_contacts(admin_id)]
    assert first.id not in left and len(left) == 1


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[tuple[bytes, str]]]]:
    got: list[tuple[bytes, str]] = []

    async def handle(request: web.Request) -> web.Response:
        got.append((await request.read(), request.headers.get(SIGNATURE_HEADER, "")))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    test_server = TestServer(app, host="127.0.0.1", port=0)
    await test_server.start_server()
    try:
        yield str(test_server.make_url("/hook")), got
    finally:
        await test_server.close()


async def delivered(got: list[tuple[bytes, Any]], count: int) -> None:
    """Deliveries are made before the call returns; this only waits out a slow receiver."""
    for _ in range(100):
        if len(got) >= count:
            return
        await asyncio.sleep(0.01)


async def test_the_tool_delivers_signed_events_to_its_own_registrations(
    server: SandboxServer, tmp_path: Path, receiver: tuple[str, list[tuple[bytes, Any]]]
) -> None:
    url, got = receiver
    _, admin_id = seeded(server.control, 2)
    async with api_for(server, tmp_path) as api:
        hook = await api.create_webhook("h", url, ["contact.enriched"])
        assert hook.secret is not None
        ids = [c.id async for c in api.iter_contacts(admin_id)]
        await api.enrich_contacts(admin_id, [EnrichmentItem(contact_id=ids[0],
                                                            attributes={"tier": "gold"})])
        assert [w.secret for w in await api.list_webhooks()] == [None]
    await delivered(got, 1)
    body, signature = got[0]
    assert verify(hook.secret.get_secret_value(), body, signature)
    assert b'"contact.enriched"' in body


async def test_an_enrichment_naming_an_unknown_record_is_refused_whole_before_any_upload(
    server: SandboxServer, tmp_path: Path
) -> None:
    from cxone_outbound.client.errors import ValidationError

    _, admin_id = seeded(server.control, 3)
    upload = "POST /inContactAPI/services/vNN.0/lists/call-lists/{listId}/upload"
    async with api_for(server, tmp_path) as api:
        known = [c.id async for c in api.iter_contacts(admin_id)]
        server.control.reset_counters()
        items = [EnrichmentItem(contact_id=i, attributes={"tier": "gold"})
                 for i in [*known, "no-such-record"]]
        with pytest.raises(ValidationError) as refused:
            await api.enrich_contacts(admin_id, items)
        tiers = {c.attributes.get("tier") async for c in api.iter_contacts(admin_id)}
    assert [(d["contactId"], d["code"]) for d in refused.value.details] == [
        ("no-such-record", "CONTACT_NOT_FOUND")]
    assert server.control.requests_to(upload) == 0
    assert tiers == {None}


async def test_a_re_upload_announces_its_change_and_only_an_import_announces_an_import(
    server: SandboxServer, tmp_path: Path, receiver: tuple[str, list[tuple[bytes, Any]]]
) -> None:
    url, got = receiver
    _, admin_id = seeded(server.control, 2)
    body = b"phone_number,first_name,last_name\r\n+14155550111,A,B\r\n"
    async with api_for(server, tmp_path) as api:
        await api.create_webhook("h", url, ["import.completed", "contact.updated"])
        started = await api.start_import(gzip.compress(body), list_id=admin_id)
        await api.get_import_job(started.job_id)
        await api.update_contact("+14155550111", {"firstName": "Ann"}, list_id=admin_id)
    await delivered(got, 2)
    assert sorted(orjson.loads(body)["event"] for body, _ in got) == [
        "contact.updated", "import.completed"]


async def test_many_records_go_in_one_removal_call_with_a_result_for_each(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 3)
    remove = "DELETE /inContactAPI/services/vNN.0/lists/call-lists/{sourceName}/removeProspects"
    async with api_for(server, tmp_path) as api:
        first, second, third = [c.id async for c in api.iter_contacts(admin_id)]
        server.control.reset_counters()
        results = await api.delete_contacts(admin_id, [first, "no-such-record", third])
        left = [c.id async for c in api.iter_contacts(admin_id)]
    assert server.control.requests_to(remove) == 1
    assert results[first] is None and results[third] is None
    assert isinstance(results["no-such-record"], NotFound)
    assert left == [second]


async def test_an_upload_attaches_the_records_to_the_configured_skill_then_to_the_lists_own(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 0)
    first = b"phone_number,first_name\r\n+14155550121,A\r\n"
    api = api_for(server, tmp_path)
    api.settings = api.settings.model_copy(update={"upload_skill_id": 4101})
    async with api:
        await api.get_import_job((await api.start_import(gzip.compress(first),
                                                         list_id=admin_id)).job_id)
    async with api_for(server, tmp_path) as again:  # no skill configured: the list's own
        await again.update_contact("+14155550121", {"firstName": "B"}, list_id=admin_id)
        assert again._skills[admin_id] == 4101
        body = await again._list(admin_id)
    assert body["resultSet"]["skills"] == [{"skillId": 4101}]


async def test_a_list_cxo_creates_keeps_its_mapping_and_refuses_columns_it_cannot_carry(
    server: SandboxServer, tmp_path: Path
) -> None:
    upload = "POST /inContactAPI/services/vNN.0/lists/call-lists/{listId}/upload"
    async with api_for(server, tmp_path) as api:
        list_id = await api.create_list("made by cxo", ["region"])
    server.control.reset_counters()
    async with api_for(server, tmp_path) as api:  # a new client: the mapping was remembered
        api.settings = api.settings.model_copy(update={"list_columns": None})
        good = b"phone_number,first_name,region\r\n+14155550131,A,EU\r\n"
        job = await api.get_import_job(
            (await api.start_import(gzip.compress(good), list_id=list_id)).job_id)
        with pytest.raises(ValidationError, match="tier") as refused:
            await api.start_import(gzip.compress(b"phone_number,tier\r\n+14155550132,x\r\n"),
                                   list_id=list_id)
        (contact,) = [c async for c in api.iter_contacts(list_id)]
    assert (job.status, job.row_errors) == ("COMPLETED", [])
    assert refused.value.code == "UNMAPPED_COLUMN"
    assert server.control.requests_to(upload) == 1
    assert (contact.id, contact.attributes) == ("+14155550131", {"region": "EU"})


async def test_an_upload_to_a_list_of_unknown_mapping_is_refused_before_anything_is_sent(
    server: SandboxServer, tmp_path: Path
) -> None:
    from cxone_outbound.client.errors import ConfigurationError

    _, admin_id = seeded(server.control, 1)
    server.control.reset_counters()
    api = api_for(server, tmp_path)
    api.settings = api.settings.model_copy(update={"list_columns": None})
    async with api:
        with pytest.raises(ConfigurationError, match="list_columns"):
            await api.start_import(gzip.compress(b"phone_number\r\n+14155550141\r\n"),
                                   list_id=admin_id)
    assert server.control.requests_to(
        "POST /inContactAPI/services/vNN.0/lists/call-lists/{listId}/upload") == 0


async def test_a_refused_row_does_not_make_the_read_back_read_the_whole_list(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 450)
    body = (b"phone_number,first_name,last_name,email\r\n+14155550101,A,B,a@x.io\r\n"
            b"+14155550102,C,D,not-an-email\r\n")
    server.control.reset_counters()
    async with api_for(server, tmp_path) as api:
        started = await api.start_import(gzip.compress(body), list_id=admin_id)
        job = await api.get_import_job(started.job_id)
    assert [(e.row, e.code) for e in job.row_errors] == [(2, "REJECTED")]
    assert (job.records_processed, job.records_failed) == (1, 1)
    # the counters before and after, the columns, and the pages from a page before the end
    # (350..450, then an empty one): none of the five pages from 0 for the refused row
    assert server.control.requests_to(LIST_ROUTE) == 5


def _upload_file(rows: list[tuple[str, str]]) -> bytes:
    lines = [f"{phone},A{n},B{n},{email}" for n, (phone, email) in enumerate(rows)]
    return gzip.compress(("phone_number,first_name,last_name,email\r\n"
                          + "\r\n".join(lines) + "\r\n").encode())


async def test_a_row_rewriting_a_record_an_earlier_upload_added_is_read_on_its_page_only(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 0)
    first = [(f"+1415555{n:04d}", f"p{n}@x.io") for n in range(450)]
    again = [first[4], ("+14155559998", "not-an-email"), ("+14155559999", "q@x.io")]
    async with api_for(server, tmp_path) as api:
        await api.get_import_job((await api.start_import(_upload_file(first),
                                                         list_id=admin_id)).job_id)
        server.control.reset_counters()
        job = await api.get_import_job((await api.start_import(_upload_file(again),
                                                               list_id=admin_id)).job_id)
    assert [(e.row, e.code) for e in job.row_errors] == [(2, "REJECTED")]
    assert (job.records_processed, job.records_failed) == (2, 1)
    # counters before and after, the pages from a page before the end (350, 450, then the
    # end), and the one page where the first upload saw row 1's record: not the whole list
    assert server.control.requests_to(LIST_ROUTE) == 6
