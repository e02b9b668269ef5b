"""Line types from a carrier-lookup provider, behind `phones.LineTypeLookup` (docs/line-types.md).

`open_line_type_lookup(name, settings, state_dir)` gives the lookup a directive or flag names:
`offline` (libphonenumber's metadata) or `twilio` (Twilio Lookup v2, cached under the state dir).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cxone_outbound.config import Settings
from cxone_outbound.phones import OfflineLineTypeLookup
from cxone_outbound.phones.linetypes.cache import CACHE_FILE, Answer, LineTypeCache
from cxone_outbound.phones.linetypes.twilio import TwilioLineTypeLookup

__all__ = [
    "CACHE_FILE",
    "PROVIDERS",
    "Answer",
    "LineTypeCache",
    "TwilioLineTypeLookup",
    "open_line_type_lookup",
]

PROVIDERS = ("offline", "twilio")


def open_line_type_lookup(
    name: str, settings: Settings, state_dir: Path, **kw: Any
) -> OfflineLineTypeLookup | TwilioLineTypeLookup:
    """The lookup named `name`; a Twilio one must be entered (`async with`) before use."""
    if name == "offline":
        return OfflineLineTypeLookup()
    if name == "twilio":
        _ = settings.effective_lookup_url  # refused before the cache is opened
        cache = LineTypeCache(state_dir / CACHE_FILE, ttl_s=settings.lookup_cache_days * 86400)
        return TwilioLineTypeLookup.from_settings(settings, cache, **kw)
    raise ValueError(f"unknown line-type lookup {name!r} (known: {', '.join(PROVIDERS)})")
