"""Idempotency keys bound to their target: one operation against one tenant, method and URL.

A caller names an operation (e.g. one batch of one run); the key sent is that name bound to
the request's tenant, dialect, method, path and query, so the same batch sent to another list
(or another tenant) is another key, and only a retry or a resume of that very request repeats
one. The server then never answers a request with the result of a different one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urlencode

KEY_PREFIX = "cxo-"


def scoped_key(
    operation: str,
    *,
    tenant: str,
    dialect: str,
    method: str,
    path: str,
    params: Mapping[str, object] | None = None,
) -> str:
    """The Idempotency-Key for `operation` sent as `method path?params` to `tenant`."""
    query = urlencode(sorted((str(k), str(v)) for k, v in (params or {}).items()))
    target = "\n".join((tenant, dialect, method.upper(), path, query, operation))
    return KEY_PREFIX + hashlib.sha256(target.encode()).hexdigest()[:48]
