"""The admin dialect's contract fixtures (tests/contracts/admin/*.json) and their key shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

ADMIN = Path(__file__).parent / "admin"


def fixture(name: str) -> Any:
    """A published reply shape, with sample values."""
    return orjson.loads((ADMIN / name).read_bytes())


def keys_of(value: Any) -> Any:
    """The key structure of a reply: objects by their keys, arrays by their first item, values
    as None (types and sample values are not the contract's subject here)."""
    if isinstance(value, dict):
        return {k: keys_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys_of(value[0])] if value else []
    return None
