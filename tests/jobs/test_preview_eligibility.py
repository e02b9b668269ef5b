"""Eligibility: region filter, unreadable phones, suppressions matched on E.164."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxone_outbound.jobs.preview.eligibility import (
    Candidate,
    Exclusion,
    SuppressionEntry,
    SuppressionIndex,
    assess,
)
from cxone_outbound.phones import PhoneNormalizer

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CONTACT = Candidate("c-1", "+14155552671", "NA-EAST")


def index(*entries: SuppressionEntry) -> SuppressionIndex:
    return SuppressionIndex.build(entries, now=NOW, normalize=PhoneNormalizer("US"))


def outcome(
    candidates: list[Candidate], suppressions: SuppressionIndex, *regions: str
) -> dict[str, object]:
    return assess(
        candidates, regions=regions, suppressions=suppressions, normalize=PhoneNormalizer("US")
    ).to_json()


@pytest.mark.parametrize("written", ["(415) 555-2671", "+1 415-555-2671", "0014155552671"])
def test_a_suppression_written_any_way_excludes_the_contact(written: str) -> None:
    result = assess(
        [CONTACT],
        suppressions=index(SuppressionEntry(written)),
        normalize=PhoneNormalizer("US"),
    )
    assert result.eligible == []
    assert result.excluded[Exclusion.SUPPRESSED] == 1


@pytest.mark.parametrize(("digits", "e164"), [("14155552671", "+14155552671"),
                                               ("447911123456", "+447911123456")])
def test_a_dnc_record_of_bare_digits_is_read_with_its_country_code(digits: str,
                                                                   e164: str) -> None:
    assert index(SuppressionEntry(digits)).numbers == {e164}


def test_a_contact_phone_written_nationally_still_matches_the_suppression() -> None:
    contact = Candidate("c-2", "415.555.2671")
    result = outcome([contact], index(SuppressionEntry("+14155552671")))
    assert result["eligible"] == 0


def test_an_expired_suppression_does_not_exclude() -> None:
    expired = SuppressionEntry("+14155552671", expires_at=NOW - timedelta(seconds=1))
    suppressions = index(expired)
    assert suppressions.expired == 1
    assert outcome([CONTACT], suppressions)["eligible"] == 1


def test_a_suppression_that_has_not_expired_yet_still_excludes() -> None:
    later = SuppressionEntry("+14155552671", expires_at=NOW + timedelta(days=1))
    assert outcome([CONTACT], index(later))["eligible"] == 0


def test_a_contact_id_equal_to_a_suppressed_number_is_not_excluded() -> None:
    """The seed compared contact ids with phone numbers; only phones count."""
    contact = Candidate("+14155552671", "+14155550100")
    assert outcome([contact], index(SuppressionEntry("+14155552671")))["eligible"] == 1


def test_an_unreadable_suppression_is_reported_not_matched() -> None:
    suppressions = index(SuppressionEntry("call me maybe"))
    assert suppressions.unreadable == ["call me maybe"]
    assert outcome([CONTACT], suppressions)["eligible"] == 1


def test_each_exclusion_is_counted_under_its_reason() -> None:
    contacts = [
        CONTACT,
        Candidate("c-west", "+14155550101", "NA-WEST"),
        Candidate("c-none", "+14155550102", None),
        Candidate("c-bad", "12", "na-east"),
        Candidate("c-empty", None, "NA-EAST"),
        Candidate("c-ok", "+1 (415) 555-0103", " na-east "),
    ]
    result = outcome(contacts, index(SuppressionEntry("(415) 555-2671")), "NA-EAST")
    assert result == {
        "total": 6,
        "eligible": 1,
        "excluded": {"no_region": 0, "region": 2, "invalid_phone": 2, "suppressed": 1},
    }


def test_a_contact_without_a_region_takes_the_region_of_its_phone() -> None:
    contacts = [Candidate("us", "+14155550101"), Candidate("gb", "+442079460958")]
    result = assess(
        contacts, regions=["us"], suppressions=index(), normalize=PhoneNormalizer("US")
    )
    assert result.eligible == ["us"]
    assert result.excluded == {Exclusion.REGION: 1}


def test_a_contacts_own_region_wins_over_its_phones() -> None:
    contact = Candidate("c", "+14155550101", "GB")
    assert outcome([contact], index(), "US")["excluded"] == {
        "no_region": 0, "region": 1, "invalid_phone": 0, "suppressed": 0,
    }  # fmt: skip


def test_no_region_is_counted_only_when_neither_the_contact_nor_its_phone_gives_one() -> None:
    contacts = [Candidate("junk", "12"), Candidate("blank", None, "  ")]
    result = outcome(contacts, index(), "US")
    assert result["excluded"] == {
        "no_region": 2, "region": 0, "invalid_phone": 0, "suppressed": 0,
    }  # fmt: skip


def test_without_a_region_filter_every_region_is_in() -> None:
    contacts = [Candidate("a", "+14155550101", "NA-WEST"), Candidate("b", "+14155550102", None)]
    assert outcome(contacts, index())["eligible"] == 2
