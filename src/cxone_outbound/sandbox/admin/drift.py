"""Reply-shape drift: the sandbox can answer an admin route with renamed or missing keys.

A real tenant may reply in a shape the published contract does not show. `cxo tenant probe` and
the client's `SchemaDrift` errors exist for that day; this switch lets tests (and people) bring
that day on at will, one route at a time (`POST /sandbox/drift`, docs/sandbox.md). Keys are
renamed or dropped at the reply's top level and inside its `resultSet` envelope, nowhere deeper,
so a drift says exactly which key a tenant would have changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cxone_outbound.sandbox.errors import ValidationFailed

ENVELOPE = "resultSet"
_PREFIX = re.compile(r"^/inContactAPI/services/[^/]+")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_FIELDS = {"endpoint", "rename", "drop"}


def route_key(endpoint: str) -> str:
    """`GET /lists/call-lists/{listId}` and the counters' `GET /inContactAPI/services/vNN.0
    /lists/call-lists/{listId}` name one route: method, path without prefix or query, `{}`
    for every placeholder (so `{id}` matches `{groupId}`)."""
    method, _, path = endpoint.strip().partition(" ")
    path = _PREFIX.sub("", path.strip().split("?", 1)[0]).rstrip("/") or "/"
    return f"{method.upper()} {_PLACEHOLDER.sub('{}', path)}"


@dataclass(frozen=True)
class Drift:
    """One route's changed reply shape."""

    endpoint: str
    rename: Mapping[str, str]
    drop: frozenset[str]

    def apply(self, body: Any) -> Any:
        """`body` with the keys renamed and dropped (top level and inside `resultSet`)."""
        if not isinstance(body, dict):
            return body
        changed = self._apply_level(body)
        inner = changed.get(ENVELOPE)
        if isinstance(inner, dict):
            changed[ENVELOPE] = self._apply_level(inner)
        return changed

    def _apply_level(self, level: dict[str, Any]) -> dict[str, Any]:
        return {self.rename.get(key, key): value for key, value in level.items()
                if key not in self.drop}

    def describe(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "rename": dict(self.rename),
                "drop": sorted(self.drop)}


def parse_drift(body: Mapping[str, Any], routes: Iterable[str]) -> Drift:
    """The drift a control call asks for; `routes` are the admin routes it may name."""
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field: {unknown[0]}", field=unknown[0])
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or " " not in endpoint.strip():
        raise ValidationFailed('endpoint must be "METHOD /path", e.g. "GET /lists/call-lists"',
                               field="endpoint")
    if route_key(endpoint) not in {route_key(route) for route in routes}:
        raise ValidationFailed(f"no admin route {endpoint}", field="endpoint")
    rename = body.get("rename", {})
    if not isinstance(rename, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in rename.items()):
        raise ValidationFailed("rename must map key names to new key names", field="rename")
    drop = body.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(k, str) and k for k in drop):
        raise ValidationFailed("drop must be an array of key names", field="drop")
    if not rename and not drop:
        raise ValidationFailed("give rename or drop", field="rename")
    return Drift(endpoint.strip(), dict(rename), frozenset(drop))


class Drifts:
    """The drifts in force, one per route; the admin pipeline asks `apply` of every reply."""

    def __init__(self) -> None:
        self._by_route: dict[str, Drift] = {}

    def set(self, drift: Drift) -> None:
        self._by_route[route_key(drift.endpoint)] = drift

    def clear(self) -> None:
        self._by_route.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [drift.describe() for drift in self._by_route.values()]

    def apply(self, route: str, body: Any) -> Any:
        if not self._by_route:  # the common case costs one truth test
            return body
        drift = self._by_route.get(route_key(route))
        return body if drift is None else drift.apply(body)
