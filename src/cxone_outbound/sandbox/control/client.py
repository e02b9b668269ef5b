"""`SandboxControl`: a small synchronous client of the `/sandbox` control API (tests, bench)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cxone_outbound.sandbox.control.guard import TOKEN_ENV, TOKEN_HEADER


class SandboxControlError(RuntimeError):
    """A control call answered with an error status."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"sandbox control call failed: HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class SandboxControl:
    """Reset, counters, rate limit, faults, setup data — over plain HTTP to `base_url`."""

    def __init__(self, base_url: str, timeout: float = 30.0, token: str | None = None) -> None:
        """`token`: the server's control token (default: $CXONE_SANDBOX_CONTROL_TOKEN)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = {"Content-Type": "application/json"}
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        if token:
            self._headers[TOKEN_HEADER] = token

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked below
            self.base_url + path, data=data, method=method,
            headers=self._headers)
        if not request.full_url.startswith(("http://", "https://")):
            raise ValueError(f"not an http URL: {request.full_url}")
        try:
            with urllib.request.urlopen(  # noqa: S310 - http(s) only, checked above
                    request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise SandboxControlError(exc.code, exc.read().decode(errors="replace")) from None
        return json.loads(raw) if raw else None

    # state
    def health(self) -> bool:
        try:
            return bool(self._call("GET", "/sandbox/health")["status"] == "ok")
        except (OSError, SandboxControlError):
            return False

    def state(self) -> dict[str, Any]:
        return dict(self._call("GET", "/sandbox/state"))

    def reset(self) -> dict[str, Any]:
        return dict(self._call("POST", "/sandbox/reset", {}))

    def default_list_id(self) -> str:
        return str(self.state()["defaultListId"])

    # counters
    def counters(self) -> dict[str, Any]:
        return dict(self._call("GET", "/sandbox/counters"))

    def reset_counters(self) -> None:
        self._call("POST", "/sandbox/counters/reset", {})

    def requests_to(self, route: str, status: int | None = None) -> int:
        """How many requests `route` ("PATCH /api/v2/contacts/{contactId}") got (with `status`)."""
        statuses = self.counters()["requests"].get(route, {})
        if status is None:
            return sum(int(n) for n in statuses.values())
        return int(statuses.get(str(status), 0))

    def contact_writes(self, contact_id: str) -> int:
        return int(self._call("GET", f"/sandbox/contacts/{contact_id}/writes")["writes"])

    def writes(self, list_id: str | None = None) -> dict[str, int]:
        query = f"?contactListId={list_id}" if list_id else ""
        writes = self._call("GET", f"/sandbox/writes{query}")["writes"]
        return {k: int(v) for k, v in writes.items()}

    # knobs
    def set_rate_limit(self, rate: float, burst: int | None = None, *,
                       headers: bool = True) -> dict[str, Any]:
        """`headers=False`: 429s without Retry-After and no X-RateLimit-* (a real tenant)."""
        body: dict[str, Any] = {"rate": rate, "headers": headers}
        if burst is not None:
            body["burst"] = burst
        return dict(self._call("PUT", "/sandbox/ratelimit", body))

    def set_faults(self, spec: str) -> dict[str, Any]:
        return dict(self._call("PUT", "/sandbox/faults", {"spec": spec}))

    def clear_faults(self) -> None:
        self._call("DELETE", "/sandbox/faults")

    def faults(self) -> dict[str, Any]:
        return dict(self._call("GET", "/sandbox/faults"))

    def set_drift(self, endpoint: str, *, rename: dict[str, str] | None = None,
                  drop: list[str] | None = None) -> list[dict[str, Any]]:
        """Make the admin route `endpoint` ("GET /lists/call-lists/{listId}") reply with keys
        renamed or dropped (top level and inside `resultSet`); the drifts in force."""
        body: dict[str, Any] = {"endpoint": endpoint, "rename": rename or {}, "drop": drop or []}
        return list(self._call("POST", "/sandbox/drift", body)["drifts"])

    def clear_drift(self) -> None:
        self._call("DELETE", "/sandbox/drift")

    def drifts(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/sandbox/drift")["drifts"])

    def set_token_ttl(self, seconds: int) -> None:
        self._call("PUT", "/sandbox/token-ttl", {"seconds": seconds})

    def idempotency(self) -> dict[str, Any]:
        """`ttlSeconds`, `clockOffsetSeconds` and how many `keys` are kept."""
        return dict(self._call("GET", "/sandbox/idempotency"))

    def set_idempotency_ttl(self, seconds: int) -> dict[str, Any]:
        return dict(self._call("PUT", "/sandbox/idempotency", {"ttlSeconds": seconds}))

    def advance_idempotency_clock(self, seconds: int) -> dict[str, Any]:
        """Age every kept idempotency key by `seconds` (past the TTL: the key is new again)."""
        return dict(self._call("POST", "/sandbox/idempotency/advance", {"seconds": seconds}))

    def revoke_tokens(self, *, token: str | None = None, client_id: str | None = None) -> int:
        body = {k: v for k, v in (("token", token), ("clientId", client_id)) if v}
        return int(self._call("POST", "/sandbox/tokens/revoke", body)["revoked"])

    # setup data
    def create_tenant(self, tenant_id: str, client_id: str, client_secret: str) -> dict[str, Any]:
        return dict(self._call("POST", "/sandbox/tenants", {
            "tenantId": tenant_id, "clientId": client_id, "clientSecret": client_secret}))

    def create_client(self, client_id: str, client_secret: str, scopes: list[str],
                      tenant_id: str = "demo") -> dict[str, Any]:
        return dict(self._call("POST", "/sandbox/clients", {
            "tenantId": tenant_id, "clientId": client_id, "clientSecret": client_secret,
            "scopes": scopes}))

    def create_list(self, name: str = "list", fields: list[dict[str, str]] | None = None,
                    tenant_id: str = "demo") -> str:
        """A new contact list's id; `fields` like [{"name": "tier", "type": "string"}]."""
        body = {"name": name, "schema": {"fields": fields or []}, "tenantId": tenant_id}
        return str(self._call("POST", "/sandbox/lists", body)["id"])

    def add_contacts(self, list_id: str, contacts: list[dict[str, Any]],
                     tenant_id: str = "demo") -> list[dict[str, Any]]:
        """Upsert contacts (API shape: phone, firstName, ..., attributes) by phone; returns them
        with ids. Phones are kept exactly as written (any text up to 64 characters)."""
        result = self._call("POST", f"/sandbox/lists/{list_id}/contacts",
                            {"contacts": contacts, "tenantId": tenant_id})
        return list(result["contacts"])

    def seed_contacts(self, list_id: str | None, n: int, seed: int = 0,
                      phones: str = "clean") -> str:
        """Add `n` realistic contacts to a list (default list when None); the list id.
        `phones="mixed"`: legacy spellings and junk, kept as written."""
        body: dict[str, Any] = {"count": n, "seed": seed, "phones": phones}
        if list_id:
            body["contactListId"] = list_id
        return str(self._call("POST", "/sandbox/seed", body)["contactListId"])

    def campaign_versions(self, campaign_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/sandbox/campaigns/{campaign_id}/versions")["versions"])

    def deliveries(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        query = f"?webhookId={webhook_id}" if webhook_id else ""
        return list(self._call("GET", f"/sandbox/deliveries{query}")["deliveries"])

    # the admin dialect
    def create_access_key(self, access_key_id: str, access_key_secret: str,
                          tenant_id: str = "demo") -> dict[str, Any]:
        return dict(self._call("POST", "/sandbox/access-keys", {
            "accessKeyId": access_key_id, "accessKeySecret": access_key_secret,
            "tenantId": tenant_id}))

    def admin_ids(self, *, list_id: str | None = None, campaign_id: str | None = None,
                  tenant_id: str = "demo") -> dict[str, int]:
        """Admin-dialect ids: `listId` of a v2 list, `skillId` of a v2 campaign (also its admin
        campaign id), and `defaultDncGroupId`."""
        query = {"tenantId": tenant_id} | ({"contactListId": list_id} if list_id else {}) | (
            {"campaignId": campaign_id} if campaign_id else {})
        return {k: int(v) for k, v in self._call(
            "GET", "/sandbox/admin-ids?" + urllib.parse.urlencode(query)).items()}
