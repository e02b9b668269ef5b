"""Finding a tenant's API host: `/.well-known/cxone-configuration?tenantId=`, cached on disk.

The answer names `api_endpoint` (and `auth_endpoint`, `area`, `cluster`); paths then go under
`{api_endpoint}/inContactAPI/services/vNN.0/`. A tenant's host does not move between runs, so
the answer is kept for a day in the user cache directory, keyed by discovery URL and tenant.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import platformdirs

from cxone_outbound.client.errors import ConfigurationError, CXoneError
from cxone_outbound.config import Settings

WELL_KNOWN_PATH = "/.well-known/cxone-configuration"
CACHE_TTL_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Discovery:
    """Where a tenant's API lives, as the discovery document said (or as configured)."""

    api_endpoint: str
    auth_endpoint: str | None = None
    area: str | None = None
    cluster: str | None = None
    tenant_id: str | None = None
    source: str = "discovered"  # "discovered" | "cache" | "configured"


def discovery_url(settings: Settings, tenant_id: str) -> str:
    """The discovery request for a tenant (`settings.discovery_url` or the auth host's)."""
    base = settings.discovery_url or settings.base_url.rstrip("/") + WELL_KNOWN_PATH
    return base + ("&" if "?" in base else "?") + urlencode({"tenantId": tenant_id})


def parse_discovery(body: Any, *, tenant_id: str, where: str) -> Discovery:
    """The discovery document's API host; a clear error if it names none usable."""
    if not isinstance(body, Mapping):
        raise CXoneError(f"{where}: the discovery document is not a JSON object")

    def text(*names: str) -> str | None:
        for name in names:
            value = body.get(name)
            if isinstance(value, str) and value:
                return value
        return None

    api = text("api_endpoint", "apiEndpoint")
    cluster = text("cluster")
    if api is None and cluster:
        api = f"https://api-{cluster}.nice-incontact.com"  # the fallback a live client uses
    if api is None:
        raise CXoneError(f"{where}: the discovery document names no api_endpoint", body=body)
    parts = urlsplit(api)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CXoneError(f"{where}: api_endpoint {api!r} is not an http(s) URL")
    return Discovery(
        api_endpoint=api.rstrip("/"),
        auth_endpoint=text("auth_endpoint", "authEndpoint"),
        area=text("area"),
        cluster=cluster,
        tenant_id=tenant_id,
    )


def default_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir("cxone-outbound")) / "discovery.json"


class DiscoveryCache:
    """Discovery answers on disk, each for `ttl_s` seconds of wall time (injected `now`)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        ttl_s: float = CACHE_TTL_S,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.path = path or default_cache_path()
        self.ttl_s = ttl_s
        self._now = now

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Discovery | None:
        entry = self._read().get(key)
        if not isinstance(entry, dict) or self._now() - float(entry.get("at", 0)) > self.ttl_s:
            return None
        try:
            found = Discovery(**entry["discovery"])
        except (KeyError, TypeError):
            return None
        return Discovery(**{**asdict(found), "source": "cache"})

    def put(self, key: str, discovery: Discovery) -> None:
        data = self._read()
        data[key] = {"at": self._now(), "discovery": asdict(discovery)}
        with contextlib.suppress(OSError):  # a cache we cannot write only costs a request
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self.path)


def configured(settings: Settings) -> Discovery | None:
    """The API host when `api_url` is set (no discovery request then)."""
    if settings.api_url is None:
        return None
    return Discovery(api_endpoint=settings.api_url.rstrip("/"), tenant_id=settings.tenant_id,
                     source="configured")


def require_tenant(tenant_id: str | None) -> str:
    if not tenant_id:
        raise ConfigurationError(
            "cannot discover the API host: neither the id_token's tenantId claim nor GET "
            "business-unit names the tenant; set tenant_id (CXONE_TENANT_ID) or api_url "
            "(CXONE_API_URL)"
        )
    return tenant_id
