"""Access keys of the admin dialect: login, single-use refresh tokens, and the id_token (a JWT).

A token issued here is an ordinary sandbox bearer token (every scope, the access key id as its
rate-limit key), so both dialects accept it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import orjson

from cxone_outbound.sandbox.errors import Conflict, NotFound, OAuthError
from cxone_outbound.sandbox.store.auth import Auth, Client, Token
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.scopes import CANONICAL_SCOPES

DEFAULT_ACCESS_KEY_ID = "demo-access-key"
DEFAULT_ACCESS_KEY_SECRET = "demo-access-secret"  # noqa: S105 - the documented demo credential
ID_TOKEN_KEY = b"cxone-sandbox-id-token"
REFRESH_TTL_S = 24 * 3600


@dataclass(frozen=True)
class Login:
    """What a successful login or refresh hands back."""

    token: Token
    refresh_token: str
    id_token: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token(claims: dict[str, Any]) -> str:
    """An HS256 JWT of `claims`, signed with the documented sandbox key."""
    head = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"}))
    body = _b64(orjson.dumps(claims))
    signature = hmac.new(ID_TOKEN_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


class AccessKeys:
    """Access keys per tenant and the tokens they get."""

    def __init__(self, db: Database, auth: Auth) -> None:
        self.db = db
        self.auth = auth

    def create(self, tenant_id: str, key_id: str, secret: str) -> dict[str, str]:
        if not self.auth.tenant_exists(tenant_id):
            raise NotFound(f"tenant {tenant_id} not found")
        if not key_id or not secret:
            raise OAuthError("invalid_request", "accessKeyId and accessKeySecret are required")
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM access_keys WHERE key_id = ?", (key_id,)).fetchone():
                raise Conflict(f"access key {key_id} exists")
            conn.execute("INSERT INTO access_keys (key_id, secret, tenant_id) VALUES (?, ?, ?)",
                         (key_id, secret, tenant_id))
        return {"accessKeyId": key_id, "tenantId": tenant_id}

    def login(self, key_id: object, secret: object, *, audience: str, issuer: str,
              ttl: int) -> Login:
        """Tokens for a valid access key, else 400 invalid_grant."""
        if not isinstance(key_id, str) or not isinstance(secret, str) or not key_id:
            raise OAuthError("invalid_request", "accessKeyId and accessKeySecret are required")
        row = self.db.conn.execute("SELECT * FROM access_keys WHERE key_id = ?",
                                   (key_id,)).fetchone()
        if row is None or not hmac.compare_digest(row["secret"].encode(), secret.encode()):
            raise OAuthError("invalid_grant", "unknown access key or wrong secret")
        return self._issue(key_id, row["tenant_id"], audience, issuer, ttl)

    def refresh(self, refresh_token: object, *, audience: str, issuer: str, ttl: int) -> Login:
        """New tokens for a live, unused refresh token (which is spent), else invalid_grant."""
        if not isinstance(refresh_token, str) or not refresh_token:
            raise OAuthError("invalid_request", "a refresh token is required")
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT r.key_id, r.expires_at, r.used, k.tenant_id FROM refresh_tokens r"
                " JOIN access_keys k ON k.key_id = r.key_id WHERE r.token = ?",
                (refresh_token,)).fetchone()
            if row is None or row["used"] or row["expires_at"] <= self.db.wall():
                raise OAuthError("invalid_grant", "unknown, expired or spent refresh token")
            conn.execute("UPDATE refresh_tokens SET used = 1 WHERE token = ?", (refresh_token,))
        return self._issue(row["key_id"], row["tenant_id"], audience, issuer, ttl)

    def _issue(self, key_id: str, tenant_id: str, audience: str, issuer: str,
               ttl: int) -> Login:
        client = Client(key_id, tenant_id, frozenset(CANONICAL_SCOPES))
        token = self.auth.issue(client, None, ttl)
        refresh = secrets.token_urlsafe(32)
        now = self.db.wall()
        self.db.conn.execute(
            "INSERT INTO refresh_tokens (token, key_id, client_id, expires_at)"
            " VALUES (?, ?, ?, ?)", (refresh, key_id, audience, now + REFRESH_TTL_S))
        claims = {"iss": issuer, "sub": f"user:{key_id}", "aud": audience, "iat": int(now),
                  "exp": int(now) + ttl, "tenantId": tenant_id, "name": key_id}
        return Login(token, refresh, id_token(claims))
