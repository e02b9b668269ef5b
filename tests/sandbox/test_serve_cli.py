"""`cxo sandbox serve` start-up text: both dialects' demo credentials, so a user can log in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxone_outbound.cli.main import app
from cxone_outbound.sandbox.http import serving
from cxone_outbound.sandbox.options import SandboxOptions


def test_serve_announces_the_v2_client_and_the_admin_access_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_serve(options: SandboxOptions, announce: Callable[[str, Path], None]) -> None:
        announce("http://127.0.0.1:8642", Path("/tmp/sandbox.db"))

    monkeypatch.setattr(serving, "serve", fake_serve)  # loaded by the command itself
    result = CliRunner().invoke(app, ["sandbox", "serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "client id demo-client, client secret demo-secret" in result.output
    assert ("admin: tenant id demo, access key id demo-access-key, "
            "access key secret demo-access-secret") in result.output
