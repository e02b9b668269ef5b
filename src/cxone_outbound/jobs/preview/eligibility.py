"""Which contacts of a list a preview campaign may dial, and why the others may not.

Pure. Suppressions are keyed by phone number, so both sides are normalised to E.164 before
they are compared (`(415) 555-2671`, `+1 415-555-2671` and `0014155552671` are one number);
an expired suppression no longer applies. A contact's region is its own `region` when it has
one, else the region of its phone's E.164 number. Each excluded contact is counted once, under
the first reason that applies, in this order: no region to filter on, outside the region
filter, phone unreadable, suppressed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from cxone_outbound.phones import PhoneNormalizer


class Exclusion(StrEnum):
    NO_REGION = "no_region"
    REGION = "region"
    INVALID_PHONE = "invalid_phone"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class SuppressionEntry:
    """A suppression as the API lists it (only what matching needs)."""

    phone_number: str
    expires_at: datetime | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contact as eligibility sees it."""

    id: str
    phone: str | None
    region: str | None = None


@dataclass
class SuppressionIndex:
    """Active suppressions by E.164; unreadable entries are kept aside to be reported."""

    numbers: set[str] = field(default_factory=set)
    expired: int = 0
    unreadable: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        entries: Iterable[SuppressionEntry],
        *,
        now: datetime,
        normalize: PhoneNormalizer,
    ) -> SuppressionIndex:
        index = cls()
        for entry in entries:
            if entry.expires_at is not None and _aware(entry.expires_at) <= now:
                index.expired += 1
                continue
            result = normalize(entry.phone_number)
            if result.e164 is None and entry.phone_number.isascii() \
                    and entry.phone_number.isdigit():
                # bare digits the region cannot read: a DNC record's "universal" format, the
                # digits of an E.164 number with its country code (what this tool sends)
                result = normalize("+" + entry.phone_number)
            if result.e164 is None:
                index.unreadable.append(entry.phone_number)
            else:
                index.numbers.add(result.e164)
        return index

    def __contains__(self, e164: object) -> bool:
        return e164 in self.numbers


@dataclass
class Eligibility:
    """The outcome over a list: how many are eligible, a count per exclusion reason, and the
    eligible ids unless `keep_ids` is off (a whole list's ids are not worth their memory)."""

    eligible: list[str] = field(default_factory=list)
    excluded: Counter[Exclusion] = field(default_factory=Counter)
    total: int = 0
    eligible_count: int = 0
    keep_ids: bool = True

    def add(self, contact_id: str, reason: Exclusion | None) -> None:
        self.total += 1
        if reason is not None:
            self.excluded[reason] += 1
            return
        self.eligible_count += 1
        if self.keep_ids:
            self.eligible.append(contact_id)

    def to_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "eligible": self.eligible_count,
            "excluded": {reason.value: self.excluded.get(reason, 0) for reason in Exclusion},
        }


def region_matches(region: str | None, wanted: frozenset[str]) -> bool:
    """True when no filter is set, or the contact's region is one of `wanted` (case-blind)."""
    if not wanted:
        return True
    return region is not None and region.strip().casefold() in wanted


def normalise_regions(regions: Iterable[str]) -> frozenset[str]:
    return frozenset(r.strip().casefold() for r in regions if r.strip())


def judge(
    candidate: Candidate,
    *,
    regions: frozenset[str],
    suppressions: SuppressionIndex,
    normalize: PhoneNormalizer,
) -> Exclusion | None:
    """Why this contact is excluded, or None when it is eligible."""
    read = normalize(candidate.phone) if candidate.phone else None
    phone = read.e164 if read is not None else None
    if regions:
        region = (candidate.region or "").strip() or (read.region if phone and read else None)
        if not region:
            return Exclusion.NO_REGION
        if not region_matches(region, regions):
            return Exclusion.REGION
    if phone is None:
        return Exclusion.INVALID_PHONE
    if phone in suppressions:
        return Exclusion.SUPPRESSED
    return None


def assess(
    candidates: Iterable[Candidate],
    *,
    regions: Iterable[str] = (),
    suppressions: SuppressionIndex,
    normalize: PhoneNormalizer,
) -> Eligibility:
    """Eligibility over every candidate."""
    wanted = normalise_regions(regions)
    outcome = Eligibility()
    for candidate in candidates:
        reason = judge(candidate, regions=wanted, suppressions=suppressions, normalize=normalize)
        outcome.add(candidate.id, reason)
    return outcome


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
