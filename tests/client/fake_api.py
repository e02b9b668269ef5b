"""A controllable fake of the API on a real loopback port, for the client core's tests.

Not the sandbox: a small aiohttp.web app whose every behaviour a test sets directly (canned
answers per route, scripted faults, token lifetime and errors, a server-side rate limit), and
which records every request it saw.
"""

from __future__ import annotations

import asyncio
import base64
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import orjson
from aiohttp import web
from multidict import CIMultiDict

from cxone_outbound.config import Settings

CLIENT_ID = "test-client"
CLIENT_SECRET = "s3cr3t-VALUE-never-shown"


@dataclass
class Reply:
    """One canned answer. `drop` closes the connection without answering."""

    status: int = 200
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class ServerBucket:
    """The server's own rate limit: a token bucket on real time."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken, else seconds until one will be there."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


Handler = Callable[[Seen], Reply]


class FakeApi:
    """State and behaviour of the fake server; tests change it freely between calls."""

    def __init__(self) -> None:
        self.url = ""
        self.seen: list[Seen] = []
        self.routes: dict[tuple[str, str], Reply | Handler] = {}
        self.scripts: dict[tuple[str, str], deque[Reply]] = {}
        self.token_lifetime = 3600
        self.token_delay = 0.0
        self.token_error: Reply | None = None
        self.token_requests = 0
        self.valid_tokens: set[str] = set()
        self.refuse_every_token = False
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.bucket: ServerBucket | None = None
        self.throttled = 0
        self.rate_headers: dict[str, str] = {}

    # -- set-up helpers used by tests -------------------------------------------------------
    def reply(self, method: str, path: str, reply: Reply | Handler) -> None:
        self.routes[(method, path)] = reply

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answers served (in order) before the route's own, one per request."""
        self.scripts.setdefault((method, path), deque()).extend(replies)

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "base_url": self.url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
        values.update(overrides)
        return Settings(**values)

    # -- the server ------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        seen = Seen(
            request.method,
            request.path,
            request.query_string,
            CIMultiDict(request.headers),
            await request.read(),
        )
        self.seen.append(seen)
        if request.path == "/oauth/token":
            return await self._token(seen)
        auth = seen.headers.get("Authorization", "")
        bearer = auth[7:] if auth.startswith("Bearer ") else ""
        if self.refuse_every_token or bearer not in self.valid_tokens:
            return _json(
                401,
                {"error": {"code": "UNAUTHORIZED", "message": "bad token"}, "requestId": "r"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            if self.bucket is not None:
                wait = self.bucket.take()
                if wait:
                    self.throttled += 1
                    return _json(
                        429,
                        {"error": {"code": "RATE_LIMITED", "message": "slow down"}},
                        {"Retry-After": str(math.ceil(wait)), **self.rate_headers},
                    )
            key = (request.method, request.path)
            queue = self.scripts.get(key)
            if queue:
                chosen: Reply | Handler = queue.popleft()
            elif key in self.routes:
                chosen = self.routes[key]
            else:
                chosen = Reply(404, {"error": {"code": "NOT_FOUND", "message": "no such thing"}})
            reply = chosen if isinstance(chosen, Reply) else chosen(seen)
            if reply.drop:
                assert request.transport is not None
                request.transport.close()
                return web.Response(status=500)
            headers = {
                "X-Request-Id": seen.headers.get("X-Request-Id", ""),
                **self.rate_headers,
                **reply.headers,
            }
            return _json(reply.status, reply.json, headers)
        finally:
            self.in_flight -= 1

    async def _token(self, seen: Seen) -> web.Response:
        self.token_requests += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if self.token_error is not None:
            return _json(self.token_error.status, self.token_error.json)
        form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = seen.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            raw_id, _, raw_secret = base64.b64decode(basic[6:]).decode().partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type"})
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return _json(401, {"error": "invalid_client"})
        token = uuid.uuid4().hex
        self.valid_tokens.add(token)
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "scope": form.get("scope", ""),
            },
        )


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if status == 204 or body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )
