"""OAuth scopes: the canonical names and the seed spellings that mean the same."""

from __future__ import annotations

CANONICAL_SCOPES: tuple[str, ...] = (
    "contacts:read",
    "contacts:write",
    "contacts:delete",
    "campaigns:read",
    "campaigns:write",
    "suppressions:read",
    "webhooks:write",
)

SCOPE_ALIASES: dict[str, str] = {
    "contacts.read": "contacts:read",
    "contact:read": "contacts:read",
    "campaign:contactlist:read": "contacts:read",
    "contactlist:read": "contacts:read",
    "contacts.write": "contacts:write",
    "contact:write": "contacts:write",
    "campaign:contact:write": "contacts:write",
    "campaign:contact:delete": "contacts:delete",
    "outbound.read": "campaigns:read",
    "outbound:read": "campaigns:read",
    "outbound.write": "campaigns:write",
    "campaign:write": "campaigns:write",
    "webhooks.write": "webhooks:write",
    "webhook:write": "webhooks:write",
}


def canonical_scope(name: str) -> str | None:
    """The canonical scope `name` stands for, or None when it is no scope we know."""
    if name in CANONICAL_SCOPES:
        return name
    return SCOPE_ALIASES.get(name)


def parse_scope_param(value: str | None) -> tuple[frozenset[str], list[str]]:
    """Split a space-separated `scope` parameter into canonical scopes and unknown names."""
    granted: set[str] = set()
    unknown: list[str] = []
    for name in (value or "").replace(",", " ").split():
        scope = canonical_scope(name)
        if scope is None:
            unknown.append(name)
        else:
            granted.add(scope)
    return frozenset(granted), unknown
