"""`cxo auth check` against a real loopback token endpoint: scopes and expiry, never the token."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from cxone_outbound.cli.commands.auth import token_report
from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.client import AccessToken
from cxone_outbound.config import Settings

if TYPE_CHECKING:
    from conftest import CxoRunner, SandboxHandle, TokenServer


def env_for(server: TokenServer, **extra: str) -> dict[str, str]:
    return {
        "CXONE_BASE_URL": server.url,
        "CXONE_CLIENT_ID": server.client_id,
        "CXONE_CLIENT_SECRET": server.client_secret,
        "CXONE_SCOPES": " ".join(server.granted),
        **extra,
    }


def test_check_prints_the_granted_scopes_and_expiry(
    cxo: CxoRunner, token_server: TokenServer
) -> None:
    run = cxo("auth", "check", env=env_for(token_server))
    assert run.code == 0, run.stderr
    assert "scopes: contacts:read campaigns:read" in run.stderr
    assert re.search(r"expires in 1[78]\d\d s \(at 20\d\d-", run.stderr)
    assert len(token_server.requests) == 1


def test_check_json_reports_scopes_and_absolute_expiry(
    cxo: CxoRunner, token_server: TokenServer
) -> None:
    before = datetime.now(UTC)
    run = cxo("--json", "auth", "check", env=env_for(token_server))
    report = run.json()
    assert isinstance(report, dict)
    assert report["ok"] is True
    assert report["scopes"] == ["contacts:read", "campaigns:read"]
    assert report["missing_scopes"] == []
    assert 1700 <= report["expires_in_s"] <= 1800
    expires_at = datetime.fromisoformat(report["expires_at"])
    assert before + timedelta(seconds=1700) <= expires_at <= datetime.now(UTC) + timedelta(
        seconds=1801
    )


def test_check_never_shows_the_token_or_the_secret_even_in_debug_logs(
    cxo: CxoRunner, token_server: TokenServer
) -> None:
    run = cxo("-vv", "--json", "auth", "check", env=env_for(token_server))
    assert run.code == 0
    everything = run.stdout + run.stderr
    assert token_server.access_token not in everything
    assert token_server.client_secret not in everything


def test_wrong_credentials_exit_3_naming_invalid_client(
    cxo: CxoRunner, token_server: TokenServer
) -> None:
    env = env_for(token_server, CXONE_CLIENT_SECRET="wrong-secret-000000")
    run = cxo("auth", "check", env=env)
    assert run.code == ExitCode.AUTH
    assert "invalid_client" in run.stderr
    assert run.stderr.count("\n") == 1


def test_an_ungranted_scope_exits_3_naming_invalid_scope(
    cxo: CxoRunner, token_server: TokenServer
) -> None:
    env = env_for(token_server, CXONE_SCOPES="contacts:read webhooks:write")
    run = cxo("--json", "auth", "check", env=env)
    assert run.code == ExitCode.AUTH
    assert "invalid_scope" in run.stderr
    assert run.json()["error"]["code"] == "invalid_scope"  # type: ignore[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_server_exits_4(cxo: CxoRunner) -> None:
    env = {"CXONE_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    run = cxo("auth", "check", "--max-attempts", "1", env=env)
    assert run.code == ExitCode.UNAVAILABLE
    assert run.stderr.startswith("error: ")


@pytest.mark.parametrize("granted", [("contacts:read",), ()])
def test_the_report_lists_requested_scopes_that_were_not_granted(
    granted: tuple[str, ...],
) -> None:
    settings = Settings(scopes=("contacts:read", "campaigns:read"))
    token = AccessToken(
        value="v", token_type="Bearer", scopes=granted, lifetime_s=600.0, obtained_at=100.0
    )
    now = datetime(2030, 1, 1, tzinfo=UTC)
    report = token_report(token, settings, now_monotonic=160.0, now_wall=now)
    assert report["missing_scopes"] == [s for s in settings.scopes if s not in granted]
    assert report["expires_in_s"] == 540.0
    assert report["expires_at"] == "2030-01-01T00:09:00+00:00"
    assert "v" not in report.values()


# -- against the real sandbox (tests/conftest.py) ------------------------------------------------


def sandbox_env(sandbox: SandboxHandle, **extra: str) -> dict[str, str]:
    return {
        "CXONE_BASE_URL": sandbox.base_url,
        "CXONE_CLIENT_ID": sandbox.client_id,
        "CXONE_CLIENT_SECRET": sandbox.client_secret,
        **extra,
    }


def test_check_against_the_sandbox_grants_the_requested_scopes(
    cxo: CxoRunner, sandbox: SandboxHandle
) -> None:
    run = cxo("--json", "auth", "check", env=sandbox_env(sandbox))
    assert run.code == 0, run.stderr
    report = run.json()
    assert isinstance(report, dict)
    assert report["missing_scopes"] == []
    assert set(report["scopes"]) >= set(Settings().scopes)
    assert report["expires_in_s"] > 0


def test_check_against_the_sandbox_names_invalid_client(
    cxo: CxoRunner, sandbox: SandboxHandle
) -> None:
    env = sandbox_env(sandbox, CXONE_CLIENT_SECRET="not-the-secret-at-all")
    run = cxo("auth", "check", env=env)
    assert run.code == ExitCode.AUTH
    assert "invalid_client" in run.stderr


def test_check_against_the_sandbox_names_invalid_scope(
    cxo: CxoRunner, sandbox: SandboxHandle
) -> None:
    env = sandbox_env(sandbox, CXONE_SCOPES="contacts:read no-such:scope")
    run = cxo("auth", "check", env=env)
    assert run.code == ExitCode.AUTH
    assert "invalid_scope" in run.stderr
