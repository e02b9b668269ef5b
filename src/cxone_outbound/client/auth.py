"""Access tokens by OAuth 2.0 client credentials (API.md §1): cached, refreshed ahead, shared.

Every worker asks `TokenProvider.token()` before each attempt. The fast path is a clock read.
Within the advisory window before expiry the callers refresh (one request, shared by all of them:
single-flight), and if that refresh fails they keep the still-valid token, as botocore's
refreshable credentials do; within the mandatory window a failed refresh is raised. The transport
calls `invalidate` on a 401 `invalid_token` and replays once.

Secrets (client secret, access token) never reach a repr, a log line or an exception.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

import orjson

from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import (
    AuthError,
    CXoneError,
    PermissionDenied,
    error_from_response,
)
from cxone_outbound.config import Settings

log = logging.getLogger(__name__)

DEFAULT_LIFETIME_S = 3600.0  # when the server omits expires_in (RFC 6749 makes it optional)

TokenFetch = Callable[[bytes, Mapping[str, str]], Awaitable[tuple[int, Mapping[str, str], bytes]]]
"""POST a form body with headers to the token endpoint; answer (status, headers, body).

The transport provides it (with its retries, limiter and events) so this module does no I/O.
"""


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token and what the server said about it. The value never shows in its repr."""

    value: str = field(repr=False)
    token_type: str
    scopes: tuple[str, ...]
    lifetime_s: float
    obtained_at: float  # clock.monotonic() when it was requested

    @property
    def expires_at(self) -> float:
        return self.obtained_at + self.lifetime_s

    @property
    def authorization(self) -> str:
        return f"Bearer {self.value}"

    @property
    def advisory_window_s(self) -> float:
        """Refresh this long before expiry (and keep the old token if that fails)."""
        return min(60.0, self.lifetime_s * 0.2)

    @property
    def mandatory_window_s(self) -> float:
        """Within this long of expiry the token is not used any more."""
        return min(10.0, self.lifetime_s * 0.05)


def token_request(settings: Settings) -> tuple[bytes, dict[str, str]]:
    """The form body and headers of a client-credentials token request (RFC 6749 §4.4)."""
    form = {"grant_type": "client_credentials"}
    if settings.scopes:
        form["scope"] = " ".join(settings.scopes)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json",
    }
    secret = settings.client_secret.get_secret_value()
    if settings.auth_method == "basic":
        # RFC 6749 §2.3.1: form-encode id and secret, then Base64 "id:secret".
        pair = f"{quote_plus(settings.client_id)}:{quote_plus(secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    else:
        form["client_id"] = settings.client_id
        form["client_secret"] = secret
    return urlencode(form).encode("ascii"), headers


