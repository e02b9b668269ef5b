"""`cxo auth check --dialect admin` against the sandbox: access-key login, discovery, refresh."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from cxone_outbound.cli.main import invoke
from cxone_outbound.sandbox.server import SandboxServer


@pytest.fixture
def admin_env(
    sandbox_server: SandboxServer | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxServer:
    if sandbox_server is None or not getattr(sandbox_server, "access_key_id", None):
        pytest.skip("needs a local sandbox serving the admin dialect (docs/admin-dialect.md)")
    for name in list(os.environ):
        if name.startswith("CXONE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CXONE_BASE_URL", sandbox_server.base_url)
    monkeypatch.setenv("CXONE_ACCESS_KEY_ID", str(sandbox_server.access_key_id))  # type: ignore[attr-defined]
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", str(sandbox_server.access_key_secret))  # type: ignore[attr-defined]
    return sandbox_server


def test_auth_check_logs_in_discovers_and_refreshes(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = invoke(["--json", "auth", "check", "--dialect", "admin"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = orjson.loads(out)
    assert report["api_host"] == admin_env.base_url
    assert report["tenant_id"] == "demo"
    assert report["discovery"] == "discovered"
    assert (report["logins"], report["refreshed"]) == (1, True)
    assert str(admin_env.access_key_secret) not in out + err  # type: ignore[attr-defined]


def test_auth_check_prints_the_discovered_api_host(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = invoke(["auth", "check", "--dialect", "admin"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert f"API host: {admin_env.base_url} (discovered)" in err
    assert "refresh: ok" in err


@pytest.mark.parametrize("method", ["password", "access-key"])
def test_both_login_methods_work(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, method: str,
) -> None:
    monkeypatch.setenv("CXONE_ADMIN_AUTH", method)
    assert invoke(["auth", "check", "--dialect", "admin"]) == 0, capsys.readouterr().err


def test_a_wrong_access_key_exits_3(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", "not-the-secret-at-all")
    assert invoke(["auth", "check", "--dialect", "admin"]) == 3
    assert "access key" in capsys.readouterr().err


def test_the_global_dialect_flag_works_as_the_commands_own(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke(["--dialect", "admin", "--json", "auth", "check"]) == 0
    assert '"dialect": "admin"' in capsys.readouterr().out


def test_an_access_key_whose_refresh_is_not_served_logs_in_again(
    admin_env: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_ADMIN_AUTH", "access-key")
    assert invoke(["auth", "check", "--dialect", "admin"]) == 0
    assert "refresh: failed: logged in again with the access key" in capsys.readouterr().err
