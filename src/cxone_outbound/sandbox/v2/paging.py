"""Query parameters of paged endpoints: limit (default 100, max 1000), opaque cursors, pages."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from cxone_outbound.sandbox.errors import ValidationFailed

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def parse_limit(value: str | None) -> int:
    """A page size: default 100; above 1000 is capped at 1000; not a positive integer is 400."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise ValidationFailed("limit must be a positive integer", field="limit",
                               code="INVALID_VALUE")
    return min(int(value), MAX_LIMIT)


def parse_page(value: str | None) -> int:
    if value is None or value == "":
        return 1
    if not value.isdigit() or int(value) < 1 or int(value) > 10_000_000:
        raise ValidationFailed("page must be a positive integer", field="page",
                               code="INVALID_VALUE")
    return int(value)


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"after:{position}".encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> int:
    """The position a cursor stands for (0 for none); 400 for one we did not issue."""
    if not value:
        return 0
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != "after" or not number.isdigit() or len(number) > 18:
        raise ValidationFailed("cursor is not one this API issued", field="cursor",
                               code="INVALID_CURSOR")
    return int(number)


def page_uri(path: str, **params: str | int | None) -> str:
    """A `nextPageUri`: the path with its query."""
    query = urlencode({k: v for k, v in params.items() if v is not None and v != ""})
    return f"{path}?{query}" if query else path
