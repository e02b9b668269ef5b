"""A password in a URL setting (`CXONE_BASE_URL=https://user:pw@host`) is never shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from cxone_outbound.cli.output import RedactingFilter
from cxone_outbound.config import mask_url_userinfo

if TYPE_CHECKING:
    from conftest import CxoRunner

PASSWORD = "hunter2-pw"
URL = f"http://bob:{PASSWORD}@127.0.0.1:8642"


def test_config_show_masks_userinfo_in_the_table_and_json(cxo: CxoRunner) -> None:
    env = {"CXONE_BASE_URL": URL}
    table = cxo("config", "show", env=env)
    document = cxo("--json", "config", "show", env=env)
    for run in (table, document):
        assert run.code == 0
        assert PASSWORD not in run.stdout + run.stderr
        assert "bob" not in run.stdout + run.stderr
    shown = document.json()
    assert isinstance(shown, dict)
    assert shown["settings"]["base_url"]["value"] == "http://****@127.0.0.1:8642"
    assert shown["effective_token_url"] == "http://****@127.0.0.1:8642/oauth/token"


def test_config_show_masks_userinfo_in_warnings(cxo: CxoRunner) -> None:
    run = cxo("--json", "--base-url", f"https://bob:{PASSWORD}@api.example.invalid",
              "config", "show")
    assert run.code == 0
    assert PASSWORD not in run.stdout + run.stderr


def test_errors_and_logs_mask_userinfo() -> None:
    line = f"cannot connect to {URL}/api/v2/contacts"
    assert RedactingFilter().redact(line) == "cannot connect to http://****@127.0.0.1:8642/api/v2/contacts"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("https://u:p@h/x", "https://****@h/x"),
        ("https://token@h", "https://****@h"),
        ("https://h/path@not-userinfo", "https://h/path@not-userinfo"),
        ("mailto:bob@example.com", "mailto:bob@example.com"),
        ("no url here", "no url here"),
    ],
)
def test_only_the_userinfo_of_urls_is_masked(text: str, masked: str) -> None:
    assert mask_url_userinfo(text) == masked
