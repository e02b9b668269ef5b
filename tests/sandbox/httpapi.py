"""A tiny synchronous HTTP client for sandbox tests: status, headers and JSON of every answer."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    @property
    def code(self) -> str | None:
        body = self.json
        return body["error"]["code"] if isinstance(body, dict) and "error" in body \
            and isinstance(body["error"], dict) else None


class Api:
    """Raw HTTP against the sandbox, with or without a token."""

    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        self.base_url = base_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.token: str | None = None

    def send(self, method: str, path: str, *, body: bytes | None = None,
             headers: Mapping[str, str] | None = None, json_body: Any = None,
             auth: bool = True) -> Answer:
        all_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if auth and "Authorization" not in all_headers:
            all_headers["Authorization"] = f"Bearer {self.get_token()}"
        request = urllib.request.Request(self.base_url + path, data=body, method=method,
                                         headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.headers, exc.read())

    def get_token(self, scope: str | None = None) -> str:
        if self.token is None or scope is not None:
            answer = self.token_request(scope=scope)
            assert answer.status == 200, answer.raw
            token = str(answer.json["access_token"])
            if scope is not None:
                return token
            self.token = token
        return self.token

    def token_request(self, *, scope: str | None = None, path: str = "/oauth/token",
                      client_id: str | None = None, secret: str | None = None) -> Answer:
        creds = f"{client_id or self.client_id}:{secret or self.client_secret}"
        form = "grant_type=client_credentials" + (f"&scope={scope}" if scope else "")
        return self.send("POST", path, body=form.encode(), auth=False, headers={
            "Authorization": "Basic " + base64.b64encode(creds.encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded"})

    def get(self, path: str, **kw: Any) -> Answer:
        return self.send("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Answer:
        return self.send("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Answer:
        return self.send("PATCH", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Answer:
        return self.send("PUT", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Answer:
        return self.send("DELETE", path, **kw)
