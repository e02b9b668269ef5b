"""The line-type lookup's settings: credentials masked, never aimed at a tenant by accident."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.config import Settings

if TYPE_CHECKING:
    from conftest import CxoRunner

TOKEN = "twilio-auth-token-0123456789"


def test_config_show_masks_the_lookup_auth_token(cxo: CxoRunner, tmp_path: Path) -> None:
    env = {"CXONE_LOOKUP_AUTH_TOKEN": TOKEN, "CXONE_LOOKUP_ACCOUNT_SID": "AC123",
           "CXONE_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("[default]\n")
    shown = cxo("--json", "config", "show", env=env)
    assert shown.code == 0
    document = shown.json()
    assert isinstance(document, dict)
    entry = document["settings"]["lookup_auth_token"]
    assert entry == {"value": "****89", "source": "env"}
    table = cxo("config", "show", env=env)
    assert TOKEN not in shown.stdout + shown.stderr + table.stdout + table.stderr
    assert document["settings"]["lookup_account_sid"]["value"] == "AC123"


def test_the_lookup_defaults_to_the_sandbox_emulation() -> None:
    assert Settings().effective_lookup_url == "http://127.0.0.1:8642/lookups"
    real = Settings(base_url="https://api.example.com", lookup_url="https://lookups.twilio.com/")
    assert real.effective_lookup_url == "https://lookups.twilio.com"


def test_a_real_tenant_without_a_lookup_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="lookup_url is not set"):
        _ = Settings(base_url="https://api.example.com").effective_lookup_url