def parse_token_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    settings: Settings,
    obtained_at: float,
) -> AccessToken:
    """The token in a 200 answer, or the error that names why there is none."""
    parsed: Any
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    where = f"POST {settings.effective_token_url}"
    request_id = headers.get("X-Request-Id")
    if status != 200:
        code = parsed.get("error") if isinstance(parsed, Mapping) else None
        if isinstance(code, Mapping):
            code = code.get("code")
        code = str(code).lower() if code is not None else None
        if code == "invalid_client" or (status == 401 and code is None):
            raise AuthError(
                f"{where}: the token endpoint refused client id {settings.client_id!r} "
                "(invalid_client): check the client id and secret "
                f"(sent as {'HTTP Basic' if settings.auth_method == 'basic' else 'body fields'})",
                status=status,
                code="invalid_client",
                request_id=request_id,
            )
        if code == "invalid_scope":
            raise PermissionDenied(
                f"{where}: the token endpoint refused the requested scopes "
                f"({' '.join(settings.scopes)}) (invalid_scope): grant them to client "
                f"{settings.client_id!r} or request fewer",
                status=status,
                code="invalid_scope",
                request_id=request_id,
            )
        if code in {"invalid_request", "unsupported_grant_type", "unauthorized_client"}:
            raise AuthError(
                f"{where}: the token endpoint refused the request ({code})",
                status=status,
                code=code,
                request_id=request_id,
            )
        raise error_from_response(
            status, parsed, context=where, request_id=request_id, note="while fetching a token"
        )
    if not isinstance(parsed, Mapping) or not isinstance(parsed.get("access_token"), str):
        # Never attach the body: it may hold a token.
        raise AuthError(
            f"{where}: the token endpoint answered 200 without an access_token",
            status=status,
            request_id=request_id,
        )
    lifetime = parsed.get("expires_in", DEFAULT_LIFETIME_S)
    try:
        lifetime_s = float(lifetime)
    except (TypeError, ValueError):
        lifetime_s = DEFAULT_LIFETIME_S
    if lifetime_s <= 0:
        lifetime_s = DEFAULT_LIFETIME_S
    scope = parsed.get("scope")
    scopes = tuple(scope.split()) if isinstance(scope, str) else tuple(settings.scopes)
    return AccessToken(
        value=parsed["access_token"],
        token_type=str(parsed.get("token_type", "Bearer")),
        scopes=scopes,
        lifetime_s=lifetime_s,
        obtained_at=obtained_at,
    )


class TokenProvider:
    """Hands out a valid token; fetches a new one only when needed, once for all callers."""

    def __init__(self, settings: Settings, fetch: TokenFetch, clock: Clock) -> None:
        self._settings = settings
        self._fetch = fetch
        self._clock = clock
        self._token: AccessToken | None = None
        self._refresh_at = -math.inf  # when the cached token enters its refresh window
        self._inflight: asyncio.Future[AccessToken] | None = None
        self.fetches = 0  # token requests made (for `cxo auth check` and tests)

    def __repr__(self) -> str:
        cached = self._token is not None
        return f"TokenProvider(client_id={self._settings.client_id!r}, cached={cached})"

    @property
    def current(self) -> AccessToken | None:
        return self._token

    def fresh(self) -> AccessToken | None:
        """The cached token if it is outside its refresh window (no await: the fast path)."""
        if self._clock.monotonic() < self._refresh_at:
            return self._token
        return None

    async def token(self) -> AccessToken:
        """A token valid for a while yet."""
        token = self._token
        if token is not None:
            remaining = token.expires_at - self._clock.monotonic()
            if remaining > token.advisory_window_s:
                return token
            if remaining > token.mandatory_window_s:
                try:
                    return await self.refresh()
                except CXoneError as exc:
                    log.warning("token refresh ahead of expiry failed, keeping the old: %s", exc)
                    return token
        return await self.refresh()

    def invalidate(self, token: AccessToken | None) -> None:
        """Forget `token` (the server refused it); a newer token fetched meanwhile is kept."""
        if token is not None and self._token is token:
            self._token = None
            self._refresh_at = -math.inf

    async def refresh(self) -> AccessToken:
        """Fetch a new token; concurrent callers share one request (single-flight)."""
        if self._inflight is None:
            task = asyncio.ensure_future(self._fetch_token())
            self._inflight = task
            task.add_done_callback(self._fetch_done)
        # shield: a cancelled caller must not cancel the fetch the others wait on.
        return await asyncio.shield(self._inflight)

    def _fetch_done(self, task: asyncio.Future[AccessToken]) -> None:
        self._inflight = None
        if not task.cancelled() and task.exception() is None:
            token = self._token = task.result()
            self._refresh_at = token.expires_at - token.advisory_window_s

    async def _fetch_token(self) -> AccessToken:
        self.fetches += 1
        body, headers = token_request(self._settings)
        obtained_at = self._clock.monotonic()
        status, answer_headers, answer = await self._fetch(body, headers)
        return parse_token_response(
            status, answer_headers, answer, settings=self._settings, obtained_at=obtained_at
        )
