"""A fake tenant's token service, discovery and one API route, on a real loopback port.

Small and scripted (not the sandbox): it checks what a real tenant checks (Basic app
credentials, the access key, refresh tokens, `Accept: application/json`) and records requests.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from pydantic import SecretStr

from cxone_outbound.config import Settings

APP_ID = "app-id"
APP_SECRET = "app-secret-never-shown"
KEY_ID = "AKID-1"
KEY_SECRET = "key-secret-NEVER-shown"
TENANT = "11ef-tenant"


def jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


@dataclass
class FakeTenant:
    url: str = ""
    lifetime_s: int = 3600
    refuse_refresh: bool = False
    refresh_status: int | None = None  # answer every refresh with this status instead
    omit_tenant: bool = False  # an id_token without tenantId (then GET business-unit names it)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    issued: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def count(self, path: str) -> int:
        return sum(1 for _, p in self.seen if p.split("?")[0] == path)

    def _tokens(self, kind: str) -> dict[str, Any]:
        n = next(self._ids)
        token = f"{kind}-access-{n}"
        self.issued.append(token)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime_s,
            "refresh_token": f"refresh-{n}",
            "id_token": jwt({"iss": self.url, "sub": KEY_ID,
                             **({} if self.omit_tenant else {"tenantId": TENANT})}),
        }

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path
        self.seen.append((request.method, request.path_qs))
        body = await request.read()
        if self.refresh_status is not None and (
                path == "/public/user/refresh" or b"grant_type=refresh_token" in body):
            return web.json_response({"error": "unavailable"}, status=self.refresh_status)
        if path == "/auth/token":
            return self._password(request, body)
        if path == "/authentication/v1/token/access-key":
            data = orjson.loads(body)
            if (data.get("accessKeyId"), data.get("accessKeySecret")) != (KEY_ID, KEY_SECRET):
                return web.json_response({"error": "invalid_grant"}, status=401)
            return web.json_response(self._tokens("ak"))
        if path == "/public/user/refresh":
            token = orjson.loads(body).get("token", "")
            if self.refuse_refresh or not token.startswith("refresh-"):
                return web.json_response({"error": "invalid_grant"}, status=401)
            return web.json_response(self._tokens("refreshed"))
        if path == "/.well-known/cxone-configuration":
            if request.query.get("tenantId") != TENANT:
                return web.json_response({"error": "unknown tenant"}, status=404)
            return web.json_response(
                {"api_endpoint": self.url, "auth_endpoint": self.url, "area": "na1",
                 "cluster": "c32"}
            )
        if path.startswith("/inContactAPI/services/"):
            if request.headers.get("Accept") != "application/json":
                return web.Response(status=406, text="No known way to render data")
            auth = request.headers.get("Authorization", "")
            if auth.removeprefix("Bearer ") not in self.issued:
                return web.json_response({"error": "invalid_token"}, status=401)
            if path.endswith("/business-unit"):
                return web.json_response({"businessUnits": [{"tenantId": TENANT}]})
            return web.json_response({"callingLists": [], "totalRecords": 0, "path": path})
        return web.json_response({"error": "not found"}, status=404)

    def _password(self, request: web.Request, body: bytes) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{APP_ID}:{APP_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error": "invalid_client"}, status=401)
        form = dict(item.split("=", 1) for item in body.decode().split("&"))
        if form.get("grant_type") == "password":
            if (form.get("username"), form.get("password")) != (KEY_ID, KEY_SECRET):
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(self._tokens("pw"))
        if form.get("grant_type") == "refresh_token":
            if self.refuse_refresh or not form.get("refresh_token", "").startswith("refresh-"):
                return web.json_response({"error": "invalid_grant"}, status=400)
            return web.json_response(self._tokens("refreshed"))
        return web.json_response({"error": "unsupported_grant_type"}, status=400)


def admin_settings(tenant: FakeTenant, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "base_url": tenant.url,
        "dialect": "admin",
        "client_id": APP_ID,
        "client_secret": SecretStr(APP_SECRET),
        "access_key_id": KEY_ID,
        "access_key_secret": SecretStr(KEY_SECRET),
        "max_attempts": 2,
        **overrides,
    }
    return Settings.model_validate(values)
