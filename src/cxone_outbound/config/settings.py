"""Settings: where to connect, as whom, and how hard to push.

Values come from CLI flags > `CXONE_*` environment variables > a named profile in the TOML config
file > defaults, and every value remembers where it came from (`cxo config show`).
The defaults target the local sandbox with its documented demo credentials.

The config file (default: `<user config dir>/cxone-outbound/config.toml`) holds a `[default]`
table and any number of `[profiles.NAME]` tables; keys are the `Settings` field names. A named
profile stands alone (it does not inherit from `[default]`), so a staging profile never picks up
production credentials by accident. See docs/configuration.md.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError


def _config_error(message: str) -> Exception:
    """A `client.errors.ConfigurationError`, imported late: `client` imports this module."""
    from cxone_outbound.client.errors import ConfigurationError as _ConfigurationError

    return _ConfigurationError(message)

SANDBOX_HOST = "127.0.0.1"
SANDBOX_PORT = 8642
SANDBOX_URL = f"http://{SANDBOX_HOST}:{SANDBOX_PORT}"
DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the sandbox's documented demo credential
DEMO_LOOKUP_ACCOUNT_SID = "ACsandbox"  # the sandbox's line-type lookup (sandbox/lookups/)
DEMO_LOOKUP_AUTH_TOKEN = "demo-lookup-token"  # noqa: S105 - documented demo credential

ALL_SCOPES: tuple[str, ...] = (
    "contacts:read",
    "contacts:write",
    "contacts:delete",
    "campaigns:read",
    "campaigns:write",
    "suppressions:read",
    "webhooks:write",
)

ENV_PREFIX = "CXONE_"
ENV_CONFIG = "CXONE_CONFIG"  # path of the config file
ENV_PROFILE = "CXONE_PROFILE"  # profile name
DEFAULT_PROFILE = "default"
SECRET_FIELDS: frozenset[str] = frozenset(
    {"client_secret", "access_key_secret", "source_dsn", "lookup_auth_token"}
)


def _normal_version(value: str) -> str:
    """`33`, `v33` and `v33.0` all name `v33.0` (the path segment the Admin API uses)."""
    bare = value.strip().removeprefix("v")
    return f"v{bare}" if "." in bare else f"v{bare}.0"


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL with a host")
    return value


class Settings(BaseModel):
    """The effective settings of one invocation. Immutable; secrets masked in repr."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str = SANDBOX_URL
    token_url: str | None = None  # None: {base_url}/oauth/token
    client_id: str = DEMO_CLIENT_ID
    client_secret: SecretStr = SecretStr(DEMO_CLIENT_SECRET)
    scopes: tuple[str, ...] = ALL_SCOPES
    auth_method: Literal["basic", "body"] = "basic"
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    max_rate: float = Field(default=500.0, gt=0)  # requests/s ceiling for the adaptive limiter
    concurrency: int = Field(default=16, ge=1, le=1024)
    max_attempts: int = Field(default=6, ge=1, le=50)
    # seconds one logical call may take, retries included
    deadline: float = Field(default=300.0, gt=0)
    dialect: Literal["v2", "admin"] = "v2"
    # The `admin` dialect (a real tenant's ACD Admin API; docs/real-tenant.md). `base_url` is
    # then the auth host (https://cxone.niceincontact.com); the API host is discovered.
    admin_auth: Literal["password", "access-key"] = "password"
    access_key_id: str | None = None
    access_key_secret: SecretStr | None = None
    tenant_id: str | None = None  # None: the id_token's tenantId claim
    discovery_url: str | None = None  # None: {base_url}/.well-known/cxone-configuration
    api_url: str | None = None  # set: skip discovery and use this API host
    api_versions: dict[str, str] = Field(default_factory=dict)  # resource -> "v33.0"
    # The database `--source-sql` reads (docs/sources.md); a secret: it may hold a password.
    source_dsn: SecretStr | None = None
    # Calling-list uploads (admin; docs/real-tenant.md "Calling lists and uploads"): the column
    # mapping of lists cxo did not create, the dialing skill records are attached to (else the
    # list's own skill), and how many days uploaded records live (the required expirationDate).
    list_columns: str | None = None
    upload_skill_id: int | None = Field(default=None, ge=1)
    upload_expiration_days: int = Field(default=30, ge=1, le=3650)
    # The line-type lookup (`--line-type-lookup twilio`; docs/line-types.md): Twilio Lookup v2.
    # None: {base_url}/lookups, the sandbox's emulation; a real run sets
    # https://lookups.twilio.com and the account's SID and auth token.
    lookup_url: str | None = None
    lookup_account_sid: str = DEMO_LOOKUP_ACCOUNT_SID
    lookup_auth_token: SecretStr = SecretStr(DEMO_LOOKUP_AUTH_TOKEN)
    lookup_max_rate: float = Field(default=20.0, gt=0)  # lookups/s ceiling
    lookup_concurrency: int = Field(default=8, ge=1, le=256)
    lookup_cache_days: float = Field(default=30.0, ge=0)  # 0: ask again every run

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("token_url", "discovery_url", "api_url", "lookup_url")
    @classmethod
    def _optional_url_is_http(cls, value: str | None) -> str | None:
        return None if value is None else _check_http_url(value)

    @field_validator("api_versions")
    @classmethod
    def _versions_look_like_versions(cls, value: dict[str, str]) -> dict[str, str]:
        for resource, version in value.items():
            if not re.fullmatch(r"v?\d{1,3}(\.\d)?", version.strip()):
                raise ValueError(f"{resource}={version!r} is not an API version like v33.0")
        return {k: _normal_version(v) for k, v in value.items()}

    @field_validator("client_id")
    @classmethod
    def _client_id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("client_secret")
    @classmethod
    def _client_secret_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    @property
    def effective_token_url(self) -> str:
        return self.token_url or self.base_url.rstrip("/") + "/oauth/token"

    @property
    def effective_lookup_url(self) -> str:
        """Where line types are looked up: `lookup_url`, else the sandbox's emulation."""
        if self.lookup_url:
            return self.lookup_url.rstrip("/")
        if not is_loopback_url(self.base_url):
            raise _config_error(
                "lookup_url is not set: set it to https://lookups.twilio.com (with "
                "lookup_account_sid and lookup_auth_token) to look line types up"
            )
        return self.base_url.rstrip("/") + "/lookups"


FIELD_NAMES: tuple[str, ...] = tuple(Settings.model_fields)


def env_var_for(field_name: str) -> str:
    """The environment variable that sets one field: `max_rate` -> `CXONE_MAX_RATE`."""
    return ENV_PREFIX + field_name.upper()


def default_config_path() -> Path:
    """`<user config dir>/cxone-outbound/config.toml` (platformdirs: XDG, macOS, Windows)."""
    return Path(platformdirs.user_config_dir("cxone-outbound")) / "config.toml"


def mask_secret(value: str) -> str:
    """What a secret looks like when shown: the last 2 characters of a long one, else nothing."""
    return "****" + value[-2:] if len(value) >= 12 else "****"


_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]*@")


def mask_url_userinfo(text: str) -> str:
    """`text` with the user:password of every URL in it masked (`https://****@host/`)."""
    return _URL_USERINFO.sub(r"\1****@", text)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class LoadedSettings:
    """Settings plus where each value came from (`flag`, `env`, `profile:NAME`, `default`)."""

    settings: Settings
    sources: Mapping[str, str]
    profile: str
    config_path: Path
    config_exists: bool
    warnings: tuple[str, ...] = field(default=())

    def describe(self) -> dict[str, dict[str, Any]]:
        """Each field as `{"value", "source"}`, secrets masked: safe to print or serialise."""
        out: dict[str, dict[str, Any]] = {}
        for name in FIELD_NAMES:
            value = getattr(self.settings, name)
            if isinstance(value, SecretStr):
                value = mask_secret(value.get_secret_value())
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = dict(value)
            elif isinstance(value, str):
                value = mask_url_userinfo(value)  # a password in CXONE_BASE_URL
            out[name] = {"value": value, "source": self.sources[name]}
        return out


# ---------------------------------------------------------------- pure parts: parse and resolve


def _split_scopes(value: object) -> object:
    """Scopes from a string ("a b", "a,b") or a list; anything else is left for validation."""
    if isinstance(value, str):
        return tuple(s for s in value.replace(",", " ").split() if s)
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


def _split_versions(value: object) -> object:
    """Per-resource API versions from `"lists=v33.0,skills=30"` (the environment) or a table."""
    if not isinstance(value, str):
        return value
    versions: dict[str, str] = {}
    for part in value.replace(";", ",").split(","):
        if not part.strip():
            continue
        resource, sep, version = part.partition("=")
        if not sep:
            return value  # not a mapping: validation says so
        versions[resource.strip()] = version.strip()
    return versions


