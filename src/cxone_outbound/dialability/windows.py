"""Calling windows: the local hours a record may be called, per region and day (pure).

The default is the US federal rule (TCPA, 47 CFR 64.1200(c)(1)): 8:00 to 21:00 at the called
party's location, every day. A policy file narrows it per country or state; a region rule can
only narrow what applies around it (federal, then country, then state), so a typo can never
widen a legal window. Holidays close a day. Windows are computed as UTC intervals from each
local day, so a DST change moves the instants, never the local hours.

A policy file (TOML; docs/check.md):

    [default]                # optional: the federal rule when absent
    hours = "08:00-21:00"
    holidays = ["2026-12-25"]

    [regions.US-FL]          # a country ("US", "GB") or a state ("US-FL")
    hours = "08:00-20:00"
    sun = "closed"           # mon..sun override `hours` for that weekday
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DAYS",
    "FEDERAL",
    "CallingPolicy",
    "Hours",
    "PolicyError",
    "Rule",
    "load_policy",
    "open_intervals",
]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 14  # how far ahead `next_callable` looks (two weeks of holidays and weekends)
Interval = tuple[datetime, datetime]


class PolicyError(ValueError):
    """A calling-window policy that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class Hours:
    """Local hours [start, end) of one day."""

    start: time
    end: time

    def __and__(self, other: Hours) -> Hours | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return Hours(start, end) if start < end else None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class Rule:
    """A region's week (one entry a weekday, None: closed) and its holidays."""

    week: tuple[Hours | None, ...]
    holidays: frozenset[date] = frozenset()

    def hours_on(self, day: date) -> Hours | None:
        return None if day in self.holidays else self.week[day.weekday()]


FEDERAL = Rule((Hours(time(8), time(21)),) * 7)
ALL_DAY = Hours(time(0), time.max)


@dataclass(frozen=True)
class CallingPolicy:
    """The default rule and the rules of regions (`US`, `US-FL`), keys upper-case."""

    default: Rule = FEDERAL
    regions: Mapping[str, Rule] = field(default_factory=dict)

    def rules_for(self, country: str | None, states: Sequence[str] = ()) -> list[Rule]:
        """The rules a record is under: the default, its country's, its state's. With several
        candidate states (an area code across a border) every one of them applies; with none
        known while the country has state rules, all of that country's state rules apply: the
        strictest reading, never a guess."""
        rules = [self.default]
        if not country:
            return rules
        country = country.upper()
        if country in self.regions:
            rules.append(self.regions[country])
        prefix = f"{country}-"
        if states:
            rules += [self.regions[k] for k in (prefix + s.upper() for s in states)
                      if k in self.regions]
        else:
            rules += [rule for key, rule in self.regions.items() if key.startswith(prefix)]
        return rules

    def has_state_rules(self, country: str | None) -> bool:
        prefix = f"{(country or '').upper()}-"
        return bool(country) and any(key.startswith(prefix) for key in self.regions)


def hours_on(rules: Iterable[Rule], day: date) -> Hours | None:
    """The hours every rule allows on a local day (None: closed)."""
    allowed: Hours | None = ALL_DAY
    for rule in rules:
        today = rule.hours_on(day)
        allowed = None if today is None or allowed is None else allowed & today
    return allowed


def open_intervals(
    zone: ZoneInfo, rules: Sequence[Rule], start: datetime, days: int = HORIZON_DAYS
) -> list[Interval]:
    """The UTC intervals in which the rules allow calls in `zone`, from `start`'s local day."""
    first = start.astimezone(zone).date()
    intervals: list[Interval] = []
    for offset in range(-1, days + 1):
        day = first + timedelta(days=offset)
        hours = hours_on(rules, day)
        if hours is None:
            continue
        opens = datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, hours.end, tzinfo=zone).astimezone(UTC)
        if closes > start and opens < closes:
            intervals.append((opens, closes))
    return intervals


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The instants in both sorted lists of intervals."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def next_callable(
    zones: Sequence[ZoneInfo], rules: Sequence[Rule], now: datetime,
    days: int = HORIZON_DAYS,
) -> datetime | None:
    """`now` when a call is allowed now in every zone, else the first instant it will be
    (within `days`); None when there is none. Several zones: an ambiguous record is called
    only when it is within the window wherever it may be."""
    return _next_callable(tuple(zones), tuple(rules), now, days)


