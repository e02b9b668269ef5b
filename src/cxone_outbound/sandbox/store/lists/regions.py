"""The region (ISO country) of an E.164 phone, from its country calling code; pure and cheap."""

from __future__ import annotations

from functools import lru_cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from cxone_outbound.sandbox.store.validation import is_e164


@lru_cache(maxsize=65536)
def region_for(phone: str) -> str | None:
    """The main region of the phone's calling code (+1 → US, +44 → GB), None when unknown."""
    if not is_e164(phone):
        return None  # a legacy spelling: which country it is needs a default region
    digits = phone[1:]
    for size in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
        if regions:
            region = regions[0]
            return None if region == "001" else str(region)
    return None
