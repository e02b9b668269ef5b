"""HMAC-SHA256 signatures of webhook and callback bodies (`X-CXone-Signature: sha256=<hex>`).

Shared by the sandbox (which signs deliveries), the listener (which verifies them) and the jobs
(which sign callbacks): it imports nothing of ours.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-CXone-Signature"
_PREFIX = "sha256="


def sign(secret: str | bytes, body: bytes) -> str:
    """The header value for `body` under `secret`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return _PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is the signature of `body`; compares in constant time."""
    if not header or not header.startswith(_PREFIX):
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())
