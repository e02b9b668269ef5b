"""Settings and profiles: flags > `CXONE_*` environment > a TOML profile > defaults.

`settings` holds the model, its defaults and the pure merge of the layers; `loading` reads the
environment and the file. The names below are the package's face.
"""

from __future__ import annotations

from cxone_outbound.config.loading import (
    CONFIG_TEMPLATE,
    load_settings,
    read_config_file,
    resolve_config_path,
)
from cxone_outbound.config.settings import (
    ALL_SCOPES,
    DEFAULT_PROFILE,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_LOOKUP_ACCOUNT_SID,
    DEMO_LOOKUP_AUTH_TOKEN,
    ENV_CONFIG,
    ENV_PREFIX,
    ENV_PROFILE,
    FIELD_NAMES,
    SANDBOX_HOST,
    SANDBOX_PORT,
    SANDBOX_URL,
    SECRET_FIELDS,
    LoadedSettings,
    Settings,
    default_config_path,
    env_var_for,
    is_loopback_url,
    mask_secret,
    mask_url_userinfo,
    parse_config,
    resolve_settings,
)

__all__ = [
    "ALL_SCOPES",
    "CONFIG_TEMPLATE",
    "DEFAULT_PROFILE",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_LOOKUP_ACCOUNT_SID",
    "DEMO_LOOKUP_AUTH_TOKEN",
    "ENV_CONFIG",
    "ENV_PREFIX",
    "ENV_PROFILE",
    "FIELD_NAMES",
    "SANDBOX_HOST",
    "SANDBOX_PORT",
    "SANDBOX_URL",
    "SECRET_FIELDS",
    "LoadedSettings",
    "Settings",
    "default_config_path",
    "env_var_for",
    "is_loopback_url",
    "load_settings",
    "mask_secret",
    "mask_url_userinfo",
    "parse_config",
    "read_config_file",
    "resolve_config_path",
    "resolve_settings",
]
