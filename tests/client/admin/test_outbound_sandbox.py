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

from cxone_outbound.client.errors import NotFound
from cxone_outbound.client.models import EnrichmentItem
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer
from cxone_outbound.signing import SIGNATURE_HEADER, verify


def seeded(control: SandboxControl, n: int) -> tuple[str, str]:
    list_id = control.create_list("a", [{"name": "tier", "type": "string"}])
    control.seed_contacts(list_id, n)
    return list_id, str(control.admin_ids(list_id=list_id)["listId"])


async def test_a_list_downloads_across_pages_by_following_next_links(
    server: SandboxServer, tmp_path: Path
) -> None:
    v2_id, admin_id = seeded(server.control, 25)
    async with api_for(server, tmp_path) as api:
        pages = [page async for page in api.iter_contact_pages(admin_id, page_size=10)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert {c.id for p in pages for c in p} == set(server.control.writes(v2_id))
    assert all(c.phone and c.phone.startswith("+") for p in pages for c in p)


async def test_an_import_reports_refused_rows_by_their_row_number(
    server: SandboxServer, tmp_path: Path
) -> None:
    _, admin_id = seeded(server.control, 0)
    body = (b"phone_number,first_name,last_name,email\r\n+14155550101,A,B,a@x.io\r\n"
            b"+14155550102,C,D,not-an-email\r\n")
    async with api_for(server, tmp_path) as api:
        started = await api.start_import(gzip.compress(body), list_id=admin_id)
        job = await api._wait(started.job_id)
        ids = {c.id async for c in api.iter_contacts(admin_id)}
    assert job.status == "COMPLETED"
    assert [(e.row, e.code) for e in job.row_errors] == [(2, "INVALID_EMAIL")]
    assert ids == {"+14155550101"}


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
        await api._wait(started.job_id)
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
