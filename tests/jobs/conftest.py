"""The jobs' integration tests, in both API dialects (issue 9): `dialect_settings`.

A test that takes `dialect_settings` runs twice: `v2` (API.md) and `admin` (the sandbox's Admin
API routes, docs/admin-dialect.md), the job built on `open_api(settings)` either way. Setup and
checks may keep using the v2 client and the sandbox control API: both dialects share one store.
Against a remote server (`CXONE_TEST_BASE_URL`), `admin` needs `CXONE_TEST_ACCESS_KEY_ID` and
`CXONE_TEST_ACCESS_KEY_SECRET`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from cxone_outbound.cli.main import invoke
from cxone_outbound.cli.output import remove_logging_handler
from cxone_outbound.config import Settings
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer

DIALECTS = ("v2", "admin")
SANDBOX_LIST_COLUMNS = ("externalId=ExternalId,phone=PhoneNumber,firstName=FirstName,"
                        "lastName=LastName,email=Email,timeZone=TimeZone,attributes=*")
"""The column mapping of a list made through v2 (the sandbox's, docs/admin-dialect.md): a
real tenant does not return a list's mapping, so the tests tell it as a profile would."""


def _access_key(server: SandboxServer | None) -> tuple[str, str] | None:
    if server is None:
        key_id = os.environ.get("CXONE_TEST_ACCESS_KEY_ID")
        secret = os.environ.get("CXONE_TEST_ACCESS_KEY_SECRET")
        return (key_id, secret) if key_id and secret else None
    key_id = getattr(server, "access_key_id", None)
    secret = getattr(server, "access_key_secret", None)
    return (str(key_id), str(secret)) if key_id and secret else None


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def dialect_settings(
    dialect: str,
    settings: Settings,
    sandbox_server: SandboxServer | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The test server's settings in `dialect` (admin: access key, discovery, own caches)."""
    if dialect == "v2":
        return settings
    key = _access_key(sandbox_server)
    if key is None:
        pytest.skip("the server does not offer an access key for the admin dialect")
    # the discovery cache and the self-delivered webhooks' registry stay inside the test
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return settings.model_copy(
        update={"dialect": "admin", "access_key_id": key[0],
                "access_key_secret": SecretStr(key[1]), "list_columns": SANDBOX_LIST_COLUMNS,
                "upload_skill_id": None}
    )


def list_id_for(settings: Settings, control: SandboxControl, list_id: str) -> str:
    """The id a job addresses a list by: the v2 id, or the admin calling list's id."""
    if settings.dialect == "v2":
        return list_id
    ids: Any = control.admin_ids(list_id=list_id)
    if isinstance(ids, dict):
        ids = ids.get("listId", next(iter(ids.values())))
    return str(ids)


def admin_route_served(base_url: str, path: str) -> bool:
    """Whether the server routes an Admin API path (unauthenticated: 401 if so, 404 if not)."""
    import urllib.error
    import urllib.request

    url = base_url.rstrip("/") + "/inContactAPI/services/v33.0/" + path.lstrip("/")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 404
    except OSError:
        return False


def skip_unless_admin_serves(settings: Settings, path: str) -> None:
    if settings.dialect == "admin" and not admin_route_served(settings.base_url, path):
        pytest.skip(f"the sandbox does not serve the admin route {path} yet")


Cxo = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cxo(
    settings: Settings,
    sandbox_control: SandboxControl,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Cxo]:
    monkeypatch.setenv("CXONE_BASE_URL", settings.base_url)
    monkeypatch.setenv("CXONE_CLIENT_ID", settings.client_id)
    monkeypatch.setenv("CXONE_CLIENT_SECRET", settings.client_secret.get_secret_value())
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CXONE_CONFIG", raising=False)
    monkeypatch.delenv("CXONE_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    level = logging.getLogger().level

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = invoke(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    remove_logging_handler()
    logging.getLogger().setLevel(level)


@pytest.fixture
def admin_cxo(
    cxo: Cxo, sandbox_server: SandboxServer | None, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Cxo:
    """`cxo --dialect admin`, with the sandbox's access key and caches inside the test."""
    if sandbox_server is None or not getattr(sandbox_server, "access_key_id", None):
        pytest.skip("needs a local sandbox serving the admin dialect")
    monkeypatch.setenv("CXONE_ACCESS_KEY_ID", str(sandbox_server.access_key_id))
    monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET", str(sandbox_server.access_key_secret))
    # a tenant does not return a list's mapping: told as a profile would (docs/real-tenant.md)
    monkeypatch.setenv("CXONE_LIST_COLUMNS", SANDBOX_LIST_COLUMNS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return lambda *args: cxo("--dialect", "admin", *args)
