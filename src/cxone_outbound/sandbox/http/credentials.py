"""The credentials of a token request, as both dialects' token endpoints read them: HTTP Basic
client authentication and the form (or JSON) body."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote_plus

import orjson

from cxone_outbound.sandbox.errors import OAuthError

MAX_TOKEN_BODY = 16 * 1024


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Client id and secret of a Basic header: base64, then form-urlencoded (RFC 6749 §2.3.1)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed Basic credentials", 401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "malformed Basic credentials", 401)
    return unquote_plus(client_id), unquote_plus(secret)


def token_fields(raw: bytes, content_type: str) -> dict[str, str]:
    """Form or JSON parameters; anything else is invalid_request."""
    if "json" in content_type:
        try:
            data = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            raise OAuthError("invalid_request", "body is not valid JSON") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise OAuthError("invalid_request", "JSON body must be an object of strings")
        return {str(k): v for k, v in data.items()}
    try:
        text = raw.decode()
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text.strip()),
                          max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "body is not form-urlencoded") from None
    return dict(pairs)
