"""The control API answers a local tool only: no cross-site reset, no secrets in its replies."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.httpapi import Api

from cxone_outbound.sandbox.control import SandboxControl, SandboxControlError
from cxone_outbound.sandbox.control.guard import TOKEN_HEADER, control_refusal

JSON = {"content-type": "application/json", "host": "127.0.0.1:8642"}


@pytest.fixture
def persistent(tmp_path: Path, sandbox_factory: Any) -> Any:
    """A sandbox over a database file, holding one seeded list."""
    server = sandbox_factory(db_path=tmp_path / "sandbox.db")
    server.list_id = server.control.create_list("keep")
    server.control.seed_contacts(server.list_id, 3)
    return server


def test_a_cross_site_reset_is_refused_and_keeps_the_data(
    persistent: Any, api_for: Callable[[Any], Api]
) -> None:
    answer = api_for(persistent).send(
        "POST", "/sandbox/reset", body=b"{}", auth=False,
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    assert answer.status == 403 and answer.code == "FORBIDDEN_ORIGIN"
    assert len(persistent.control.writes(persistent.list_id)) == 3


def test_a_reset_in_a_simple_content_type_is_refused(
    persistent: Any, api_for: Callable[[Any], Api]
) -> None:
    answer = api_for(persistent).send("POST", "/sandbox/reset", body=b"{}", auth=False,
                                      headers={"Content-Type": "text/plain"})
    assert answer.status == 415
    assert len(persistent.control.writes(persistent.list_id)) == 3


def test_a_control_call_to_a_foreign_host_name_is_refused(
    sandbox: Any, api_for: Callable[[Any], Api]
) -> None:
    answer = api_for(sandbox).send("GET", "/sandbox/state", auth=False,
                                   headers={"Host": "rebound.example:8642"})
    assert answer.status == 403 and answer.code == "FORBIDDEN_HOST"
    assert b"demo-secret" not in answer.raw


def test_reset_does_not_echo_secrets(sandbox: Any) -> None:
    reply = sandbox.control.reset()
    assert "defaultListId" in reply
    assert "clientSecret" not in reply and "accessKeySecret" not in reply
    assert "demo-secret" not in str(reply) and "demo-access-secret" not in str(reply)


def test_with_a_control_token_calls_without_it_are_refused(sandbox_factory: Any) -> None:
    server = sandbox_factory(control_token="s3cret-token")
    with pytest.raises(SandboxControlError) as refused:
        SandboxControl(server.base_url, token="").counters()
    assert refused.value.status == 403 and "s3cret-token" not in refused.value.body
    with pytest.raises(SandboxControlError):
        SandboxControl(server.base_url, token="wrong").counters()
    assert "total" in server.control.counters()  # the server's own helper carries it
    assert "total" in SandboxControl(server.base_url, token="s3cret-token").counters()


def test_the_sandbox_database_is_readable_by_its_owner_only(persistent: Any) -> None:
    mode = stat.S_IMODE(persistent.db_path.stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("host", ["127.0.0.1:8642", "localhost", "[::1]:1", "127.0.0.2"])
def test_loopback_hosts_may_call(host: str) -> None:
    assert control_refusal("POST", {**JSON, "host": host}, None) is None


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8642", "http://localhost:3000"])
def test_a_local_origin_may_call(origin: str) -> None:
    assert control_refusal("PUT", {**JSON, "origin": origin}, None) is None


@pytest.mark.parametrize("host", ["", "[::1", "evil.example", "127.0.0.1.evil.io:80", "0.0.0.0"])
def test_other_or_malformed_hosts_are_refused(host: str) -> None:
    refusal = control_refusal("GET", {**JSON, "host": host}, None)
    assert refusal is not None and refusal.status == 403


@pytest.mark.parametrize("origin", ["null", "http://evil.example", "http://127.0.0.1.evil.io"])
def test_foreign_or_opaque_origins_are_refused(origin: str) -> None:
    refusal = control_refusal("GET", {**JSON, "origin": origin}, None)
    assert refusal is not None and refusal.status == 403


def test_reads_need_no_json_content_type() -> None:
    assert control_refusal("GET", {"host": "127.0.0.1"}, None) is None


def test_the_token_is_compared_exactly() -> None:
    assert control_refusal("GET", {**JSON, TOKEN_HEADER: "t"}, "t") is None
    assert control_refusal("GET", {**JSON, TOKEN_HEADER: "t2"}, "t") is not None