def _unknown_key_message(key: str, where: str) -> str:
    hint = difflib.get_close_matches(key, FIELD_NAMES, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown setting {key!r} in {where}{suggestion}; known: {', '.join(FIELD_NAMES)}"


def parse_config(text: str, path: Path) -> dict[str, dict[str, Any]]:
    """The profiles of a config file's text, by name (`[default]` is named `default`)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _config_error(f"{path}: invalid TOML: {exc}") from None
    profiles: dict[str, dict[str, Any]] = {}
    for key, table in doc.items():
        if key == DEFAULT_PROFILE:
            if not isinstance(table, dict):
                raise _config_error(f"{path}: [default] must be a table")
            profiles[DEFAULT_PROFILE] = table
        elif key == "profiles":
            if not isinstance(table, dict):
                raise _config_error(f"{path}: 'profiles' must hold [profiles.NAME] tables")
            for name, body in table.items():
                if not isinstance(body, dict):
                    raise _config_error(f"{path}: [profiles.{name}] must be a table")
                if name == DEFAULT_PROFILE and DEFAULT_PROFILE in profiles:
                    raise _config_error(
                        f"{path}: both [default] and [profiles.default] are defined; keep one"
                    )
                profiles[name] = body
        else:
            hint = difflib.get_close_matches(key, ["default", "profiles"], n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise _config_error(
                f"{path}: unknown top-level key {key!r}{suggestion}; "
                "use [default] or [profiles.NAME]"
            )
    for name, body in profiles.items():
        for key in body:
            if key not in FIELD_NAMES:
                raise _config_error(_unknown_key_message(key, f"profile {name!r} ({path})"))
    return profiles


def _describe_origin(field_name: str, source: str, config_path: Path) -> str:
    if source == "flag":
        return "--" + field_name.replace("_", "-")
    if source == "env":
        return env_var_for(field_name)
    if source.startswith("profile:"):
        return f"{field_name} in profile {source.removeprefix('profile:')!r} ({config_path})"
    return f"default {field_name}"


def resolve_settings(
    *,
    flags: Mapping[str, object],
    environ: Mapping[str, str],
    profile_values: Mapping[str, object],
    profile: str,
    config_path: Path,
    config_exists: bool,
) -> LoadedSettings:
    """Merge the layers (flags > env > profile > defaults) into validated, sourced settings.

    Pure: the caller reads the environment and the file. Empty environment variables count as
    unset. Raises ConfigurationError, one line, naming the offending source and never echoing a
    secret.
    """
    for key in flags:
        if key not in FIELD_NAMES:
            raise TypeError(f"unknown settings flag {key!r}")
    raw: dict[str, object] = {}
    sources: dict[str, str] = {}
    for name in FIELD_NAMES:
        env_value = environ.get(env_var_for(name), "")
        if name in flags and flags[name] is not None:
            raw[name], sources[name] = flags[name], "flag"
        elif env_value != "":
            raw[name], sources[name] = env_value, "env"
        elif name in profile_values:
            raw[name], sources[name] = profile_values[name], f"profile:{profile}"
        else:
            sources[name] = "default"
    if "scopes" in raw:
        raw["scopes"] = _split_scopes(raw["scopes"])
    if "api_versions" in raw:
        raw["api_versions"] = _split_versions(raw["api_versions"])
    try:
        settings = Settings.model_validate(raw)
    except PydanticValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "?"
            origin = _describe_origin(name, sources.get(name, "default"), config_path)
            shown = "" if name in SECRET_FIELDS else f"={raw.get(name)!r}"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"invalid {name} from {origin}{shown}: {message}")
        raise _config_error("; ".join(problems)) from None
    warnings: list[str] = []
    uses_demo = (
        settings.client_id == DEMO_CLIENT_ID
        or settings.client_secret.get_secret_value() == DEMO_CLIENT_SECRET
    )
    if uses_demo and not is_loopback_url(settings.base_url):
        warnings.append(
            f"base_url {settings.base_url} is not a loopback address but the credentials are the "
            f"sandbox demo ones ({DEMO_CLIENT_ID}); this is probably a mistake: set "
            f"{env_var_for('client_id')} and {env_var_for('client_secret')} or use a profile"
        )
    return LoadedSettings(
        settings=settings,
        sources=sources,
        profile=profile,
        config_path=config_path,
        config_exists=config_exists,
        warnings=tuple(warnings),
    )
