"""Dialability: whether, and when, a record may be dialled (time zone, calling window, reasons).

A record's local time decides whether a call is legal now; its time zone comes from its ZIP code
when it has one, else from its phone's area code, and is never guessed where an area code spans
zones. `check_record` gives one verdict with every reason.
"""

from __future__ import annotations

from cxone_outbound.dialability.timezones import ZoneFinder, ZoneResult, ZoneStatus
from cxone_outbound.dialability.verdict import Reason, Verdict, VerdictKind, check_record
from cxone_outbound.dialability.windows import CallingPolicy, PolicyError, load_policy

__all__ = [
    "CallingPolicy",
    "PolicyError",
    "Reason",
    "Verdict",
    "VerdictKind",
    "ZoneFinder",
    "ZoneResult",
    "ZoneStatus",
    "check_record",
    "load_policy",
]
