"""The Twilio Lookup v2 adapter against the sandbox's emulation: types, batching, cache, 429s."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pydantic import SecretStr

from cxone_outbound.client.clock import FakeClock
from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.config import Settings
from cxone_outbound.phones import LineType, PhoneResult, normalize_phone
from cxone_outbound.phones.linetypes import LineTypeCache, TwilioLineTypeLookup
from cxone_outbound.phones.linetypes.twilio import parse_answer
from cxone_outbound.sandbox.lookups import ROUTE


class WallClock:
    """The cache's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _numbers(*raws: str) -> list[PhoneResult]:
    return [normalize_phone(raw) for raw in raws]


def _lookup(settings: Settings, cache: LineTypeCache | None, **kw: object) -> TwilioLineTypeLookup:
    return TwilioLineTypeLookup.from_settings(
        settings, cache, clock=FakeClock(), rng=random.Random(7), **kw)  # type: ignore[arg-type]


async def test_carrier_types_replace_what_offline_could_not_tell(settings: Settings) -> None:
    numbers = _numbers("+14152345671", "+14152345675", "+14152345677", "+18005550100",
                       "+442079460009")
    assert {n.line_type for n in numbers[:3]} == {LineType.FIXED_LINE_OR_MOBILE}
    async with _lookup(settings, None) as lookup:
        types = await lookup.line_types(numbers)
    assert types == [LineType.MOBILE, LineType.FIXED_LINE, LineType.VOIP, LineType.TOLL_FREE,
                     LineType.VOICEMAIL]


async def test_a_number_the_carrier_cannot_type_keeps_its_offline_type(
    settings: Settings,
) -> None:
    canadian = _numbers("+14162345678")  # the emulation answers error 60601, as Twilio does
    async with _lookup(settings, None) as lookup:
        assert await lookup.line_types(canadian) == [LineType.FIXED_LINE_OR_MOBILE]


async def test_a_batch_asks_each_distinct_number_once(
    settings: Settings, sandbox_control, tmp_path: Path
) -> None:
    sandbox_control.reset_counters()
    numbers = _numbers(*[f"+1415234{i:04d}" for i in range(40)] * 2)
    async with _lookup(settings, LineTypeCache(tmp_path / "c.sqlite3", ttl_s=3600)) as lookup:
        types = await lookup.line_types(numbers)
    assert len(types) == 80 and types[:40] == types[40:]
    assert types[0] is LineType.MOBILE and types[5] is LineType.FIXED_LINE
    assert sandbox_control.requests_to(ROUTE, 200) == 40
    assert lookup.requests == 40


async def test_a_rerun_pays_nothing_for_numbers_it_already_knows(
    settings: Settings, sandbox_control, tmp_path: Path
) -> None:
    numbers = _numbers(*[f"+1415234{i:04d}" for i in range(25)])
    cache_path = tmp_path / "line-types.sqlite3"
    async with _lookup(settings, LineTypeCache(cache_path, ttl_s=86400)) as first:
        answered = await first.line_types(numbers)
    sandbox_control.reset_counters()
    async with _lookup(settings, LineTypeCache(cache_path, ttl_s=86400)) as again:
        assert await again.line_types(numbers) == answered
    assert sandbox_control.requests_to(ROUTE) == 0
    assert (again.requests, again.cache_hits) == (0, 25)


async def test_answers_older_than_the_ttl_are_asked_again(
    settings: Settings, sandbox_control, tmp_path: Path
) -> None:
    wall = WallClock()
    numbers = _numbers("+14152345671", "+14152345672")
    cache = LineTypeCache(tmp_path / "c.sqlite3", ttl_s=3600, now=wall)
    async with _lookup(settings, cache) as lookup:
        await lookup.line_types(numbers)
        wall.now += 3599
        await lookup.line_types(numbers)
        assert lookup.requests == 2  # still fresh
        wall.now += 2
        sandbox_control.reset_counters()
        await lookup.line_types(numbers)
    assert sandbox_control.requests_to(ROUTE, 200) == 2
    assert lookup.requests == 4


async def test_429s_are_retried_until_every_number_is_answered(
    sandbox_factory, tmp_path: Path
) -> None:
    server = sandbox_factory(rate_limit=20, burst=2)  # real time: Retry-After is honoured
    settings = Settings(base_url=server.base_url, lookup_max_rate=200, lookup_concurrency=8)
    numbers = _numbers(*[f"+1415234{i:04d}" for i in range(30)])
    async with TwilioLineTypeLookup.from_settings(settings, None, rng=random.Random(3)) as lookup:
        types = await lookup.line_types(numbers)
    assert types == [LineType.MOBILE if i % 10 < 5 else types[i] for i in range(30)]
    assert all(t is not LineType.FIXED_LINE_OR_MOBILE for t in types)
    throttled = server.control.requests_to(ROUTE, 429)
    assert throttled > 0 and lookup.throttled == throttled
    assert lookup.limiter.throttles == throttled and lookup.limiter.adapting  # it slowed down
    assert server.control.requests_to(ROUTE, 200) == 30


async def test_wrong_credentials_are_a_configuration_error_without_the_token(
    settings: Settings,
) -> None:
    wrong = settings.model_copy(update={"lookup_auth_token": SecretStr("not-the-token-123")})
    async with _lookup(wrong, None) as lookup:
        with pytest.raises(ConfigurationError) as caught:
            await lookup.line_types(_numbers("+14152345671"))
    assert "lookup_auth_token" in str(caught.value)
    assert "not-the-token-123" not in str(caught.value)


def test_every_documented_twilio_type_maps_onto_a_line_type() -> None:
    for raw, expected in [("mobile", LineType.MOBILE), ("landline", LineType.FIXED_LINE),
                          ("fixedVoip", LineType.VOIP), ("nonFixedVoip", LineType.VOIP),
                          ("tollFree", LineType.TOLL_FREE), ("premium", LineType.PREMIUM_RATE),
                          ("sharedCost", LineType.SHARED_COST), ("uan", LineType.UAN),
                          ("personal", LineType.PERSONAL_NUMBER), ("pager", LineType.PAGER),
                          ("voicemail", LineType.VOICEMAIL), ("unknown", LineType.UNKNOWN)]:
        body = {"valid": True, "line_type_intelligence": {"type": raw, "error_code": None}}
        assert parse_answer(body).line_type is expected
    assert parse_answer({"valid": False, "line_type_intelligence": None}).line_type is None
    failed = parse_answer({"line_type_intelligence": {"type": None, "error_code": 60601}})
    assert (failed.line_type, failed.error_code) == (None, 60601)
