"""The admin dialect's contract fixtures (tests/contracts/admin/*.json), written from
CXONE-REAL.md: the sandbox's replies and the client's parsers are both tested against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent / "admin"


def contract(name: str) -> dict[str, Any]:
    """One fixture: `endpoint`, `source`, optional `request`/`query`, and the `reply`."""
    return dict(json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8")))


def key_differences(expected: Any, seen: Any, where: str = "reply") -> list[str]:
    """Where `seen` has other keys than `expected`: objects key by key, lists by their rows."""
    if isinstance(expected, dict):
        if not isinstance(seen, dict):
            return [f"{where}: expected an object, saw {type(seen).__name__}"]
        found = [f"{where}: missing {k}" for k in sorted(set(expected) - set(seen))]
        found += [f"{where}: unpublished {k}" for k in sorted(set(seen) - set(expected))]
        for key in sorted(set(expected) & set(seen)):
            found += key_differences(expected[key], seen[key], f"{where}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(seen, list):
            return [f"{where}: expected a list, saw {type(seen).__name__}"]
        if expected and isinstance(expected[0], dict):
            return [d for row in seen for d in key_differences(expected[0], row, f"{where}[]")]
    return []
