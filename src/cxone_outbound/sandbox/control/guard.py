"""Who may call the `/sandbox` control API: a local tool, never a web page.

The control API can wipe a persistent database, so a browser on the same machine must not be
able to reach it: a page's cross-site request carries a foreign `Origin`, can only send "simple"
content types (`text/plain`, forms) without a preflight, and a DNS-rebinding attack sends its
own host name in `Host`. So: loopback `Host` only, a foreign `Origin` refused, JSON only on
calls that change state, and, when the server has one, the control token in
`X-Sandbox-Control-Token` (compared in constant time).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from cxone_outbound.config import is_loopback_url
from cxone_outbound.sandbox.errors import Forbidden, SandboxError, UnsupportedMediaType

TOKEN_HEADER = "x-sandbox-control-token"  # noqa: S105 - a header name, not a secret
TOKEN_ENV = "CXONE_SANDBOX_CONTROL_TOKEN"  # noqa: S105 - a variable name
_CHANGES_STATE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _loopback(url: str) -> bool:
    try:
        return is_loopback_url(url)
    except ValueError:  # "[::1" and the like: not a host we answer to
        return False


def control_refusal(
    method: str, headers: Mapping[str, str], token: str | None
) -> SandboxError | None:
    """Why a control call is refused (None: it may go ahead). `headers` keys are lower case."""
    # a Host header is `127.0.0.1:8642`, `[::1]:8642` or `localhost`: read it as a URL's authority
    if not _loopback("//" + headers.get("host", "")):
        return Forbidden("the control API answers only to a loopback Host",
                         code="FORBIDDEN_HOST")
    origin = headers.get("origin")
    if origin is not None and not _loopback(origin):
        return Forbidden("the control API refuses cross-site requests (foreign Origin)",
                         code="FORBIDDEN_ORIGIN")
    if method in _CHANGES_STATE:
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json":
            return UnsupportedMediaType("control calls that change state take application/json",
                                        field="Content-Type")
    if token and not hmac.compare_digest(headers.get(TOKEN_HEADER, "").encode(), token.encode()):
        return Forbidden(f"a control token is required in {TOKEN_HEADER}",
                         code="INVALID_CONTROL_TOKEN")
    return None
