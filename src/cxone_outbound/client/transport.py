"""One async request layer over a pooled aiohttp session: the only place the client does I/O.

Each logical call gets a request id per attempt, a bearer token, a rate-limiter token and a
concurrency slot, then the retry policy decides what a failure means. The observer hears about
every attempt. Errors leave as `client.errors` classes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import orjson
from yarl import URL

from cxone_outbound._version import __version__
from cxone_outbound.client.auth import AccessToken, TokenProvider
from cxone_outbound.client.clock import Clock, SystemClock
from cxone_outbound.client.errors import (
    ConfigurationError,
    TransportError,
    error_from_response,
)
from cxone_outbound.client.events import RequestEvent, RequestObserver
from cxone_outbound.client.ratelimit import AdaptiveRateLimiter
from cxone_outbound.client.retry import (
    Outcome,
    RetryPolicy,
    RetryQuota,
    is_retryable_status,
    parse_retry_after,
)
from cxone_outbound.client.watchdog import ReadWatchdog
from cxone_outbound.config import Settings

USER_AGENT = f"cxone-outbound/{__version__}"
JSON_TYPE = "application/json"


class Response:
    """A final HTTP answer (after retries), body read. A plain slotted class: it is built once
    per request, where a frozen dataclass's guarded `__init__` costs measurably more."""

    __slots__ = ("attempts", "content", "headers", "request_id", "status")

    def __init__(
        self,
        status: int,
        headers: Mapping[str, str],
        content: bytes,
        request_id: str,  # the X-Request-Id of the attempt that produced this answer
        attempts: int,
    ) -> None:
        self.status = status
        self.headers = headers
        self.content = content
        self.request_id = request_id
        self.attempts = attempts

    def __repr__(self) -> str:
        return f"Response(status={self.status}, request_id={self.request_id!r})"

    def json(self) -> Any:
        """The body parsed as JSON (None for an empty body)."""
        return orjson.loads(self.content) if self.content else None

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


def _id_prefix() -> str:
    """80 random bits laid out as the first four groups of a UUID4 (version and variant set)."""
    h = f"{(random.SystemRandom().getrandbits(128) & _V4_MASK) | _V4_BITS:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"


_V4_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_V4_BITS = (0x4 << 76) | (0x2 << 62)
_id_prefix_now = _id_prefix()
_id_counter = itertools.count(random.SystemRandom().getrandbits(40))


def _reseed_ids() -> None:
    global _id_prefix_now, _id_counter
    _id_prefix_now = _id_prefix()
    _id_counter = itertools.count(random.SystemRandom().getrandbits(40))


os.register_at_fork(after_in_child=_reseed_ids)  # a forked child must not repeat our ids


def new_request_id() -> str:
    """A UUID4-formatted X-Request-Id: a random per-process prefix and a counter (unique, not
    secret), about ten times cheaper than `str(uuid.uuid4())` on the per-request path."""
    return f"{_id_prefix_now}{next(_id_counter) & 0xFFFFFFFFFFFF:012x}"


def new_idempotency_key() -> str:
    """A fresh key for one logical POST (reused by all its retries)."""
    return str(uuid.uuid4())


