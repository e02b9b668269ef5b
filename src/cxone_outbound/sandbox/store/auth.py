"""Tenants, OAuth clients and bearer tokens: checked from memory, persisted for restarts."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from cxone_outbound.sandbox.errors import Conflict, NotFound, OAuthError, Unauthenticated
from cxone_outbound.sandbox.store.database import Database
from cxone_outbound.sandbox.store.scopes import CANONICAL_SCOPES, parse_scope_param
from cxone_outbound.sandbox.store.validation import FIELD_NAME

DEFAULT_TENANT = "demo"
DEFAULT_CLIENT_ID = "demo-client"
DEFAULT_CLIENT_SECRET = "demo-secret"  # noqa: S105 - the documented demo credential


@dataclass(frozen=True)
class Client:
    client_id: str
    tenant_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Token:
    token: str
    client_id: str
    tenant_id: str
    scopes: frozenset[str]
    expires_at: float


class Auth:
    """Who may call: credentials, issued tokens, revocation."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tokens: dict[str, Token] = {}
        self.load_tokens()

    def load_tokens(self) -> None:
        now = self.db.wall()
        self._tokens = {
            row["token"]: Token(row["token"], row["client_id"], row["tenant_id"],
                                frozenset(row["scopes"].split()), row["expires_at"])
            for row in self.db.conn.execute(
                "SELECT * FROM tokens WHERE revoked = 0 AND expires_at > ?", (now,))
        }

    def create_tenant(self, tenant_id: str, name: str, default_list_id: str) -> None:
        if not FIELD_NAME.match(tenant_id):
            raise OAuthError("invalid_request", "tenant id must be an identifier")
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone():
                raise Conflict(f"tenant {tenant_id} exists")
            conn.execute("INSERT INTO tenants (id, name, default_list_id) VALUES (?, ?, ?)",
                         (tenant_id, name, default_list_id))

    def tenant_exists(self, tenant_id: str) -> bool:
        row = self.db.conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
        return row is not None

    def create_client(self, tenant_id: str, client_id: str, secret: str,
                      scopes: frozenset[str] = frozenset(CANONICAL_SCOPES)) -> Client:
        if not self.tenant_exists(tenant_id):
            raise NotFound(f"tenant {tenant_id} not found")
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone():
                raise Conflict(f"client {client_id} exists")
            conn.execute(
                "INSERT INTO clients (client_id, secret, tenant_id, scopes) VALUES (?, ?, ?, ?)",
                (client_id, secret, tenant_id, " ".join(sorted(scopes))))
        return Client(client_id, tenant_id, scopes)

    def authenticate(self, client_id: str | None, secret: str | None) -> Client:
        """The client these credentials name, or 401 invalid_client."""
        if not client_id or secret is None:
            raise OAuthError("invalid_client", "client authentication failed", 401)
        row = self.db.conn.execute(
            "SELECT * FROM clients WHERE client_id = ?", (client_id,)).fetchone()
        if row is None or not hmac.compare_digest(row["secret"].encode(), secret.encode()):
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return Client(row["client_id"], row["tenant_id"], frozenset(row["scopes"].split()))

    def issue(self, client: Client, scope_param: str | None, ttl: int) -> Token:
        """A new token for `client` with the requested scopes (all it may have when none asked)."""
        requested, unknown = parse_scope_param(scope_param)
        if unknown:
            raise OAuthError("invalid_scope", f"unknown scope: {unknown[0]}")
        if not requested:
            requested = client.scopes
        if not requested <= client.scopes:
            missing = sorted(requested - client.scopes)
            raise OAuthError("invalid_scope", f"client may not have scope: {missing[0]}")
        token = Token(secrets.token_urlsafe(32), client.client_id, client.tenant_id,
                      requested, self.db.wall() + ttl)
        self.db.conn.execute(
            "INSERT INTO tokens (token, client_id, tenant_id, scopes, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token.token, token.client_id, token.tenant_id, " ".join(sorted(token.scopes)),
             token.expires_at))
        self._tokens[token.token] = token
        return token

    def check(self, bearer: str | None) -> Token:
        """The live token behind an `Authorization` header value, or 401 invalid_token."""
        if not bearer:
            raise Unauthenticated("missing bearer token")
        scheme, _, value = bearer.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        token = self._tokens.get(value.strip())
        if token is None:
            raise Unauthenticated("unknown or revoked token")
        if token.expires_at <= self.db.wall():
            del self._tokens[token.token]
            raise Unauthenticated("token expired")
        return token

    def revoke(self, *, token: str | None = None, client_id: str | None = None,
               tenant_id: str | None = None) -> int:
        """Revoke one token, a client's tokens, a tenant's, or (no argument) all. Returns count."""
        victims = [
            t for t in self._tokens.values()
            if (token is None or t.token == token)
            and (client_id is None or t.client_id == client_id)
            and (tenant_id is None or t.tenant_id == tenant_id)
        ]
        with self.db.transaction() as conn:
            conn.executemany("UPDATE tokens SET revoked = 1 WHERE token = ?",
                             [(t.token,) for t in victims])
        for t in victims:
            self._tokens.pop(t.token, None)
        return len(victims)
