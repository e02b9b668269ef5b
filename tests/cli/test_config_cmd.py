"""`cxo config show|path|init`: effective settings with sources, secrets masked."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

from cxone_outbound.config import Settings

if TYPE_CHECKING:
    from conftest import CxoRunner

SECRET = "topsecret-client-secret-XY"


def write_profiles(directory: Path) -> Path:
    path = directory / "profiles.toml"
    path.write_text(
        '[default]\nconcurrency = 4\n\n[profiles.ci]\nmax_rate = 20\nread_timeout = 5\n',
        encoding="utf-8",
    )
    return path


def test_show_json_lists_every_setting_with_value_and_source(cxo: CxoRunner) -> None:
    run = cxo("--json", "config", "show")
    assert run.code == 0
    document = run.json()
    assert isinstance(document, dict)
    assert set(document) == {
        "profile", "config_file", "config_file_exists", "settings", "effective_token_url",
        "warnings",
    }
    assert set(document["settings"]) == set(Settings.model_fields)
    for entry in document["settings"].values():
        assert set(entry) == {"value", "source"}
    assert document["settings"]["base_url"] == {
        "value": "http://127.0.0.1:8642", "source": "default"
    }
    assert document["effective_token_url"] == "http://127.0.0.1:8642/oauth/token"


def test_show_reports_flag_env_and_profile_sources(cxo: CxoRunner, tmp_path: Path) -> None:
    config = write_profiles(tmp_path)
    run = cxo(
        "--json", "--config", str(config), "--profile", "ci",
        "--base-url", "http://127.0.0.1:1234", "config", "show",
        env={"CXONE_CONCURRENCY": "7"},
    )
    settings = run.json()["settings"]  # type: ignore[index]
    assert settings["base_url"] == {"value": "http://127.0.0.1:1234", "source": "flag"}
    assert settings["concurrency"] == {"value": 7, "source": "env"}
    assert settings["max_rate"] == {"value": 20.0, "source": "profile:ci"}
    assert settings["deadline"]["source"] == "default"


def test_show_as_a_table_names_each_source(cxo: CxoRunner, tmp_path: Path) -> None:
    config = write_profiles(tmp_path)
    run = cxo("--config", str(config), "config", "show", env={"CXONE_MAX_RATE": "12"})
    assert run.code == 0
    assert run.stdout == ""  # human text goes to stderr
    lines = {line.split()[1]: line for line in run.stderr.splitlines() if line.startswith("│")}
    assert "profile:default" in lines["concurrency"]
    assert "env" in lines["max_rate"]
    assert "default" in lines["deadline"]
    assert str(config) in run.stderr


def test_show_never_prints_the_secret(cxo: CxoRunner) -> None:
    env = {"CXONE_CLIENT_SECRET": SECRET}
    table = cxo("-vv", "config", "show", env=env)
    document = cxo("-vv", "--json", "config", "show", env=env)
    for run in (table, document):
        assert run.code == 0
        assert SECRET not in run.stdout + run.stderr
    assert document.json()["settings"]["client_secret"] == {  # type: ignore[index]
        "value": "****XY", "source": "env"
    }


def test_show_warns_on_stderr_about_demo_credentials_off_loopback(cxo: CxoRunner) -> None:
    run = cxo("--json", "--base-url", "https://api.example.invalid", "config", "show")
    assert run.code == 0
    assert "warning:" in run.stderr
    assert "probably a mistake" in run.stderr
    assert len(run.json()["warnings"]) == 1  # type: ignore[index]


def test_path_prints_the_default_config_path_on_stdout(
    cxo: CxoRunner, isolated_env: Path
) -> None:
    run = cxo("config", "path")
    assert run.code == 0
    assert run.stdout == f"{isolated_env / 'cxone-outbound' / 'config.toml'}\n"


def test_path_follows_the_config_flag(cxo: CxoRunner, tmp_path: Path) -> None:
    run = cxo("--json", "--config", str(tmp_path / "x.toml"), "config", "path")
    assert run.json() == {"path": str(tmp_path / "x.toml"), "exists": False}


def test_path_works_even_when_the_configuration_is_broken(cxo: CxoRunner) -> None:
    run = cxo("config", "path", env={"CXONE_MAX_RATE": "abc"})
    assert run.code == 0


def test_init_writes_a_private_template_that_loads(cxo: CxoRunner, isolated_env: Path) -> None:
    run = cxo("config", "init")
    assert run.code == 0
    path = isolated_env / "cxone-outbound" / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = cxo("--json", "config", "show").json()
    assert shown["config_file_exists"] is True  # type: ignore[index]
    assert shown["settings"]["client_id"]["source"] == "profile:default"  # type: ignore[index]


def test_init_refuses_to_overwrite_without_force(cxo: CxoRunner, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[default]\nconcurrency = 3\n", encoding="utf-8")
    run = cxo("--config", str(path), "config", "init")
    assert run.code == 2
    assert "exists" in run.stderr
    assert path.read_text(encoding="utf-8") == "[default]\nconcurrency = 3\n"
    assert cxo("--config", str(path), "config", "init", "--force").code == 0


def test_the_global_dialect_flag_selects_the_dialect(cxo: CxoRunner) -> None:
    run = cxo("--json", "--dialect", "admin", "config", "show")
    assert run.json()["settings"]["dialect"] == {  # type: ignore[index]
        "value": "admin", "source": "flag"
    }


def test_an_unknown_dialect_is_a_usage_error_naming_the_choices(cxo: CxoRunner) -> None:
    run = cxo("--dialect", "v3", "config", "show")
    assert run.code == 2
    assert "'v2' or 'admin'" in run.stderr
