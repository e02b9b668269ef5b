"""Idempotency keys name one request (method, full URL, body) of one tenant, and expire."""

from __future__ import annotations

from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.control import SandboxControl

CSV = {"Content-Type": "text/csv"}
ROWS = b"phone_number,first_name,last_name\n+14155550100,Ann,Lee\n"


def _campaigns(api: Api) -> int:
    return len(api.get("/api/v2/outbound/campaigns").json["entity"])


def test_a_key_reused_for_another_list_is_refused_not_replayed(
    api: Api, sandbox_control: SandboxControl
) -> None:
    first_list = sandbox_control.create_list("a")
    other_list = sandbox_control.create_list("b")
    headers = CSV | {"Idempotency-Key": "chunk-1"}
    first = api.send("POST", f"/api/v2/contacts/import?contactListId={first_list}",
                     body=ROWS, headers=headers)
    again = api.send("POST", f"/api/v2/contacts/import?contactListId={other_list}",
                     body=ROWS, headers=headers)
    assert first.status == 201
    assert (again.status, again.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert "Idempotent-Replayed" not in again.headers


def test_a_key_reused_on_another_path_is_refused(api: Api) -> None:
    headers = {"Idempotency-Key": "k-path"}
    assert api.post("/api/v2/outbound/campaigns", {"name": "a"}, headers=headers).status == 201
    answer = api.post("/api/v2/outbound/suppressions", {"phoneNumber": "+14155550100"},
                      headers=headers)
    assert (answer.status, answer.code) == (409, "IDEMPOTENCY_KEY_REUSED")


def test_the_same_request_under_its_key_is_replayed_within_the_ttl(
    api: Api, sandbox_control: SandboxControl
) -> None:
    headers = {"Idempotency-Key": "k-ttl"}
    api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    sandbox_control.advance_idempotency_clock(24 * 3600 - 60)
    again = api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _campaigns(api) == 1


def test_an_expired_key_is_new_again(api: Api, sandbox_control: SandboxControl) -> None:
    headers = {"Idempotency-Key": "k-expired"}
    api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    sandbox_control.advance_idempotency_clock(24 * 3600)
    again = api.post("/api/v2/outbound/campaigns", {"name": "once"}, headers=headers)
    assert again.status == 201 and "Idempotent-Replayed" not in again.headers
    assert _campaigns(api) == 2


def test_an_expired_key_may_name_another_request(
    api: Api, sandbox_control: SandboxControl
) -> None:
    sandbox_control.set_idempotency_ttl(60)
    headers = {"Idempotency-Key": "k-short"}
    api.post("/api/v2/outbound/campaigns", {"name": "a"}, headers=headers)
    sandbox_control.advance_idempotency_clock(61)
    answer = api.post("/api/v2/outbound/campaigns", {"name": "b"}, headers=headers)
    assert answer.status == 201 and answer.json["name"] == "b"


def test_the_ttl_and_clock_are_reported_and_reset(
    api: Api, sandbox_control: SandboxControl
) -> None:
    api.post("/api/v2/outbound/campaigns", {"name": "a"}, headers={"Idempotency-Key": "k-n"})
    sandbox_control.set_idempotency_ttl(120)
    state = sandbox_control.advance_idempotency_clock(30)
    assert state == {"ttlSeconds": 120, "clockOffsetSeconds": 30, "keys": 1}
    sandbox_control.reset()
    assert sandbox_control.idempotency() == {
        "ttlSeconds": 86_400, "clockOffsetSeconds": 0, "keys": 0}
