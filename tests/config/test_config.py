"""Settings loading: precedence, provenance, profiles, clear errors, masked secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.config import (
    ALL_SCOPES,
    CONFIG_TEMPLATE,
    DEMO_CLIENT_SECRET,
    SANDBOX_URL,
    LoadedSettings,
    Settings,
    default_config_path,
    load_settings,
    mask_secret,
)

SECRET = "s3cr3t-VALUE-never-shown-42"


@pytest.fixture(autouse=True)
def user_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default config path points into the test's directory, never the machine's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(
    tmp_path: Path,
    *,
    config: str | None = None,
    env: dict[str, str] | None = None,
    flags: dict[str, object] | None = None,
    profile: str | None = None,
) -> LoadedSettings:
    """Load with only `env` as the environment; no config file at the default path."""
    path = write_config(tmp_path, config) if config is not None else None
    return load_settings(flags=flags, profile=profile, environ=env or {}, config_path=path)


PROFILE = """
[default]
max_rate = 50
concurrency = 4

[profiles.staging]
base_url = "https://api-us-01.example.invalid"
client_id = "staging-client"
client_secret = "staging-secret-abcdef"
max_rate = 25
"""


# -- precedence and provenance ------------------------------------------------------------------


def test_defaults_target_the_sandbox_and_say_so(tmp_path: Path) -> None:
    loaded = load(tmp_path)
    assert loaded.settings == Settings()
    assert loaded.settings.base_url == SANDBOX_URL
    assert set(loaded.sources.values()) == {"default"}
    assert loaded.profile == "default"
    assert loaded.config_exists is False


def test_profile_value_beats_default(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE)
    assert loaded.settings.max_rate == 50.0
    assert loaded.sources["max_rate"] == "profile:default"
    assert loaded.sources["deadline"] == "default"


def test_env_beats_profile(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE, env={"CXONE_MAX_RATE": "75.5"})
    assert loaded.settings.max_rate == 75.5
    assert loaded.sources["max_rate"] == "env"
    assert loaded.sources["concurrency"] == "profile:default"


def test_flag_beats_env(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, config=PROFILE, env={"CXONE_MAX_RATE": "75"}, flags={"max_rate": 99.0}
    )
    assert loaded.settings.max_rate == 99.0
    assert loaded.sources["max_rate"] == "flag"


def test_a_flag_given_as_none_counts_as_not_given(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"CXONE_CONCURRENCY": "8"}, flags={"concurrency": None})
    assert loaded.settings.concurrency == 8
    assert loaded.sources["concurrency"] == "env"


def test_every_field_has_an_environment_variable(tmp_path: Path) -> None:
    env = {
        "CXONE_BASE_URL": "http://127.0.0.1:9999",
        "CXONE_TOKEN_URL": "http://127.0.0.1:9999/api/v2/oauth/token",
        "CXONE_CLIENT_ID": "env-client",
        "CXONE_CLIENT_SECRET": SECRET,
        "CXONE_SCOPES": "contacts:read",
        "CXONE_AUTH_METHOD": "body",
        "CXONE_CONNECT_TIMEOUT": "1.5",
        "CXONE_READ_TIMEOUT": "2.5",
        "CXONE_MAX_RATE": "10",
        "CXONE_CONCURRENCY": "3",
        "CXONE_MAX_ATTEMPTS": "2",
        "CXONE_DEADLINE": "30",
        "CXONE_DIALECT": "admin",
        "CXONE_ADMIN_AUTH": "access-key",
        "CXONE_ACCESS_KEY_ID": "AK1",
        "CXONE_ACCESS_KEY_SECRET": SECRET,
        "CXONE_TENANT_ID": "t-1",
        "CXONE_DISCOVERY_URL": "http://127.0.0.1:9999/.well-known/cxone-configuration",
        "CXONE_API_URL": "http://127.0.0.1:9998",
        "CXONE_API_VERSIONS": "lists=33, skills=v30.0",
        "CXONE_SOURCE_DSN": "sqlite:///crm.db",
        "CXONE_LIST_COLUMNS": "externalId=Ref,phone=Phone",
        "CXONE_UPLOAD_SKILL_ID": "4101",
        "CXONE_UPLOAD_EXPIRATION_DAYS": "7",
        "CXONE_LOOKUP_URL": "http://127.0.0.1:9997",
        "CXONE_LOOKUP_ACCOUNT_SID": "AC1",
        "CXONE_LOOKUP_AUTH_TOKEN": SECRET,
        "CXONE_LOOKUP_MAX_RATE": "5",
        "CXONE_LOOKUP_CONCURRENCY": "2",
        "CXONE_LOOKUP_CACHE_DAYS": "7",
    }
    loaded = load(tmp_path, env=env)
    assert set(loaded.sources.values()) == {"env"}
    assert loaded.settings.api_versions == {"lists": "v33.0", "skills": "v30.0"}
    assert loaded.settings.client_secret.get_secret_value() == SECRET
    assert loaded.settings.auth_method == "body"
    assert loaded.settings.concurrency == 3


def test_scopes_from_env_split_on_spaces_and_commas(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"CXONE_SCOPES": "contacts:read, campaigns:read  webhooks:write"})
    assert loaded.settings.scopes == ("contacts:read", "campaigns:read", "webhooks:write")


def test_scopes_in_a_profile_may_be_a_list(tmp_path: Path) -> None:
    loaded = load(tmp_path, config='[default]\nscopes = ["contacts:read", "contacts:write"]\n')
    assert loaded.settings.scopes == ("contacts:read", "contacts:write")


def test_an_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE, env={"CXONE_MAX_RATE": ""})
    assert loaded.sources["max_rate"] == "profile:default"


# -- profiles and the file ------------------------------------------------------------------------


def test_a_named_profile_is_selected_and_named_in_sources(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE, profile="staging")
    assert loaded.settings.client_id == "staging-client"
    assert loaded.sources["client_id"] == "profile:staging"
    assert loaded.profile == "staging"


def test_a_named_profile_does_not_inherit_from_default(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE, profile="staging")
    assert loaded.settings.concurrency == Settings().concurrency
    assert loaded.sources["concurrency"] == "default"


def test_cxone_profile_selects_the_profile(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=PROFILE, env={"CXONE_PROFILE": "staging"})
    assert loaded.profile == "staging"


def test_the_profile_flag_beats_cxone_profile(tmp_path: Path) -> None:
    config = PROFILE + '\n[profiles.other]\nmax_rate = 5\n'
    loaded = load(tmp_path, config=config, env={"CXONE_PROFILE": "staging"}, profile="other")
    assert loaded.settings.max_rate == 5.0


def test_cxone_config_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, PROFILE)
    loaded = load_settings(environ={"CXONE_CONFIG": str(path)})
    assert loaded.config_path == path
    assert loaded.settings.max_rate == 50.0


def test_profiles_default_table_is_the_default_profile(tmp_path: Path) -> None:
    loaded = load(tmp_path, config="[profiles.default]\nconcurrency = 2\n")
    assert loaded.settings.concurrency == 2
    assert loaded.sources["concurrency"] == "profile:default"


def test_the_default_path_is_in_the_user_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "cxone-outbound" / "config.toml"


def test_the_config_template_loads_as_the_sandbox_defaults(tmp_path: Path) -> None:
    loaded = load(tmp_path, config=CONFIG_TEMPLATE)
    assert loaded.settings == Settings()
    assert loaded.sources["client_id"] == "profile:default"


# -- errors: one line, naming the source ---------------------------------------------------------


def config_error(tmp_path: Path, **kw: object) -> str:
    with pytest.raises(ConfigurationError) as info:
        load(tmp_path, **kw)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    return message


def test_an_unknown_profile_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    message = config_error(tmp_path, config=PROFILE, profile="prod")
    assert "profile 'prod' not found" in message
    assert "default, staging" in message


def test_a_named_profile_without_a_config_file_is_refused(tmp_path: Path) -> None:
    message = config_error(tmp_path, profile="prod")
    assert "profile 'prod' not found" in message
    assert "does not exist" in message


def test_an_explicit_config_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(config_path=tmp_path / "nope.toml", environ={})


def test_a_config_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read config file"):
        load_settings(config_path=tmp_path, environ={})


def test_bad_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    message = config_error(tmp_path, config="[default]\nmax_rate = = 3\n")
    assert "config.toml: invalid TOML" in message
    assert "line 2" in message


def test_an_unknown_setting_suggests_the_closest(tmp_path: Path) -> None:
    message = config_error(tmp_path, config="[default]\nbase_ur = 'http://127.0.0.1:1'\n")
    assert "unknown setting 'base_ur'" in message
    assert "did you mean 'base_url'" in message


def test_a_misspelt_profiles_table_is_refused(tmp_path: Path) -> None:
    message = config_error(tmp_path, config="[profile.staging]\nmax_rate = 1\n")
    assert "did you mean 'profiles'" in message


def test_a_bad_number_in_env_names_the_variable(tmp_path: Path) -> None:
    message = config_error(tmp_path, env={"CXONE_MAX_RATE": "abc"})
    assert message.startswith("invalid max_rate from CXONE_MAX_RATE='abc'")


def test_a_bad_value_in_a_profile_names_the_profile_and_file(tmp_path: Path) -> None:
    message = config_error(tmp_path, config="[default]\nconcurrency = 0\n")
    assert "invalid concurrency from concurrency in profile 'default'" in message
    assert "config.toml" in message


def test_a_bad_flag_names_the_flag(tmp_path: Path) -> None:
    message = config_error(tmp_path, flags={"base_url": "not a url"})
    assert "from --base-url='not a url'" in message


@pytest.mark.parametrize(
    "url", ["ftp://example.com", "127.0.0.1:8642", "http://", "file:///etc/passwd"]
)
def test_a_non_http_url_is_refused(tmp_path: Path, url: str) -> None:
    message = config_error(tmp_path, env={"CXONE_BASE_URL": url})
    assert "is not an http(s) URL" in message


def test_a_non_http_token_url_is_refused(tmp_path: Path) -> None:
    message = config_error(tmp_path, env={"CXONE_TOKEN_URL": "ws://127.0.0.1/token"})
    assert "invalid token_url from CXONE_TOKEN_URL" in message


def test_a_bad_secret_is_reported_without_its_value(tmp_path: Path) -> None:
    message = config_error(tmp_path, config="[default]\nclient_secret = 918273645\n")
    assert "invalid client_secret" in message
    assert "918273645" not in message


def test_an_unknown_dialect_is_refused(tmp_path: Path) -> None:
    message = config_error(tmp_path, env={"CXONE_DIALECT": "soap"})
    assert "invalid dialect from CXONE_DIALECT='soap'" in message


# -- the demo credentials off loopback -----------------------------------------------------------


def test_demo_credentials_against_a_remote_url_warn(tmp_path: Path) -> None:
    loaded = load(tmp_path, env={"CXONE_BASE_URL": "https://api-us-01.example.invalid"})
    assert len(loaded.warnings) == 1
    assert "probably a mistake" in loaded.warnings[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"])
def test_demo_credentials_on_loopback_do_not_warn(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, env={"CXONE_BASE_URL": url}).warnings == ()


def test_real_credentials_against_a_remote_url_do_not_warn(tmp_path: Path) -> None:
    write_config(tmp_path, PROFILE).chmod(0o600)
    loaded = load_settings(profile="staging", config_path=tmp_path / "config.toml", environ={})
    assert loaded.warnings == ()


def test_a_secret_in_a_file_others_can_read_warns(tmp_path: Path) -> None:
    write_config(tmp_path, PROFILE).chmod(0o644)
    loaded = load_settings(profile="staging", config_path=tmp_path / "config.toml", environ={})
    assert len(loaded.warnings) == 1
    assert "readable by other users" in loaded.warnings[0]


# -- masking --------------------------------------------------------------------------------------


def test_repr_and_str_of_settings_mask_the_secret() -> None:
    settings = Settings(client_secret=SECRET)  # type: ignore[arg-type]
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert SECRET not in settings.model_dump_json()


def test_describe_masks_the_secret_and_keeps_every_field(tmp_path: Path) -> None:
    described = load(tmp_path, env={"CXONE_CLIENT_SECRET": SECRET}).describe()
    assert described["client_secret"] == {"value": "****42", "source": "env"}
    assert set(described) == set(Settings.model_fields)
    assert described["scopes"]["value"] == list(ALL_SCOPES)


def test_short_secrets_are_masked_entirely() -> None:
    assert mask_secret(DEMO_CLIENT_SECRET) == "****"
    assert mask_secret(SECRET) == "****42"