@lru_cache(maxsize=4096)
def _next_callable(
    zones: tuple[ZoneInfo, ...], rules: tuple[Rule, ...], now: datetime, days: int
) -> datetime | None:
    """Memoised: a run judges every record at one `now`, and a list has few distinct (zones,
    rules) pairs, while working out the intervals costs ~5 ms (`cxo check`: 5 ms a record)."""
    if not zones:
        return None
    common = open_intervals(zones[0], rules, now, days)
    for zone in zones[1:]:
        common = intersect(common, open_intervals(zone, rules, now, days))
    for opens, closes in common:
        if closes > now:
            return max(opens, now)
    return None


# -- the policy file ---------------------------------------------------------------------------
def _hours(value: Any, where: str) -> Hours | None:
    if isinstance(value, str) and value.strip().lower() == "closed":
        return None
    if not isinstance(value, str) or value.count("-") != 1:
        raise PolicyError(f"{where}: hours are \"HH:MM-HH:MM\" or \"closed\", not {value!r}")
    start_text, end_text = (part.strip() for part in value.split("-"))
    try:
        start = time.fromisoformat(start_text)
        end = time.max if end_text in ("24:00", "24:00:00") else time.fromisoformat(end_text)
    except ValueError as exc:
        raise PolicyError(f"{where}: {value!r} is not HH:MM-HH:MM") from exc
    if not start < end:
        raise PolicyError(f"{where}: {value!r} ends before it starts")
    return Hours(start, end)


def _holidays(value: Any, where: str) -> frozenset[date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise PolicyError(f"{where}.holidays: a list of dates (\"2026-12-25\")")
    days: set[date] = set()
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        try:
            days.add(date.fromisoformat(str(item)))
        except ValueError as exc:
            raise PolicyError(f"{where}.holidays: {item!r} is not a date (YYYY-MM-DD)") from exc
    return frozenset(days)


def _rule(table: Any, where: str, unset: Hours | None) -> Rule:
    """A rule from its table; `unset` is a weekday's hours when neither `hours` nor the day's
    own key says (the federal hours for the default, all day for a region: it only narrows)."""
    if not isinstance(table, Mapping):
        raise PolicyError(f"{where}: a table of hours, mon..sun and holidays")
    unknown = set(table) - {"hours", "holidays", *DAYS}
    if unknown:
        raise PolicyError(f"{where}: unknown keys {sorted(unknown)} (hours, mon..sun, holidays)")
    every = _hours(table["hours"], f"{where}.hours") if "hours" in table else unset
    week = [every] * 7
    for index, name in enumerate(DAYS):
        if name in table:
            week[index] = _hours(table[name], f"{where}.{name}")
    return Rule(tuple(week), _holidays(table.get("holidays"), where))


def parse_policy(data: Mapping[str, Any], *, source: str = "policy") -> CallingPolicy:
    """A policy from its TOML document (see the module docstring)."""
    unknown = set(data) - {"default", "regions"}
    if unknown:
        raise PolicyError(f"{source}: unknown tables {sorted(unknown)} (default, regions)")
    default = (
        _rule(data["default"], f"{source}: [default]", FEDERAL.week[0])
        if "default" in data else FEDERAL
    )
    regions_table = data.get("regions", {})
    if not isinstance(regions_table, Mapping):
        raise PolicyError(f"{source}: [regions] is a table of region tables")
    regions: dict[str, Rule] = {}
    for key, table in regions_table.items():
        name = str(key).strip().upper()
        country, _, state = name.partition("-")
        if len(country) != 2 or not country.isalpha() or (state and not state.isalnum()):
            raise PolicyError(f"{source}: region {key!r} is a country (US) or a state (US-FL)")
        regions[name] = _rule(table, f"{source}: [regions.{key}]", ALL_DAY)
    return CallingPolicy(default, regions)


def load_policy(path: Path | None) -> CallingPolicy:
    """The policy in a TOML file; the federal default when `path` is None."""
    if path is None:
        return CallingPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read calling policy {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not TOML: {exc}") from exc
    return parse_policy(data, source=str(path))