def _wants_token_replay(response: Response) -> bool:
    """A 401 the server explains as a bad token (or does not explain): worth one fresh token."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if "error=" in challenge:
        return "invalid_token" in challenge
    try:
        body = response.json()
    except orjson.JSONDecodeError:
        return True
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        code = str(body["error"].get("code", "")).lower()
        return code in {"", "invalid_token", "token_expired", "unauthorized"}
    return True


class Transport:
    """Sends requests with retries, rate limiting, auth and events; shared by all workers."""

    def __init__(
        self,
        settings: Settings,
        *,
        observer: RequestObserver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        policy: RetryPolicy | None = None,
        quota: RetryQuota | None = None,
        limiter: AdaptiveRateLimiter | None = None,
    ) -> None:
        base = urlsplit(settings.base_url)
        if base.scheme not in {"http", "https"} or not base.netloc:
            raise ConfigurationError(f"base URL {settings.base_url!r} is not an http(s) URL")
        self.settings = settings
        self._base = str(URL(settings.base_url.rstrip("/")))  # encoded once, here
        self._origin = (base.scheme, base.netloc)
        self._observer = observer
        self.clock: Clock = clock or SystemClock()
        self._rng = rng or random.Random()
        self.policy = policy or RetryPolicy(
            max_attempts=settings.max_attempts, deadline=settings.deadline
        )
        self.quota = quota or RetryQuota()
        self.limiter = limiter or AdaptiveRateLimiter(
            settings.max_rate, settings.concurrency, self.clock
        )
        self.auth = TokenProvider(settings, self._post_token, self.clock)
        self._watchdog = ReadWatchdog(settings.read_timeout)
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.settings.concurrency + 2,  # +2: token requests never starve
                    keepalive_timeout=30.0,
                    ttl_dns_cache=300,
                ),
                # the read timeout is `self._watchdog`'s (client/watchdog.py: no timer per read)
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.settings.connect_timeout
                ),
                headers={"User-Agent": USER_AGENT, "Accept": JSON_TYPE},
                raise_for_status=False,
            )

    async def close(self) -> None:
        await self._watchdog.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- the public seam -------------------------------------------------------------------
    def url_for(self, path: str) -> str:
        """Absolute URL of an API path (or of a same-origin absolute URL, e.g. a next page)."""
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            if (parts.scheme, parts.netloc) != self._origin:
                # Following it would send our bearer token to another host.
                raise TransportError(f"refusing to follow {path!r}: not on {self._base}")
            return path
        return self._base + (path if path.startswith("/") else "/" + path)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Response:
        """Send one logical call; a 2xx/3xx answer is returned, anything else raised.

        `json` is serialised with orjson (or pass raw `content` with a Content-Type header).
        A POST is retried only with an `idempotency_key`, sent as `Idempotency-Key` on every
        attempt.
        """
        method = method.upper()
        send_headers: dict[str, str] = dict(headers) if headers else {}
        if json is not None:
            content = orjson.dumps(json)
            send_headers["Content-Type"] = JSON_TYPE
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        url = self.url_for(path)
        if params:
            query = urlencode({k: v for k, v in params.items() if v is not None})
            url += ("&" if "?" in url else "?") + query
        shown = url[len(self._base) :] if url.startswith(self._base) else path
        # Our paths are built encoded (ids through `api.seg`): sent as they are, an id `..`
        # (`%2E%2E`) is not normalised onto another resource, and nothing is quoted twice.
        target: str | URL = url if path.startswith(("http://", "https://")) else URL(
            url, encoded=True
        )
        response, note = await self._exchange(
            method, target, shown, send_headers, content, idempotency_key, authenticated=True
        )
        if response.status < 400:
            return response
        try:
            body = response.json()
        except orjson.JSONDecodeError:
            body = None
        raise error_from_response(
            response.status,
            body,
            context=f"{method} {shown}",
            request_id=response.headers.get("X-Request-Id") or response.request_id,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            note=note,
            # API.md §2: a keyed POST's 409 is its reused key; the admin API documents no key
            keyed_409_is_reuse=idempotency_key is not None and self.settings.dialect == "v2",
        )

    # -- the retry loop --------------------------------------------------------------------
    async def _exchange(
        self,
        method: str,
        url: str | URL,
        shown: str,
        headers: dict[str, str],
        content: bytes | None,
        idempotency_key: str | None,
        *,
        authenticated: bool,
        replay_safe: bool = False,
    ) -> tuple[Response, str]:
        """The final answer of a logical call and, if retries stopped short, why."""
        if self._session is None:
            await self.open()
        session = self._session
        assert session is not None
        clock = self.clock
        limiter = self.limiter
        observer = self._observer
        start = clock.monotonic()
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - a coroutine always runs in a task
            raise RuntimeError("requests are sent from a task")
        attempt = 0
        replayed_auth = False
        quota_taken = 0
        while True:
            attempt += 1
            request_id = new_request_id()
            headers["X-Request-Id"] = request_id
            token: AccessToken | None = None
            if authenticated:
                token = self.auth.fresh() or await self.auth.token()
                headers["Authorization"] = token.authorization
            sent_at = limiter.try_acquire()
            if sent_at is None:
                sent_at = await limiter.acquire()
            failure: BaseException | None = None
            response: Response | None = None
            watch = self._watchdog.watch(task, len(content) if content else 0)
            try:
                async with session.request(method, url, headers=headers, data=content) as raw:
                    watch.response = raw
                    response = Response(
                        raw.status, raw.headers, await raw.read(), request_id, attempt
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                failure = exc
            except asyncio.CancelledError:
                if not watch.absorb():
                    raise
                failure = TimeoutError(
                    f"no data for {self.settings.read_timeout:g} s (read timeout)"
                )
            finally:
                self._watchdog.done(watch)
                limiter.release()
            now = clock.monotonic()

            if response is not None:
                status = response.status
                if status < 400:
                    limiter.on_response(sent_at, throttled=False, headers=response.headers)
                    if quota_taken:
                        self.quota.refund(quota_taken)
                    else:
                        self.quota.on_success()
                    if observer is not None:
                        observer(
                            RequestEvent(
                                method, shown, status, now - sent_at, attempt, request_id,
                                idempotency_key=idempotency_key,
                            )
                        )
                    return response, ""
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                limiter.on_response(
                    sent_at, throttled=status == 429, retry_after=retry_after,
                    headers=response.headers,
                )
                if (
                    status == 401
                    and authenticated
                    and not replayed_auth
                    and _wants_token_replay(response)
                ):
                    replayed_auth = True
                    self.auth.invalidate(token)
                    self._observe(
                        method, shown, status, now - sent_at, attempt, request_id,
                        "invalid_token", None, True, idempotency_key,
                    )
                    continue
                outcome = Outcome(status, retry_after)
            else:
                outcome = Outcome(None)
            decision = self.policy.decide(
                outcome,
                method=method,
                has_idempotency_key=replay_safe or idempotency_key is not None,
                attempt=attempt,
                elapsed=now - start,
                rng=self._rng,
                quota=self.quota,
            )
            error_code = None
            if failure is not None:
                error_code = "TIMEOUT" if isinstance(failure, TimeoutError) else "CONNECTION_ERROR"
            self._observe(
                method, shown, outcome.status, now - sent_at, attempt, request_id,
                error_code, outcome.retry_after, decision.retry, idempotency_key,
            )
            if not decision.retry:
                note = (
                    decision.reason
                    if outcome.status is None or is_retryable_status(outcome.status)
                    else ""
                )
                if response is None:
                    what = "timed out" if error_code == "TIMEOUT" else "failed"
                    raise TransportError(
                        f"{method} {shown}: {what} without an HTTP answer "
                        f"({type(failure).__name__}: {failure}; {note})",
                        code=error_code,
                        request_id=request_id,
                    ) from failure
                return response, note
            quota_taken = decision.quota_taken
            if decision.delay > 0:
                await clock.sleep(decision.delay)

    def _observe(
        self,
        method: str,
        path: str,
        status: int | None,
        elapsed: float,
        attempt: int,
        request_id: str,
        error_code: str | None,
        retry_after: float | None,
        will_retry: bool,
        idempotency_key: str | None,
    ) -> None:
        if self._observer is not None:
            self._observer(
                RequestEvent(
                    method, path, status, elapsed, attempt, request_id,
                    error_code=error_code, retry_after_s=retry_after,
                    will_retry=will_retry, idempotency_key=idempotency_key,
                )
            )

    async def _post_token(
        self, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        """The token request: same pool, limiter, retries and events; no bearer token.

        A client-credentials grant changes nothing on the server, so it is retried like a GET.
        """
        url = self.settings.effective_token_url  # configured, so it may be another host
        shown = urlsplit(url).path
        response, _ = await self._exchange(
            "POST", url, shown, dict(headers), body, None, authenticated=False, replay_safe=True
        )
        return response.status, response.headers, response.content

