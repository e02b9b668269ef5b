"""check_record: one verdict, every reason."""

from __future__ import annotations

from datetime import UTC, datetime

from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.dialability.verdict import Reason, VerdictKind, check_record
from cxone_outbound.dialability.windows import CallingPolicy, parse_policy
from cxone_outbound.phones import PhoneNormalizer

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 10:00 New York, 07:00 Los Angeles


def verdict(phone: str | None, **kw: object) -> object:
    args: dict[str, object] = {"normalizer": PhoneNormalizer("US"), "finder": ZoneFinder(),
                               "policy": CallingPolicy(), "now": NOW}
    args.update(kw)
    return check_record(phone, **args)  # type: ignore[arg-type]


def test_a_good_number_in_its_window_is_dialable() -> None:
    v = verdict("(212) 555-0101")
    assert v.kind is VerdictKind.DIALABLE and v.callable_at == NOW and not v.findings


def test_outside_its_window_it_is_not_now_until_the_window_opens() -> None:
    v = verdict("+14155550101")
    assert v.kind is VerdictKind.NOT_NOW
    assert v.callable_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    assert v.reasons == (Reason.OUTSIDE_WINDOW,)


def test_every_blocking_reason_is_listed() -> None:
    v = verdict("+14155550101", dnc=lambda e164: "national-registry",
                allowed_regions={"CA"}, blocked_line_types={"fixed_line_or_mobile"})
    assert v.kind is VerdictKind.BLOCKED and v.callable_at is None
    assert {Reason.DNC, Reason.REGION, Reason.LINE_TYPE} <= set(v.reasons)
    assert "national-registry" in [f.detail for f in v.findings]


def test_an_unreadable_phone_without_a_zip_is_blocked_for_both_reasons() -> None:
    v = verdict("junk")
    assert v.kind is VerdictKind.BLOCKED
    assert set(v.reasons) == {Reason.INVALID_PHONE, Reason.ZONE_UNKNOWN}


def test_an_ambiguous_zone_is_said_and_every_zone_must_allow() -> None:
    v = verdict("+16055550101", now=datetime(2026, 12, 3, 14, 30, tzinfo=UTC))
    # 08:30 Central, 07:30 Mountain: not until 08:00 Mountain (15:00Z)
    assert v.kind is VerdictKind.NOT_NOW
    assert Reason.ZONE_AMBIGUOUS in v.reasons
    assert v.callable_at == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def test_the_zip_code_wins_over_the_phone() -> None:
    v = verdict("+12125550101", zip_code="94105")  # a New York number living in San Francisco
    assert v.kind is VerdictKind.NOT_NOW and v.zone is not None
    assert v.zone.zone == "America/Los_Angeles"


def test_a_state_rule_applies_to_the_record_s_state() -> None:
    policy = parse_policy({"regions": {"US-NY": {"hours": "11:00-20:00"}}})
    v = verdict("+12125550101", policy=policy)
    assert v.kind is VerdictKind.NOT_NOW and v.states == ("NY",)
    assert v.callable_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_a_record_whose_state_is_unknown_says_so() -> None:
    policy = parse_policy({"regions": {"US-NY": {"hours": "11:00-20:00"}}})
    v = verdict("+18005550101", policy=policy)
    assert Reason.STATE_UNKNOWN in v.reasons
