"""The adaptive rate limiter, pure: pacing, Retry-After holds, CUBIC, seeding (fake clock)."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.client.clock import FakeClock
from cxone_outbound.client.ratelimit import AdaptiveRateLimiter, Cubic, TokenBucket, seed_rate


async def test_bucket_paces_callers_at_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock, burst_s=0.1)
    for _ in range(101):
        await bucket.acquire()
    assert abs(clock.now - 10.0) < 0.11  # 1 token of burst, then one per 0.1 s


class FrozenClock(FakeClock):
    """Time stands still while callers sleep: shows what each waiter was told to wait."""

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


async def test_concurrent_waiters_queue_instead_of_waking_together():
    clock = FrozenClock()
    bucket = TokenBucket(4.0, clock, burst_s=0.25)
    await asyncio.gather(*(bucket.acquire() for _ in range(9)))
    assert sorted(clock.slept) == [0.25 * i for i in range(1, 9)]


async def test_hold_pauses_every_caller_for_the_retry_after():
    clock = FakeClock()
    bucket = TokenBucket(1000.0, clock)
    bucket.hold(5.0)
    await bucket.acquire()
    assert clock.now >= 5.0


@given(w_max=st.floats(1, 10_000))
def test_cubic_cuts_by_beta_then_regrows_to_the_last_good_rate(w_max):
    cubic = Cubic(w_max, start=0.0)
    assert abs(cubic.on_throttle(w_max, now=0.0) - 0.7 * w_max) < 1e-6 * w_max
    assert abs(cubic.on_success(0.0) - 0.7 * w_max) < 1e-6 * w_max
    assert abs(cubic.on_success(cubic.k) - w_max) < 1e-6 * w_max
    assert cubic.on_success(cubic.k + 5) > w_max  # then probes above


def test_x_ratelimit_limit_is_read_as_requests_per_second():
    assert seed_rate({"X-RateLimit-Limit": "50"}) == 50.0
    assert seed_rate({"X-RateLimit-Limit": "50, 50;w=1"}) == 50.0
    assert seed_rate({"X-RateLimit-Limit": "lots"}) is None
    assert seed_rate({}) is None


async def test_limiter_starts_at_an_announced_limit_and_probes_above_it():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(500.0, 4, clock)
    sent = await limiter.acquire()
    limiter.release()
    limiter.on_response(sent, throttled=False, headers={"X-RateLimit-Limit": "40"})
    assert limiter.rate == 40.0
    while clock.now < 40.0:  # 40 s of sending as fast as allowed, nothing refused
        sent = await limiter.acquire()
        clock.advance(0.002)
        limiter.release()
        limiter.on_response(sent, throttled=False, headers={"X-RateLimit-Limit": "40"})
    assert 40.0 < limiter.rate <= 500.0


async def test_many_429s_for_requests_sent_together_cut_the_rate_once():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 16, clock)
    sends = [await limiter.acquire() for _ in range(16)]
    clock.advance(0.01)
    for sent in sends:
        limiter.release()
        limiter.on_response(sent, throttled=True)
    assert limiter.cuts == 1 and limiter.rate == pytest.approx(49.0)


async def test_the_first_429_after_the_unthrottled_start_cuts_twice_and_regrows_to_one_cut():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 4, clock)
    limiter.on_response(clock.now, throttled=True)  # the burst hid the limit until now
    assert limiter.rate == pytest.approx(49.0)  # beta^2: 100/s was no "last good rate"
    await send_for(limiter, clock, 3.0)
    assert 60.0 < limiter.rate < 70.0  # near its plateau at 70/s (one cut), not back near 100


class SimulatedServer:
    """A server that admits `rate` requests/s (token bucket, burst 1) and 429s the rest."""

    def __init__(self, clock: FakeClock, rate: float) -> None:
        self.clock, self.rate = clock, rate
        self.tokens, self.last = 1.0, clock.now

    def admit(self) -> bool:
        now = self.clock.now
        self.tokens = min(1.0, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


async def test_limiter_converges_on_the_rate_a_server_admits():
    clock = FakeClock()
    server = SimulatedServer(clock, rate=40.0)
    limiter = AdaptiveRateLimiter(1000.0, 8, clock)
    log: list[tuple[float, bool]] = []
    while clock.now < 120.0:
        sent = await limiter.acquire()
        clock.advance(0.002)  # the round trip
        limiter.release()
        ok = server.admit()
        limiter.on_response(sent, throttled=not ok)
        log.append((clock.now, ok))
    late = [ok for t, ok in log if t >= 60.0]
    admitted_rate = sum(late) / 60.0
    throttled_share = late.count(False) / len(late)
    assert 0.75 * 40 <= admitted_rate <= 40.5
    assert throttled_share < 0.15


async def send_for(limiter: AdaptiveRateLimiter, clock: FakeClock, seconds: float,
                   headers: dict[str, str] | None = None) -> None:
    """Send as fast as the limiter allows for `seconds`, every answer a success."""
    end = clock.now + seconds
    while clock.now < end:
        sent = await limiter.acquire()
        clock.advance(0.001)
        limiter.release()
        limiter.on_response(sent, throttled=False, headers=headers)


async def test_the_first_429_is_cut_from_the_measured_send_rate():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 4, clock)
    await send_for(limiter, clock, 2.0)  # nothing refused yet: the meter still runs
    sent = await limiter.acquire()
    limiter.release()
    limiter.on_response(sent, throttled=True)
    assert 45.0 <= limiter.rate <= 49.0  # beta^2 x ~100/s, not x an empty meter
    await send_for(limiter, clock, 1.0)
    assert limiter.rate >= 45.0  # and `2 x measured` does not cap the regrowth near zero


async def test_each_cut_starts_from_at_least_beta_times_the_last_one():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 4, clock)
    await send_for(limiter, clock, 2.0)
    rates = []
    for _ in range(5):  # five events in a row, each after the previous cut, sending little
        clock.advance(3.0)  # so the send-rate meter reads low
        sent = await limiter.acquire()
        limiter.release()
        limiter.on_response(sent, throttled=True)
        rates.append(limiter.rate)
    assert limiter.cuts == 5
    assert all(b >= 0.7 * a - 1e-9 for a, b in itertools.pairwise(rates))  # one beta per event


async def test_a_cut_drops_banked_tokens():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 4, clock)
    clock.advance(1.0)  # a full bucket banked
    limiter.on_response(clock.now, throttled=True)
    sent = await limiter.acquire()
    assert sent > clock.now - 1e-9 and clock.slept and clock.slept[-1] > 0  # waited for a token


async def test_retry_after_holds_everyone_no_longer_than_a_token_of_the_announced_limit():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 4, clock)
    limiter.on_response(clock.now, throttled=True, retry_after=1.0,
                        headers={"X-RateLimit-Limit": "300", "Retry-After": "1"})
    start = clock.now
    await limiter.acquire()
    assert clock.now - start <= 2 / 300  # the 3 ms the server meant, not the "1" it rounded to


async def test_retry_after_without_an_announced_limit_holds_everyone_for_all_of_it():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 4, clock)
    limiter.on_response(clock.now, throttled=True, retry_after=2.0)
    await limiter.acquire()
    assert clock.now >= 2.0


async def test_a_429_for_a_request_sent_before_the_cut_neither_cuts_nor_holds():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 4, clock)
    early = clock.now
    clock.advance(0.1)
    limiter.on_response(early, throttled=True)  # the cut
    rate = limiter.rate
    limiter.on_response(early, throttled=True, retry_after=5.0)  # an echo of the same event
    assert limiter.rate == rate and limiter.cuts == 1 and limiter.throttles == 2
    await limiter.acquire()
    assert clock.now < 1.0


async def test_a_nearly_empty_server_bucket_stops_probing_above_the_announced_limit():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 4, clock)
    full = {"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "400"}
    await send_for(limiter, clock, 30.0, full)
    assert limiter.rate > 40.0  # probing above while the burst lasts
    low = {"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "2"}  # the 2-token margin
    sent = await limiter.acquire()
    limiter.release()
    limiter.on_response(sent, throttled=False, headers=low)
    assert limiter.rate == 40.0 and limiter.throttles == 0
    await send_for(limiter, clock, 5.0, low)
    assert 40.0 <= limiter.rate < 40.5  # held at the sustained rate while the bucket is low


async def test_a_429_within_concurrency_sends_after_a_cut_is_the_same_event():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(100.0, 7, clock)
    limiter.on_response(clock.now, throttled=True)  # cut to 49/s: the event lasts 7/49 s
    clock.advance(0.1)
    limiter.on_response(clock.now, throttled=True)  # sent into the still-empty server bucket
    assert limiter.cuts == 1
    clock.advance(0.05)
    limiter.on_response(clock.now, throttled=True)  # still refused after it: over the limit
    assert limiter.cuts == 2 and limiter.rate == pytest.approx(34.3)


async def test_callers_waiting_at_the_old_rate_are_paced_at_the_new_one_after_a_cut():
    clock = FrozenClock()
    limiter = AdaptiveRateLimiter(100.0, 16, clock)
    limiter.bucket.drain()  # nothing banked: the ten reserve 10, 20, ... 100 ms ahead
    waiting = [asyncio.create_task(limiter.bucket.acquire()) for _ in range(10)]
    await asyncio.sleep(0)
    assert sorted(clock.slept) == pytest.approx([0.01 * i for i in range(1, 11)])
    limiter.on_response(clock.now, throttled=True)  # cut to 49/s while they wait
    await asyncio.gather(*waiting)
    assert sorted(clock.slept[10:]) == pytest.approx([i / 49 for i in range(1, 11)])


async def test_announced_spare_tokens_are_spent_above_the_announced_limit():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 4, clock)
    limiter.on_response(clock.now, throttled=False,
                        headers={"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "102"})
    assert limiter.rate == pytest.approx(40 + (102 - 2) * 4)  # 4x the spare tokens a second
    limiter.on_response(clock.now, throttled=False,
                        headers={"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "12"})
    assert limiter.rate == pytest.approx(40 + (12 - 2) * 4)  # less as the bucket drains


async def test_requests_in_flight_count_against_the_announced_remaining():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 8, clock)
    sends = [await limiter.acquire() for _ in range(6)]  # five still unanswered below
    limiter.release()
    limiter.on_response(sends[0], throttled=False,
                        headers={"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "7"})
    assert limiter.rate == 40.0  # 7 - 5 in flight = the 2-token margin: hold the limit


async def test_a_reading_from_a_request_sent_before_the_freshest_one_is_ignored():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 8, clock)
    early, late = clock.now, clock.now + 0.01
    clock.advance(0.02)
    limiter.on_response(late, throttled=False,
                        headers={"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "2"})
    limiter.on_response(early, throttled=False,  # overtaken: the server counted `late` after it
                        headers={"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "50"})
    assert limiter.rate == 40.0


async def test_a_429_the_headers_did_not_foresee_widens_the_margin():
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(1000.0, 4, clock)
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "10"}
    limiter.on_response(clock.now, throttled=False, headers=headers)
    assert limiter.margin == 3.0  # 10 ms of the announced rate
    clock.advance(1.0)
    limiter.on_response(clock.now, throttled=True, headers=headers)
    assert limiter.margin == 6.0
    for _ in range(10):
        clock.advance(1.0)
        limiter.on_response(clock.now, throttled=True, headers=headers)
    assert limiter.margin == 4 + 0.05 * 300  # at most concurrency + 50 ms of the rate


async def test_tokens_banked_here_are_no_more_than_the_server_says_it_has():
    clock = FrozenClock()
    limiter = AdaptiveRateLimiter(100.0, 8, clock)  # 25 tokens banked: a quarter second
    limiter.on_response(clock.now, throttled=False,
                        headers={"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "5"})
    for _ in range(3):  # 5 - the 2-token margin
        assert limiter.try_acquire() is not None
    assert limiter.try_acquire() is None
