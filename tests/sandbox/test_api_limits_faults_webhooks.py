"""Rate limiting, fault injection over HTTP, webhook deliveries, counters, restarts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from tests.sandbox.httpapi import Api

from cxone_outbound.client.ratelimit import seed_rate
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.signing import verify


def test_a_burst_over_the_limit_gets_429_with_retry_after(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_rate_limit(1, 5)
    answers = [api.get("/api/v2/contacts/lists") for _ in range(8)]
    limited = [a for a in answers if a.status == 429]
    assert limited
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].code == "RATE_LIMITED"
    assert answers[0].headers["X-RateLimit-Remaining"].isdigit()
    assert answers[0].headers["X-RateLimit-Reset"].isdigit()
    assert sandbox_control.counters()["rateLimited"] == len(limited)


def test_ratelimit_limit_header_is_the_sustained_rate_the_client_seeds_from(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_rate_limit(2.5, 40)
    headers = api.get("/api/v2/contacts/lists").headers
    assert headers["X-RateLimit-Limit"] == "2.5"
    assert seed_rate({"X-RateLimit-Limit": headers["X-RateLimit-Limit"]}) == 2.5
    assert int(headers["X-RateLimit-Remaining"]) in (38, 39)  # the token request counts too
    assert headers["X-RateLimit-Reset"] == "1"  # two tokens short at 2.5/s: full within 1 s


def test_rate_limit_zero_turns_limiting_off(api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_rate_limit(0)
    assert all(api.get("/api/v2/contacts/lists").status == 200 for _ in range(30))


def test_injected_errors_answer_5xx_and_apply_nothing(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_faults("error@POST:/api/v2/outbound/campaigns=1:503")
    answer = api.post("/api/v2/outbound/campaigns", {"name": "never"})
    assert (answer.status, answer.code) == (503, "SERVICE_UNAVAILABLE")
    sandbox_control.clear_faults()
    assert api.get("/api/v2/outbound/campaigns").json["entity"] == []


def test_a_dropped_connection_gives_no_answer(
        sandbox: Any, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_faults("drop@GET:/api/v2/contacts/lists=1")
    token = Api(sandbox.base_url, sandbox.client_id, sandbox.client_secret).get_token()

    async def call() -> str:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(f"{sandbox.base_url}/api/v2/contacts/lists",
                                       headers={"Authorization": f"Bearer {token}"}) as resp:
                    await resp.read()
                    return f"answered {resp.status}"
            except aiohttp.ClientError as exc:
                return type(exc).__name__

    outcome = asyncio.run(call())
    assert not outcome.startswith("answered"), outcome
    assert sandbox_control.faults()["injected"]["drop"] >= 1


def test_counters_count_requests_by_route_and_status(
        api: Api, sandbox_control: SandboxControl) -> None:
    api.get("/api/v2/contacts/nope")
    assert sandbox_control.requests_to("GET /api/v2/contacts/{contactId}", 404) == 1


def test_webhooks_are_delivered_signed_and_retried(
        api: Api, sandbox_control: SandboxControl) -> None:
    received: list[tuple[bytes, str]] = []

    async def scenario() -> list[dict[str, Any]]:
        async def handler(request: web.Request) -> web.Response:
            received.append((await request.read(), request.headers["X-CXone-Signature"]))
            return web.Response(status=500 if len(received) == 1 else 200)

        app = web.Application()
        app.router.add_post("/hook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            hook = await asyncio.to_thread(api.post, "/api/v2/webhooks", {
                "name": "h", "url": f"http://127.0.0.1:{port}/hook", "events": ["contact.updated"],
                "retryPolicy": {"maxRetries": 2, "backoffMs": 10}})
            secret = hook.json["secret"]
            list_id = sandbox_control.create_list("w")
            contact = sandbox_control.add_contacts(list_id, [{"phone": "+14155550100"}])[0]
            await asyncio.to_thread(api.patch, f"/api/v2/contacts/{contact['id']}",
                                    {"firstName": "Hooked"})
            deadline = time.monotonic() + 10
            while len(received) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert all(verify(secret, body, sig) for body, sig in received)
            return sandbox_control.deliveries()
        finally:
            await runner.cleanup()

    deliveries = asyncio.run(scenario())
    assert [(d["attempt"], d["delivered"]) for d in deliveries] == [(1, False), (2, True)]
    assert deliveries[0]["body"]["event"] == "contact.updated"
    assert deliveries[0]["body"]["data"]["contact"]["firstName"] == "Hooked"


def test_webhook_registration_accepts_the_preview_tutorial_shape(api: Api) -> None:
    answer = api.post("/api/v2/webhooks", {"name": "p", "uri": "http://127.0.0.1:9/x",
                                           "eventFilter": "campaign.preview.activated",
                                           "method": "POST", "enabled": True})
    assert answer.status == 201 and answer.json["secret"]
    listed = api.get("/api/v2/webhooks").json["webhooks"]
    assert [w["events"] for w in listed] == [["campaign.preview.activated"]]
    assert "secret" not in listed[0]
    assert api.delete(f"/api/v2/webhooks/{answer.json['id']}").status == 204


def test_a_restart_with_the_same_db_keeps_all_data(
        tmp_path: Path, sandbox_factory: Any, api_for: Any) -> None:
    db = tmp_path / "kept.db"
    first = sandbox_factory(db_path=db, rate_limit=0)
    api = api_for(first)
    list_id = first.control.create_list("kept", [{"name": "tier", "type": "string"}])
    contact = first.control.add_contacts(list_id, [{"phone": "+14155550100"}])[0]
    api.patch(f"/api/v2/contacts/{contact['id']}", {"attributes": {"tier": "gold"}})
    campaign = api.post("/api/v2/outbound/campaigns", {"name": "kept"}).json
    token = api.get_token()
    first.stop()
    second = sandbox_factory(db_path=db, rate_limit=0)
    again = api_for(second)
    again.token = token  # tokens survive too
    assert again.get(f"/api/v2/contacts/{contact['id']}").json["attributes"] == {"tier": "gold"}
    assert again.get(f"/api/v2/outbound/campaigns/{campaign['id']}").json["name"] == "kept"
    assert second.control.contact_writes(contact["id"]) == 2


def test_a_limit_without_headers_answers_429_as_a_real_tenant_does(
        api: Api, sandbox_control: SandboxControl) -> None:
    sandbox_control.set_rate_limit(1, 5, headers=False)
    answers = [api.get("/api/v2/contacts/lists") for _ in range(8)]
    limited = [a for a in answers if a.status == 429]
    assert limited and limited[0].code == "RATE_LIMITED"
    assert all("Retry-After" not in a.headers for a in limited)
    assert not any(name.startswith("X-RateLimit") for a in answers for name in a.headers)
