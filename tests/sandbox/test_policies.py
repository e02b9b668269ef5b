"""Pure parts: the fault spec and its deterministic injector, the token bucket, CSV checks."""

from __future__ import annotations

import gzip

import pytest

from cxone_outbound.sandbox.errors import PayloadTooLarge, ValidationFailed
from cxone_outbound.sandbox.http.faults import FaultInjector, FaultSpecError, parse_fault_spec
from cxone_outbound.sandbox.http.ratelimit import TokenBucket
from cxone_outbound.sandbox.store.lists.csv_import import decompress, parse_import


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _outcomes(spec: str, n: int) -> list[tuple[bool, int | None]]:
    injector = FaultInjector(parse_fault_spec(spec), Clock())
    return [(v.drop, v.error_status) for v in
            (injector.decide("PATCH", "/api/v2/contacts/x") for _ in range(n))]


def test_faults_are_the_same_for_the_same_seed() -> None:
    assert _outcomes("error=0.3:503,drop=0.1,seed=7", 200) == \
        _outcomes("error=0.3:503,drop=0.1,seed=7", 200)


def test_fault_rates_are_roughly_honoured() -> None:
    errors = sum(1 for _, status in _outcomes("error=0.25:502,seed=1", 4000) if status == 502)
    assert 800 < errors < 1200


def test_faults_can_target_one_endpoint() -> None:
    injector = FaultInjector(parse_fault_spec("error@GET:/api/v2/webhooks=1:500"), Clock())
    assert injector.decide("PATCH", "/api/v2/contacts/x").error_status is None
    assert injector.decide("GET", "/api/v2/webhooks").error_status == 500


def test_a_storm_starts_at_its_request_and_lasts_its_duration() -> None:
    clock = Clock()
    injector = FaultInjector(parse_fault_spec("storm=2s@3"), clock)
    stormy = [injector.decide("GET", "/x").storm_retry_after is not None for _ in range(4)]
    clock.now = 2.5
    assert stormy == [False, False, True, True]
    assert injector.decide("GET", "/x").storm_retry_after is None


def test_revocation_happens_once_after_the_given_count() -> None:
    injector = FaultInjector(parse_fault_spec("revoke_after=2"), Clock())
    assert [injector.decide("GET", "/x").revoke for _ in range(5)] == [
        False, False, True, False, False]


@pytest.mark.parametrize("spec", ["error=2:503", "error=0.1:404", "latency=fast", "storm=2s",
                                  "bogus=1", "drop"])
def test_bad_fault_specs_are_refused_with_a_reason(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        parse_fault_spec(spec)


def test_token_bucket_allows_the_burst_then_refuses_with_retry_after() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock)
    decisions = [bucket.take() for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after_s >= 1
    clock.now = 0.1
    assert bucket.take().allowed


def test_gzip_bomb_over_the_limit_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        decompress(gzip.compress(b"a" * 2000), limit=1000)


def test_not_gzip_is_400() -> None:
    with pytest.raises(ValidationFailed):
        decompress(b"phone_number\n+1")


@pytest.mark.parametrize("body", [b"", b"\n", b"first_name\nAnn\n", b"phone_number\n\xff\xfe\n",
                                  b'phone_number\n"unclosed\n'])
def test_bodies_without_a_usable_header_or_encoding_are_400(body: bytes) -> None:
    with pytest.raises(ValidationFailed):
        parse_import(body)


def test_more_rows_than_allowed_is_413() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_import(b"phone_number\n" + b"+14155550100\n" * 11, max_rows=10)
