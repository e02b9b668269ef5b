"""Where settings are read from: the environment, the TOML file and its profiles (the I/O edge).

`load_settings` reads them and hands the layers to `settings.resolve_settings`, which is pure.
A profile that holds a secret in a file other users can read is loaded with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cxone_outbound.config.settings import (
    DEFAULT_PROFILE,
    ENV_CONFIG,
    ENV_PROFILE,
    SECRET_FIELDS,
    LoadedSettings,
    _config_error,
    default_config_path,
    env_var_for,
    parse_config,
    resolve_settings,
)


def read_config_file(path: Path) -> dict[str, dict[str, Any]]:
    """The profiles in the config file at `path`; a clear ConfigurationError if unreadable."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise _config_error(f"config file {path} does not exist") from None
    except UnicodeDecodeError:
        raise _config_error(f"{path}: invalid TOML: not UTF-8 text") from None
    except OSError as exc:
        raise _config_error(f"cannot read config file {path}: {exc.strerror}") from None
    return parse_config(text, path)


def resolve_config_path(config_path: Path | None, environ: Mapping[str, str]) -> Path:
    """The config file in effect: `--config`, else `CXONE_CONFIG`, else the user config dir."""
    if config_path is None:
        from_env = environ.get(ENV_CONFIG)
        config_path = Path(from_env) if from_env else default_config_path()
    return config_path.expanduser()


def load_settings(
    *,
    flags: Mapping[str, object] | None = None,
    profile: str | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Load the effective settings: flags > `CXONE_*` env > profile in the TOML file > defaults.

    `profile` and `config_path` come from `--profile` / `--config`; when absent, `CXONE_PROFILE`
    and `CXONE_CONFIG`, then `default` and `default_config_path()`. A missing file is fine unless
    it was named explicitly or a non-default profile was asked for.
    """
    env = os.environ if environ is None else environ
    explicit_path = config_path is not None or bool(env.get(ENV_CONFIG))
    path = resolve_config_path(config_path, env)
    name = profile or env.get(ENV_PROFILE) or DEFAULT_PROFILE
    exists = path.is_file()
    profiles: dict[str, dict[str, Any]] = {}
    if exists or explicit_path:
        profiles = read_config_file(path)
    elif name != DEFAULT_PROFILE:
        raise _config_error(
            f"profile {name!r} not found: config file {path} does not exist "
            "(create it with `cxo config init`)"
        )
    if name not in profiles and name != DEFAULT_PROFILE:
        known = ", ".join(sorted(profiles)) or "none"
        raise _config_error(f"profile {name!r} not found in {path} (profiles: {known})")
    profile_values = profiles.get(name, {})
    loaded = resolve_settings(
        flags=flags or {},
        environ=env,
        profile_values=profile_values,
        profile=name,
        config_path=path,
        config_exists=exists,
    )
    held = sorted(name for name in SECRET_FIELDS if name in profile_values)
    if held and _readable_by_others(path):
        warning = (
            f"{path} holds a {held[0]} and is readable by other users; "
            f"run `chmod 600 {path}` or move the secret to {env_var_for(held[0])}"
        )
        loaded = replace(loaded, warnings=(*loaded.warnings, warning))
    return loaded


def _readable_by_others(path: Path) -> bool:
    if os.name != "posix":
        return False
    try:
        return bool(path.stat().st_mode & 0o077)
    except OSError:
        return False


CONFIG_TEMPLATE = """\
# cxone-outbound configuration (see docs/configuration.md).
# Precedence: CLI flags > CXONE_* environment variables > the selected profile > defaults.
# Without --profile (or CXONE_PROFILE) the [default] table is used; a [profiles.NAME] table is
# used on its own, it does not inherit from [default].
# Prefer CXONE_CLIENT_SECRET in the environment to a secret written in this file.

[default]
base_url = "http://127.0.0.1:8642"   # the local sandbox (`cxo sandbox serve`)
client_id = "demo-client"
client_secret = "demo-secret"
# token_url = "http://127.0.0.1:8642/oauth/token"   # default: {base_url}/oauth/token
# scopes = ["contacts:read", "contacts:write"]      # default: all canonical scopes
# auth_method = "basic"                             # or "body"
# connect_timeout = 10.0
# read_timeout = 60.0
# max_rate = 500.0                                  # requests/s ceiling
# concurrency = 16
# max_attempts = 6
# deadline = 300.0                                  # seconds per logical call, retries included
# dialect = "v2"                                    # "admin": a real tenant, docs/real-tenant.md
# The carrier line-type lookup (`cxo sanitize --line-type-lookup twilio`; docs/line-types.md).
# Default: the sandbox's emulation. Prefer CXONE_LOOKUP_AUTH_TOKEN to a token written here.
# lookup_url = "https://lookups.twilio.com"
# lookup_account_sid = "AC..."
# lookup_cache_days = 30.0

# [profiles.staging]
# base_url = "https://api-us-01.example.invalid"
# client_id = "my-client"
# client_secret = "..."
"""
