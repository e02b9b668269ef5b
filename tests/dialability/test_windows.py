"""Calling windows: local hours per region and day, DST-safe, only ever narrowed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxone_outbound.dialability.windows import (
    FEDERAL,
    CallingPolicy,
    PolicyError,
    hours_on,
    load_policy,
    next_callable,
    parse_policy,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_default_is_eight_to_nine_local_every_day() -> None:
    rules = CallingPolicy().rules_for("US")
    assert next_callable([NEW_YORK], rules, utc("2026-12-03T13:00")) == utc("2026-12-03T13:00")
    assert next_callable([NEW_YORK], rules, utc("2026-12-03T12:59")) == utc("2026-12-03T13:00")
    # 21:00 local is already closed: the next window is tomorrow 08:00 local
    assert next_callable([NEW_YORK], rules, utc("2026-12-04T02:00")) == utc("2026-12-04T13:00")


def test_the_window_follows_local_time_across_the_spring_dst_change() -> None:
    rules = CallingPolicy().rules_for("US")
    # 2026-03-08: New York moves from UTC-5 to UTC-4; 08:00 local is 13:00Z before, 12:00Z after
    assert next_callable([NEW_YORK], rules, utc("2026-03-07T12:30")) == utc("2026-03-07T13:00")
    assert next_callable([NEW_YORK], rules, utc("2026-03-08T12:30")) == utc("2026-03-08T12:30")
    assert next_callable([NEW_YORK], rules, utc("2026-03-08T11:59")) == utc("2026-03-08T12:00")


def test_the_window_follows_local_time_across_the_autumn_dst_change() -> None:
    rules = CallingPolicy().rules_for("US")
    # 2026-11-01: back to UTC-5; 21:00 local closes at 02:00Z the next day, not 01:00Z
    assert next_callable([NEW_YORK], rules, utc("2026-11-02T01:30")) == utc("2026-11-02T01:30")
    assert next_callable([NEW_YORK], rules, utc("2026-11-02T02:00")) == utc("2026-11-02T13:00")


def test_a_state_stricter_than_the_default_narrows_only_its_records() -> None:
    policy = parse_policy({"regions": {"US-FL": {"hours": "08:00-20:00", "sun": "closed"}}})
    florida = policy.rules_for("US", ["FL"])
    texas = policy.rules_for("US", ["TX"])
    at = utc("2026-12-04T01:30")  # Thursday 20:30 in New York
    assert next_callable([NEW_YORK], florida, at) == utc("2026-12-04T13:00")
    assert next_callable([NEW_YORK], texas, at) == at
    sunday = utc("2026-12-06T15:00")
    assert next_callable([NEW_YORK], florida, sunday) == utc("2026-12-07T13:00")


def test_a_region_cannot_widen_the_default() -> None:
    policy = parse_policy({"regions": {"US-TX": {"hours": "06:00-23:00"}}})
    assert hours_on(policy.rules_for("US", ["TX"]), date(2026, 12, 3)) == FEDERAL.week[0]


def test_an_unknown_state_gets_every_state_rule_of_its_country() -> None:
    policy = parse_policy({"regions": {"US-FL": {"hours": "09:00-20:00"},
                                       "US-TX": {"hours": "08:00-19:00"}}})
    hours = hours_on(policy.rules_for("US", []), date(2026, 12, 3))
    assert hours is not None and (hours.start, hours.end) == (time(9), time(19))


def test_a_holiday_closes_the_day() -> None:
    policy = parse_policy({"default": {"holidays": ["2026-12-25"]}})
    rules = policy.rules_for("US")
    assert next_callable([NEW_YORK], rules, utc("2026-12-25T15:00")) == utc("2026-12-26T13:00")


def test_an_ambiguous_record_is_callable_only_where_every_zone_allows() -> None:
    rules = CallingPolicy().rules_for("US")
    at = utc("2026-12-03T14:00")  # 09:00 New York, 06:00 Los Angeles
    assert next_callable([NEW_YORK, LOS_ANGELES], rules, at) == utc("2026-12-03T16:00")


def test_no_allowed_hour_at_all_is_none() -> None:
    policy = parse_policy({"default": {"hours": "closed"}})
    assert next_callable([NEW_YORK], policy.rules_for("US"), utc("2026-12-03T14:00")) is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"default": {"hours": "9-5"}}, "HH:MM"),
        ({"default": {"hours": "21:00-08:00"}}, "ends before it starts"),
        ({"default": {"hour": "08:00-21:00"}}, "unknown keys"),
        ({"default": {"holidays": ["Christmas"]}}, "not a date"),
        ({"regions": {"Florida": {"hours": "08:00-20:00"}}}, "country"),
        ({"windows": {}}, "unknown tables"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_key(document: dict[str, object],
                                                 message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(document)


def test_a_policy_file_is_read_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[regions.US-FL]\nhours = "08:00-20:00"\n', encoding="utf-8")
    assert "US-FL" in load_policy(path).regions
    path.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(PolicyError, match="not TOML"):
        load_policy(path)


ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
         "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=366 * 24 * 60),
    names=st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True),
)
def test_next_callable_is_allowed_everywhere_and_nothing_earlier_is(
    minutes: int, names: list[str]
) -> None:
    now = utc("2026-01-01T00:00") + timedelta(minutes=minutes)
    zones = [ZoneInfo(n) for n in names]
    rules = CallingPolicy().rules_for("US")
    found = next_callable(zones, rules, now)

    def allowed(moment: datetime) -> bool:
        return all(time(8) <= moment.astimezone(z).time() < time(21) for z in zones)

    if found is None:
        return
    assert found >= now and allowed(found)
    step = (found - now) / 40
    assert not any(allowed(now + step * i) for i in range(40) if now + step * i < found)
