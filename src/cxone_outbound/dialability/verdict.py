"""One verdict per record, with every reason: dialable, not now (and until when), or blocked.

Pure: the phone reader, the zone finder, the policy, the DNC index and the clock's `now` are
passed in. Every reason that applies is listed, not only the first, because an operator fixing
a list wants to know all that stands between a record and a call.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from cxone_outbound.dialability.timezones import ZoneFinder, ZoneResult, ZoneStatus
from cxone_outbound.dialability.windows import CallingPolicy, next_callable
from cxone_outbound.phones import PhoneNormalizer

__all__ = ["DncLookup", "Finding", "Reason", "Verdict", "VerdictKind", "check_record"]

DncLookup = Callable[[str], str | None]
"""E.164 -> the name of the DNC source that lists it, or None."""


class VerdictKind(StrEnum):
    DIALABLE = "dialable"  # may be called now
    NOT_NOW = "not_now"  # outside its calling window: `callable_at` says when
    BLOCKED = "blocked"  # may not be called (or not be scheduled safely) at all


class Reason(StrEnum):
    INVALID_PHONE = "invalid_phone"
    DNC = "dnc"
    LINE_TYPE = "line_type"
    REGION = "region"
    ZONE_UNKNOWN = "time_zone_unknown"
    NO_WINDOW = "no_window"  # no hour in the coming two weeks is allowed where it may be
    OUTSIDE_WINDOW = "outside_window"
    # informational: the verdict stands, and says how it was reached
    ZONE_AMBIGUOUS = "time_zone_ambiguous"  # called only when allowed in every candidate zone
    STATE_UNKNOWN = "state_unknown"  # every state rule of the country applied

    @property
    def blocks(self) -> bool:
        return self in _BLOCKING


_BLOCKING = frozenset({Reason.INVALID_PHONE, Reason.DNC, Reason.LINE_TYPE, Reason.REGION,
                       Reason.ZONE_UNKNOWN, Reason.NO_WINDOW})


@dataclass(frozen=True, slots=True)
class Finding:
    reason: Reason
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else str(self.reason)


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: VerdictKind
    findings: tuple[Finding, ...]
    e164: str | None = None
    zone: ZoneResult | None = None
    states: tuple[str, ...] = ()
    callable_at: datetime | None = None  # UTC; `now` when dialable

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(f.reason for f in self.findings)


def check_record(
    phone: str | None,
    *,
    zip_code: str | None = None,
    state: str | None = None,
    normalizer: PhoneNormalizer,
    finder: ZoneFinder,
    policy: CallingPolicy,
    now: datetime,
    dnc: DncLookup | None = None,
    allowed_regions: Collection[str] = (),
    blocked_line_types: Collection[str] = (),
) -> Verdict:
    """The verdict on one record at `now` (an aware datetime)."""
    now = now.astimezone(UTC)
    findings: list[Finding] = []
    read = normalizer(phone or "")
    e164 = read.e164 if read.ok else None
    if e164 is None:
        findings.append(Finding(Reason.INVALID_PHONE, read.detail or str(read.reason)))
    else:
        if dnc is not None and (source := dnc(e164)) is not None:
            findings.append(Finding(Reason.DNC, source))
        if blocked_line_types and read.line_type.value in blocked_line_types:
            findings.append(Finding(Reason.LINE_TYPE, read.line_type.value))
        if allowed_regions and (read.region or "") not in allowed_regions:
            findings.append(Finding(Reason.REGION, read.region or "unknown"))
    zone = finder.find(zip_code=zip_code, e164=e164)
    states = _states(state, zone)
    country = "US" if zone.source == "zip" else (read.region if e164 else None)
    zones = _zones(zone)
    if zone.status is ZoneStatus.UNKNOWN:
        findings.append(Finding(Reason.ZONE_UNKNOWN, "no ZIP code, and the phone names no zone"))
    elif zone.status is ZoneStatus.AMBIGUOUS:
        findings.append(Finding(Reason.ZONE_AMBIGUOUS, " ".join(zone.candidates)))
    if not states and policy.has_state_rules(country):
        findings.append(Finding(Reason.STATE_UNKNOWN, f"every {country} state rule applied"))
    callable_at: datetime | None = None
    if zones:
        callable_at = next_callable(zones, policy.rules_for(country, states), now)
        if callable_at is None:
            findings.append(Finding(Reason.NO_WINDOW, "no allowed hour in the next 14 days"))
        elif callable_at > now:
            findings.append(Finding(Reason.OUTSIDE_WINDOW, f"until {callable_at:%Y-%m-%dT%H:%MZ}"))
    if any(f.reason.blocks for f in findings):
        kind = VerdictKind.BLOCKED
        callable_at = None
    elif callable_at is not None and callable_at > now:
        kind = VerdictKind.NOT_NOW
    else:
        kind = VerdictKind.DIALABLE
    return Verdict(kind, tuple(findings), e164, zone, states, callable_at)


def _zones(zone: ZoneResult) -> Sequence[ZoneInfo]:
    if zone.status is ZoneStatus.OK and zone.zone:
        return [ZoneInfo(zone.zone)]
    if zone.status is ZoneStatus.AMBIGUOUS:
        return [ZoneInfo(z) for z in zone.candidates]
    return []


def _states(state: str | None, zone: ZoneResult) -> tuple[str, ...]:
    """The record's own state column and its ZIP's (both apply when they differ), else the
    states its area code serves."""
    named = {s.strip().upper() for s in (state, zone.state) if s and s.strip()}
    return tuple(sorted(named)) if named else zone.states
