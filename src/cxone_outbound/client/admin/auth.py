"""Access-key authentication for a real tenant (CXONE-REAL.md): login, refresh, tenant id.

Two documented ways in, chosen by `settings.admin_auth`:

- `password`: OAuth2 password grant at `{base_url}/auth/token`, the access key id and secret as
  username and password, the registered app's client id and secret as HTTP Basic;
- `access-key`: `POST {base_url}/authentication/v1/token/access-key` with JSON
  `{accessKeyId, accessKeySecret}` (no app registration needed).

A token near expiry is renewed with its refresh token (`grant_type=refresh_token`, or
`POST /public/user/refresh {"token"}`, a path no public source confirms); if the refresh fails
in any way (refused, not served, a 5xx, no answer) the provider logs in again with the access
key, as the live client S2 does. The tenant id the discovery needs is a claim of the id_token,
read without verifying the signature: the token came straight from the issuer over the
connection we opened; where it is missing the session asks `GET business-unit` (session.py).
The request building and answer parsing are pure; `AdminTokenProvider` does the I/O through an
injected `post` callable (the transport's, with its retries, limiter and events).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import orjson

from cxone_outbound.client.auth import DEFAULT_LIFETIME_S, AccessToken, TokenProvider
from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import (
    AuthError,
    ConfigurationError,
    CXoneError,
    error_from_response,
)
from cxone_outbound.config import Settings

log = logging.getLogger(__name__)

PASSWORD_TOKEN_PATH = "/auth/token"  # noqa: S105 - a path, not a secret
ACCESS_KEY_TOKEN_PATH = "/authentication/v1/token/access-key"  # noqa: S105 - a path
ACCESS_KEY_REFRESH_PATH = "/public/user/refresh"
TENANT_CLAIMS = ("tenantId", "tenant_id")  # `tenant` is the tenant's name, not its id (S2)

Post = Callable[[str, bytes, Mapping[str, str]], Awaitable[tuple[int, Mapping[str, str], bytes]]]
"""POST (url, body, headers) without a bearer token; answer (status, headers, body)."""


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """One request to the token service: where, what, how. The body holds secrets: no repr."""

    url: str
    body: bytes = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    kind: str  # "login" | "refresh"


@dataclass(frozen=True, slots=True)
class AdminToken:
    """What a login or refresh answered: the bearer token plus refresh token and tenant id."""

    access: AccessToken
    refresh_token: str | None = field(default=None, repr=False)
    tenant_id: str | None = None
    issuer: str | None = None
    cluster: str | None = None  # the id_token's icClusterId (S2): the API host's fallback


def token_url(settings: Settings, kind: str = "login") -> str:
    """The endpoint of a login or a refresh for the configured `admin_auth` method."""
    base = settings.base_url.rstrip("/")
    if settings.admin_auth == "password":
        return settings.token_url or base + PASSWORD_TOKEN_PATH
    if kind == "refresh":
        return base + ACCESS_KEY_REFRESH_PATH
    return settings.token_url or base + ACCESS_KEY_TOKEN_PATH


def _access_key(settings: Settings) -> tuple[str, str]:
    key_id = (settings.access_key_id or "").strip()
    secret = settings.access_key_secret.get_secret_value() if settings.access_key_secret else ""
    if not key_id or not secret:
        raise ConfigurationError(
            "the admin dialect needs an access key: set access_key_id and access_key_secret "
            "(CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET); see docs/real-tenant.md"
        )
    return key_id, secret


def _basic(settings: Settings) -> str:
    secret = settings.client_secret.get_secret_value()
    pair = f"{quote_plus(settings.client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def login_request(settings: Settings) -> TokenRequest:
    """The first request of a session: the access key for tokens."""
    key_id, secret = _access_key(settings)
    url = token_url(settings)
    if settings.admin_auth == "password":
        form = {"grant_type": "password", "username": key_id, "password": secret}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": _basic(settings),
        }
        return TokenRequest(url, urlencode(form).encode("ascii"), headers, "login")
    body = orjson.dumps({"accessKeyId": key_id, "accessKeySecret": secret})
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    return TokenRequest(url, body, headers, "login")


def refresh_request(settings: Settings, refresh_token: str) -> TokenRequest:
    """A renewal by refresh token (no access key sent)."""
    url = token_url(settings, "refresh")
    if settings.admin_auth == "password":
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Authorization": _basic(settings),
        }
        return TokenRequest(url, urlencode(form).encode("ascii"), headers, "refresh")
    body = orjson.dumps({"token": refresh_token})
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    return TokenRequest(url, body, headers, "refresh")


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified; {} when it is not one."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def tenant_from_claims(claims: Mapping[str, Any]) -> str | None:
    for name in TENANT_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _first(parsed: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if parsed.get(name) is not None:
            return parsed[name]
    return None


def parse_admin_token(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    request: TokenRequest,
    settings: Settings,
    obtained_at: float,
) -> AdminToken:
    """The tokens in a 200 answer, or the error naming why there are none (never a secret)."""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    where = f"POST {request.url}"
    request_id = headers.get("X-Request-Id") or headers.get("CorrelationId")
    if status != 200:
        code = parsed.get("error") if isinstance(parsed, Mapping) else None
        code = code if isinstance(code, str) else None
        if status in (400, 401) and request.kind == "login":
            what = "access key" if settings.admin_auth == "access-key" else "access key or app"
            raise AuthError(
                f"{where}: the token service refused the {what} "
                f"(access key id {settings.access_key_id!r}, {code or f'HTTP {status}'}): "
                "check access_key_id/access_key_secret"
                + (" and the app's client_id/client_secret" if what != "access key" else ""),
                status=status,
                code=code or "invalid_grant",
                request_id=request_id,
            )
        raise error_from_response(
            status, parsed, context=where, request_id=request_id, note=f"during {request.kind}"
        )
    if not isinstance(parsed, Mapping):
        raise AuthError(f"{where}: the token service answered 200 without JSON", status=status)
    access = _first(parsed, "access_token", "accessToken", "token")
    if not isinstance(access, str) or not access:
        raise AuthError(
            f"{where}: the token service answered 200 without an access token", status=status
        )
    try:
        lifetime_s = float(_first(parsed, "expires_in", "expiresIn") or DEFAULT_LIFETIME_S)
    except (TypeError, ValueError):
        lifetime_s = DEFAULT_LIFETIME_S
    if lifetime_s <= 0:
        lifetime_s = DEFAULT_LIFETIME_S
    refresh = _first(parsed, "refresh_token", "refreshToken")
    id_token = _first(parsed, "id_token", "idToken")
    claims = jwt_claims(id_token) if isinstance(id_token, str) else {}
    if not claims:
        claims = jwt_claims(access)
    scope = parsed.get("scope")
    return AdminToken(
        access=AccessToken(
            value=access,
            token_type=str(_first(parsed, "token_type", "tokenType") or "Bearer"),
            scopes=tuple(scope.split()) if isinstance(scope, str) else (),
            lifetime_s=lifetime_s,
            obtained_at=obtained_at,
        ),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        tenant_id=settings.tenant_id or tenant_from_claims(claims),
        issuer=claims.get("iss") if isinstance(claims.get("iss"), str) else None,
        cluster=str(claims["icClusterId"]) if claims.get("icClusterId") else None,
    )


class AdminTokenProvider(TokenProvider):
    """TokenProvider (cache, refresh-ahead, single-flight, 401 replay) over access-key login.

    The first fetch logs in; later fetches use the refresh token and fall back to a fresh login
    when the refresh is refused. `logins` and `refreshes` count what was done.
    """

    def __init__(self, settings: Settings, post: Post, clock: Clock) -> None:
        super().__init__(settings, _unused_fetch, clock)
        self._post = post
        self.session: AdminToken | None = None
        self.logins = 0
        self.refreshes = 0

    def __repr__(self) -> str:
        return (
            f"AdminTokenProvider(access_key_id={self._settings.access_key_id!r}, "
            f"cached={self._token is not None})"
        )

    @property
    def tenant_id(self) -> str | None:
        return self.session.tenant_id if self.session else None

    async def _fetch_token(self) -> AccessToken:
        self.fetches += 1
        previous = self.session
        if previous is not None and previous.refresh_token:
            try:
                renewed = await self._send(refresh_request(self._settings, previous.refresh_token))
            except CXoneError as exc:  # any failure: the access key still logs in
                log.info("refresh failed, logging in again: %s", exc)
            else:
                self.refreshes += 1
                if renewed.refresh_token is None or renewed.tenant_id is None:
                    renewed = AdminToken(
                        renewed.access,
                        renewed.refresh_token or previous.refresh_token,
                        renewed.tenant_id or previous.tenant_id,
                        renewed.issuer or previous.issuer,
                        renewed.cluster or previous.cluster,
                    )
                self.session = renewed
                return renewed.access
        self.session = await self._send(login_request(self._settings))
        self.logins += 1
        return self.session.access

    async def _send(self, request: TokenRequest) -> AdminToken:
        obtained_at = self._clock.monotonic()
        status, headers, body = await self._post(request.url, request.body, request.headers)
        if status in (400, 401) and request.kind == "refresh":
            raise AuthError(f"POST {request.url}: refresh refused (HTTP {status})", status=status)
        return parse_admin_token(
            status, headers, body, request=request, settings=self._settings,
            obtained_at=obtained_at,
        )


async def _unused_fetch(
    body: bytes, headers: Mapping[str, str]
) -> tuple[int, Mapping[str, str], bytes]:
    raise AssertionError("AdminTokenProvider fetches through its own post")  # pragma: no cover
