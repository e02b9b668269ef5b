"""The API's limits on what one record may hold, defined once for both sides.

The jobs check a row against these before sending it, so a row over a limit fails alone with
its line number instead of the server refusing the batch or chunk it travels in; the sandbox
enforces the same numbers, so the two cannot drift apart. A leaf: it imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MAX_ATTRIBUTE_CHARS = 4096
"""A string attribute's value (v2: import, PATCH and enrichment refuse a longer one)."""

MAX_NAME_CHARS = 256
"""`firstName` / `lastName` of a contact update (v2 PATCH)."""

MAX_EMAIL_CHARS = 254
"""An email address (RFC 5321's path limit; every v2 endpoint)."""

MAX_CSV_FIELD_CHARS = 131_072
"""A field of an import body (the server's CSV parser: a longer field refuses the whole body)."""

MAX_IMPORT_BYTES = 50 * 1024 * 1024
"""An import body after decompression (API.md section 4: 413 beyond)."""

MAX_IMPORT_ROWS = 50_000
"""Rows of one import body (API.md section 4: 413 beyond)."""

ADMIN_MAX_RECORD_CHARS = 512
"""A record of an admin-dialect upload file: its cells and the commas between them
(CXONE-REAL.md, limits S3: "a record up to 512 characters")."""


ADMIN_MAX_UPLOAD_RECORDS = 500_000
"""Records of one admin upload file (CXONE-REAL.md, limits S3)."""

ADMIN_MAX_UPLOAD_BYTES = 256 * 1024 * 1024
"""An admin upload file, decoded (CXONE-REAL.md, limits S3: 256 MB)."""

ADMIN_MAX_ACTIVE_RECORDS = 1_000_000
"""Active records of a business unit, DNC records included: beyond it an upload fails (S3)."""


def record_chars(cells: Iterable[str]) -> int:
    """A record's length as the admin dialect counts it: its cells joined by commas."""
    count = -1
    for cell in cells:
        count += len(cell) + 1
    return max(count, 0)


def first_too_long(values: Mapping[str, str], limit: int) -> str | None:
    """The first field whose value is over `limit` characters, if any."""
    for name, value in values.items():
        if len(value) > limit:
            return name
    return None
