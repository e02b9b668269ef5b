"""Phones: raw text to E.164, line type and region, or a reason (pure; see `normalize`).

`normalize` holds the decisions and the public names re-exported here; `reader` is the exact
fast path of phonenumbers' parse for plain text; `linetypes` asks a carrier (Twilio) for the
line type behind `LineTypeLookup` and is imported on its own, since it needs the client.
"""

from __future__ import annotations

from cxone_outbound.phones.normalize import (
    DisposableList,
    DisposableListError,
    LineType,
    LineTypeLookup,
    OfflineLineTypeLookup,
    PhoneNormalizer,
    PhonePolicy,
    PhoneResult,
    Reason,
    as_written,
    normalize_phone,
    parse_line_type,
    screen_phones,
)

__all__ = [
    "DisposableList",
    "DisposableListError",
    "LineType",
    "LineTypeLookup",
    "OfflineLineTypeLookup",
    "PhoneNormalizer",
    "PhonePolicy",
    "PhoneResult",
    "Reason",
    "as_written",
    "normalize_phone",
    "parse_line_type",
    "screen_phones",
]
