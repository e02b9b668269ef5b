"""AdminSession: the transport of a real tenant — access-key login, discovery, versioned paths.

Two transports share one token provider: one talks to the auth host (token service and
discovery, no bearer token), the other to the discovered API host, where every path goes under
`/inContactAPI/services/vNN.0/` with the version configured per resource. Retries, the adaptive
limiter, request events and 401 replay are the core transport's, unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.auth import AdminTokenProvider
from cxone_outbound.client.admin.discovery import (
    Discovery,
    DiscoveryCache,
    configured,
    discovery_url,
    parse_discovery,
    require_tenant,
)
from cxone_outbound.client.auth import AccessToken
from cxone_outbound.client.clock import Clock, SystemClock
from cxone_outbound.client.errors import CXoneError, error_from_response
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.retry import RetryPolicy
from cxone_outbound.client.transport import Response, Transport
from cxone_outbound.config import Settings
from cxone_outbound.lifecycle import AsyncResource

SERVICES_PREFIX = "/inContactAPI/services"
DEFAULT_VERSIONS: Mapping[str, str] = {
    "lists": "v31.0",
    "dnc-groups": "v31.0",
    "skills": "v31.0",
    "campaigns": "v33.0",
}
"""The API version each resource is called at unless `api_versions` says otherwise."""
THROTTLE_DELAYS = (2.0, 6.0)
"""Waits after a 429 without `Retry-After` (a tenant sends none reliably): the live client S2
backs off 2 s, then 6 s."""


def admin_retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy of a tenant's transports: v2's, with S2's backoff on a bare 429."""
    return RetryPolicy(max_attempts=settings.max_attempts, deadline=settings.deadline,
                       throttle_delays=THROTTLE_DELAYS)


def api_version(settings: Settings, resource: str) -> str:
    return settings.api_versions.get(resource) or DEFAULT_VERSIONS.get(resource, "v31.0")


def service_path(settings: Settings, resource: str, path: str) -> str:
    """`lists`, `/lists/call-lists` -> `/inContactAPI/services/v33.0/lists/call-lists`."""
    return f"{SERVICES_PREFIX}/{api_version(settings, resource)}/{path.lstrip('/')}"


class AdminSession(AsyncResource):
    """Logged-in access to one tenant's Admin API. `async with AdminSession(settings) as s:`."""

    def __init__(
        self,
        settings: Settings,
        *,
        observer: RequestObserver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        cache: DiscoveryCache | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._observer = observer
        self._rng = rng or random.Random()
        self._cache = cache if cache is not None else DiscoveryCache()
        self._auth_transport = Transport(settings, observer=observer, clock=self.clock, rng=rng,
                                         policy=admin_retry_policy(settings))
        self.auth = AdminTokenProvider(settings, self._post, self.clock)
        self.discovery: Discovery | None = None
        self._api: Transport | None = None
        self._tenant_id: str | None = None  # from `GET business-unit`, when the token lacks it

    async def open(self) -> None:
        """Log in, find the API host, and open the API transport."""
        if self._api is not None:
            return
        await self._auth_transport.open()
        try:
            await self.auth.token()
            self.discovery = await self.discover()
            api_settings = self.settings.model_copy(
                update={"base_url": self.discovery.api_endpoint}
            )
            api = Transport(api_settings, observer=self._observer, clock=self.clock, rng=self._rng,
                            policy=admin_retry_policy(api_settings))
            api.auth = self.auth
            await api.open()
            self._api = api
        except BaseException:
            await self._auth_transport.close()
            raise

    async def close(self) -> None:
        if self._api is not None:
            await self._api.close()
            self._api = None
        await self._auth_transport.close()

    @property
    def transport(self) -> Transport:
        """The API host's transport (after `open`)."""
        if self._api is None:
            raise CXoneError("the admin session is not open")
        return self._api

    async def fetch_token(self) -> AccessToken:
        """A fresh token now (a refresh once logged in): what `cxo auth check` shows."""
        return await self.auth.refresh()

    async def tenant_id(self) -> str:
        """The tenant id: the id_token's `tenantId` (or `tenant_id` set), else
        `GET business-unit` -> `businessUnits[0].tenantId` (S4), asked once."""
        if self.auth.tenant_id:
            return self.auth.tenant_id
        if self._tenant_id is None:
            self._tenant_id = await self._business_unit_tenant()
        return self._tenant_id

    async def _business_unit_tenant(self) -> str:
        """Asked of the API host known without discovery: `api_url`, else the id_token's
        cluster's (S2's fallback), else the auth host itself."""
        session = self.auth.session
        cluster = session.cluster if session else None
        host = (self.settings.api_url
                or (f"https://api-{cluster.lower()}.nice-incontact.com" if cluster else None)
                or self.settings.base_url).rstrip("/")
        shown = service_path(self.settings, "business-unit", "business-unit")
        token = await self.auth.token()
        response, note = await self._auth_transport._exchange(
            "GET", host + shown, shown,
            {"Accept": "application/json", "Authorization": f"Bearer {token.value}"},
            None, None, authenticated=False,
        )
        body = _json(response)
        if response.status >= 400:
            raise error_from_response(response.status, body, context=f"GET {shown}",
                                      request_id=response.request_id,
                                      note=note or "looking up the tenant id")
        tenant = contract.rows(contract.BUSINESS_UNIT, body)
        value = tenant[0]["tenantId"] if tenant else None
        return require_tenant(value if isinstance(value, str) else None)

    async def discover(self) -> Discovery:
        """The API host: configured, cached, or asked of the discovery endpoint."""
        fixed = configured(self.settings)
        if fixed is not None:
            return fixed
        tenant = await self.tenant_id()
        url = discovery_url(self.settings, tenant)
        cached = self._cache.get(url)
        if cached is not None:
            return cached
        shown = urlsplit(url).path
        response, note = await self._auth_transport._exchange(  # no bearer token here
            "GET", url, shown, {}, None, None, authenticated=False
        )
        body = _json(response)
        if response.status >= 400:
            raise error_from_response(
                response.status, body, context=f"GET {shown}",
                request_id=response.request_id, note=note or "during discovery",
            )
        found = parse_discovery(body, tenant_id=tenant, where=f"GET {url}")
        self._cache.put(url, found)
        return found

    async def _post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        """A token request: same pool, limiter, retries and events; no bearer token.

        Logging in or refreshing twice changes nothing a caller can see, so it is retried
        like a GET.
        """
        response, _ = await self._auth_transport._exchange(
            "POST", url, urlsplit(url).path, dict(headers), body, None,
            authenticated=False, replay_safe=True,
        )
        return response.status, response.headers, response.content

    async def request(self, method: str, resource: str, path: str, **kw: Any) -> Response:
        """A call to `path` of `resource` at its configured version (or an absolute next link)."""
        target = path if path.startswith(("http://", "https://")) else service_path(
            self.settings, resource, path
        )
        return await self.transport.request(method, target, **kw)


def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
