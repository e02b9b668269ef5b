"""How fast to send: an adaptive token bucket shared by every worker, plus a concurrency cap.

The rate follows botocore's adaptive mode: CUBIC (C=0.4, beta=0.7) grows the rate while requests
succeed and cuts it by beta on a 429, never above twice the measured send rate nor above the
configured ceiling. `AdaptiveRateLimiter` lists where it departs from botocore, and why.

`X-RateLimit-Limit` seeds the starting rate when it is below the configured maximum. Its meaning
varies between servers (requests per second, per window, or a burst size; the sandbox sends its
sustained rate in requests per second), so it is only a start: CUBIC probes above it while
nothing is refused, never above the configured max rate, and cuts on a 429. The clock is
injected; no network here.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Mapping

from cxone_outbound.client.clock import Clock

MIN_RATE = 0.5  # requests/s: never stall completely
# The server's bucket counts as nearly empty below the requests in flight + a margin: this many
# seconds of its rate (at least MIN_MARGIN tokens), doubled by each 429 the headers did not
# foresee, up to MAX_MARGIN_S (+ concurrency). What is left there when a run ends is never used.
LOW_WATER_S = 0.01
MIN_MARGIN = 2.0
MAX_MARGIN_S = 0.05
SPARE_SPEND_S = 0.25  # tokens above the low water are spent at up to 1/this of them a second
MAX_EVENT_S = 1.0  # a congestion event lasts `concurrency` sends at the new rate, at most this


class TokenBucket:
    """Tokens at `rate` per second up to a small burst; waiters queue by reserving future tokens.

    A caller that finds no token takes one "on credit" (the balance goes negative) and sleeps
    until it is earned, so N waiters sleep N different durations instead of all waking to fight
    for each token.
    """

    def __init__(self, rate: float, clock: Clock, *, burst_s: float = 0.25) -> None:
        self._clock = clock
        self._burst_s = burst_s
        self._rate = max(MIN_RATE, rate)
        self._capacity = max(1.0, self._rate * burst_s)
        self._tokens = self._capacity
        self._last = clock.monotonic()
        self._hold_until = -math.inf
        self._generation = 0  # bumped by `drain`: reservations made before it are void

    @property
    def rate(self) -> float:
        return self._rate

    def _refill(self, now: float) -> None:
        if now > self._last:
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now

    def set_rate(self, rate: float) -> None:
        """Change the refill rate from now on (tokens earned so far are kept)."""
        self._refill(self._clock.monotonic())
        self._rate = max(MIN_RATE, rate)
        self._capacity = max(1.0, self._rate * self._burst_s)
        self._tokens = min(self._tokens, self._capacity)

    def drain(self) -> None:
        """After a cut: no banked tokens, and callers already waiting on a reservation made at
        the old rate reserve again at the new one (else they would still go at the old
        spacing, into the server's empty bucket)."""
        self._refill(self._clock.monotonic())
        self._tokens = 0.0
        self._generation += 1

    def limit_banked(self, tokens: float) -> None:
        """Bank no more than `tokens` (what a server says it has left beyond a margin)."""
        self._refill(self._clock.monotonic())
        self._tokens = min(self._tokens, max(0.0, tokens))

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (a server's Retry-After), then resume from an empty bucket."""
        now = self._clock.monotonic()
        until = now + seconds
        if until <= self._hold_until:
            return
        self._refill(now)
        self._hold_until = until
        self._tokens = min(self._tokens, 0.0)
        self._last = max(self._last, until)  # no tokens accrue while held

    def try_take(self) -> bool:
        """Take a token if one is there right now (the no-wait fast path)."""
        now = self._clock.monotonic()
        if now < self._hold_until:
            return False
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    async def acquire(self) -> None:
        """Take one token, waiting as long as it takes to earn it."""
        while True:
            now = self._clock.monotonic()
            self._refill(now)
            self._tokens -= 1.0
            if self._tokens >= 0.0 and now >= self._hold_until:
                return
            generation = self._generation
            await self._clock.sleep(max(-self._tokens / self._rate, self._hold_until - now))
            # A hold may have started while we slept on an earlier reservation.
            while (now := self._clock.monotonic()) < self._hold_until:
                await self._clock.sleep(self._hold_until - now)
            if generation == self._generation:
                return


class SendRateMeter:
    """A measured rate: an EWMA over half-second buckets (botocore's RateClocker).

    Unlike botocore's, the first interval runs from the first answer (not from the bucket's
    floor, which made a first reading up to 10x low) and is taken as it is rather than averaged
    with the initial 0: `2 * measured` caps the rate, and a cut starts from it.
    """

    def __init__(self, clock: Clock, *, smoothing: float = 0.8, bucket_s: float = 0.5) -> None:
        self._clock = clock
        self._smoothing = smoothing
        self._bucket_s = bucket_s
        self._count = 0
        self._bucket: float | None = None
        self.rate = 0.0  # 0 until the first bucket closes: "not measured yet"

    def record(self) -> float:
        now = self._clock.monotonic()
        bucket = math.floor(now / self._bucket_s) * self._bucket_s
        self._count += 1
        if self._bucket is None:
            self._bucket = now  # the first interval starts at the first answer, not the floor
        elif bucket - self._bucket >= self._bucket_s / 2:
            current = self._count / (bucket - self._bucket)
            if self.rate > 0:
                current = current * self._smoothing + self.rate * (1 - self._smoothing)
            self.rate = current
            self._count = 0
            self._bucket = bucket
        return self.rate


class Cubic:
    """CUBIC rate curve (RFC 8312 as adapted by botocore): fast regrowth to the last good rate,
    a plateau around it, then cautious probing above."""

    def __init__(
        self, w_max: float, start: float, *, scale: float = 0.4, beta: float = 0.7
    ) -> None:
        self.scale = scale
        self.beta = beta
        self.w_max = w_max
        self.last_fail = start
        self.k = self._zero_point()

    def _zero_point(self) -> float:
        return float((self.w_max * (1 - self.beta) / self.scale) ** (1 / 3))

    def on_success(self, now: float) -> float:
        return self.scale * (now - self.last_fail - self.k) ** 3 + self.w_max

    def on_throttle(self, rate: float, now: float) -> float:
        self.w_max = rate
        self.k = self._zero_point()
        self.last_fail = now
        return rate * self.beta


def seed_rate(headers: Mapping[str, str]) -> float | None:
    """The requests/s an `X-RateLimit-Limit` header announces, or None."""
    return _header_number(headers.get("X-RateLimit-Limit"), positive=True)


def _header_number(raw: str | None, *, positive: bool) -> float | None:
    if raw is None:
        return None
    try:
        # "100" or the draft-ietf form "100, 100;w=1": the first number is the quota.
        value = float(raw.split(",")[0].split(";")[0].strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        return None
    return value


class AdaptiveRateLimiter:
    """Shared by all workers of a run: `acquire` before each attempt, `release` + `on_response`
    after it.

    Until the first 429 (or an `X-RateLimit-Limit` below the ceiling) the limiter sends at the
    configured max rate; from then on CUBIC sets the rate. What differs from botocore, each for a
    collapse seen in traces (docs/benchmarks.md):

    - every answer is metered from the first one, so the first 429 is cut from a real send
      rate, not from an empty meter;
    - one cut per congestion event: a 429 for a request sent before the last cut, or within
      `concurrency` sends at the new rate after it (while the server's bucket is still empty),
      is an echo of the event already answered (TCP: one cut per window); each cut starts from
      at least `beta` times the rate of the previous one, so a lagging meter cannot compound
      cuts into a collapse;
    - a cut drops banked tokens, so the lower rate is not preceded by a burst that meets the
      still-empty server bucket;
    - `Retry-After` holds every worker only for a fresh event, and no longer than a token of an
      announced limit takes to come back (a server rounding 3 ms up to 1 s stalls no one);
    - the first 429 after the unthrottled start cuts by beta twice and regrows towards one cut:
      the server's burst hid its limit, so the rate it came at is no last good rate;
    - with `X-RateLimit-Remaining`, the server's tokens above a low water (the requests in
      flight + a small margin) are spent at once (a fixed pool grabs them too), then the
      announced limit is held before any 429 (like ECN before loss; CUBIC's slow probing above
      it restarts from it at each low water).
      What stays in the server's bucket is lost when the run ends, so the margin starts at
      10 ms of the limit and doubles only on a 429 the headers did not foresee.
    """

    def __init__(self, max_rate: float, concurrency: int, clock: Clock) -> None:
        self._clock = clock
        self.ceiling = max_rate
        self.bucket = TokenBucket(max_rate, clock)
        self._meter = SendRateMeter(clock)
        self._cubic = Cubic(max_rate, clock.monotonic())
        self.concurrency = concurrency
        self._free = concurrency  # concurrency slots; FIFO waiters below
        self.in_flight = 0  # sent and not answered (slots held by callers waiting for a token
        # are not: the server has not seen those)
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.adapting = False  # botocore's "enabled": set by the first throttle
        self.announced: float | None = None  # the X-RateLimit-Limit last seen
        self._event_ends = -math.inf  # 429s of requests sent before this belong to the last cut
        self._last_base = 0.0  # the rate the last cut started from
        self.margin = 0.0  # tokens kept in the server's bucket beyond those in flight
        self._reading_sent = -math.inf  # when the request of the freshest Remaining was sent
        self._spare = 0.0  # the rate that reading allowed
        self.throttles = 0
        self.cuts = 0

    @property
    def rate(self) -> float:
        return self.bucket.rate

    def try_acquire(self) -> float | None:
        """A slot and a token without waiting, or None: the per-request fast path."""
        if self._free > 0 and not self._waiters and self.bucket.try_take():
            self._free -= 1
            self.in_flight += 1
            return self._clock.monotonic()
        return None

    async def acquire(self) -> float:
        """Wait for a concurrency slot and a token; returns the send time, for `on_response`."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._pass_slot()  # the slot was handed to us as we were cancelled
                raise
        try:
            await self.bucket.acquire()
        except BaseException:
            self._pass_slot()
            raise
        self.in_flight += 1
        return self._clock.monotonic()

    def release(self) -> None:
        """Give the concurrency slot back (before any backoff sleep): to the longest waiter."""
        self.in_flight = max(0, self.in_flight - 1)
        self._pass_slot()

    def _pass_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def on_response(
        self,
        sent_at: float,
        *,
        throttled: bool,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Learn from one answered attempt (a connection error teaches nothing about the rate)."""
        measured = self._meter.record()
        if throttled:
            self._on_throttle(sent_at, measured, retry_after, headers)
            return
        spare = 0.0
        if headers is not None and "X-RateLimit-Limit" in headers:
            spare = self._on_announcement(headers, sent_at)
        if self.adapting:
            new_rate = self._cubic.on_success(self._clock.monotonic())
            if measured > 0:
                new_rate = min(new_rate, 2 * measured)
            new_rate = max(new_rate, spare)
            self.bucket.set_rate(min(self.ceiling, max(MIN_RATE, new_rate)))

    def _on_throttle(
        self,
        sent_at: float,
        measured: float,
        retry_after: float | None,
        headers: Mapping[str, str] | None,
    ) -> None:
        self.throttles += 1
        if sent_at < self._event_ends:
            return  # sent before the last cut could show: an echo of the event it answered
        now = self._clock.monotonic()
        if retry_after is not None and retry_after > 0:
            self.bucket.hold(self._hold_for(retry_after, headers))
        current = self.bucket.rate
        base = min(measured, current) if measured > 0 else current
        base = max(base, self._cubic.beta * self._last_base)  # at most one beta per event
        if not self.adapting:
            # The first 429 after sending at max_rate: the server's burst hid its limit, so the
            # rate it came at is no "last good rate" to regrow to quickly. Cut twice, regrow
            # towards one cut (the first event cost ~9 429s at R = 100/s, now ~5).
            base *= self._cubic.beta
        new_rate = self._cubic.on_throttle(base, now)
        if self.announced is not None:
            # The headers said there were tokens left: keep more of them from now on.
            self.margin = min(2 * self.margin, self._max_margin(self.announced))
        self.adapting = True
        self.cuts += 1
        self._last_base = base
        self.bucket.set_rate(min(self.ceiling, max(MIN_RATE, new_rate)))
        self.bucket.drain()
        # The server's bucket is empty now: a request sent in the next few sends can meet it
        # empty even at a rate below the limit. A rate still over the limit keeps failing
        # after that, and is cut again then.
        self._event_ends = now + min(MAX_EVENT_S, self.concurrency / self.bucket.rate)

    def _hold_for(self, retry_after: float, headers: Mapping[str, str] | None) -> float:
        """How long every worker pauses for a 429's Retry-After: what it says, but no longer
        than one token of an announced limit takes (delta-seconds are whole seconds on most
        servers, so 3 ms arrives as "1"); the throttled request itself still waits it all."""
        announced = seed_rate(headers) if headers is not None else None
        if announced is not None:
            return min(retry_after, 1.0 / announced)
        return retry_after

    def _max_margin(self, announced: float) -> float:
        return max(self.margin, self.concurrency + MAX_MARGIN_S * announced)

    def _on_announcement(self, headers: Mapping[str, str], sent_at: float) -> float:
        """Seed from `X-RateLimit-Limit`; stop probing above it when the bucket runs low.

        Returns the rate the server's spare tokens allow (0: none announced): the announced
        rate plus the tokens above the low water spent over `SPARE_SPEND_S`, so the burst a
        fixed pool would grab is used too, draining towards the low water, never past it.
        """
        announced = seed_rate(headers)
        if announced is None:
            return 0.0
        first = self.announced is None
        self.announced = announced
        if first:
            self.margin = max(MIN_MARGIN, LOW_WATER_S * announced)
        if first and announced < self.bucket.rate:
            # Start CUBIC on its plateau at the announced rate: it probes above it while
            # nothing is refused (the header may mean a burst, not a rate) and cuts on a 429.
            self._plateau(announced)
        remaining = _header_number(headers.get("X-RateLimit-Remaining"), positive=False)
        if remaining is None:
            return 0.0
        if sent_at < self._reading_sent:
            return self._spare  # answers overtake each other: a later request's reading is fresher
        self._reading_sent = sent_at
        # Requests in flight may not be counted in `remaining` yet.
        low = self.in_flight + self.margin
        # Tokens banked here while sending slower than the limit were banked by the server
        # too: spent here as a burst and above the limit as spare, they would be spent twice.
        self.bucket.limit_banked(remaining - low)
        if remaining <= low:
            if self.bucket.rate > announced:
                self._plateau(announced)  # the burst is spent: hold the sustained rate
            self._spare = 0.0
        elif self._clock.monotonic() < self._event_ends:
            self._spare = 0.0  # just cut: the announcement may predate the event
        else:
            self._spare = announced + (remaining - low) / SPARE_SPEND_S
        return self._spare

    def _plateau(self, rate: float) -> None:
        """Send at `rate` from now on, with CUBIC on its plateau there (probing slowly above)."""
        now = self._clock.monotonic()
        self._cubic = Cubic(rate, now)
        self._cubic.last_fail = now - self._cubic.k
        self.adapting = True
        self.bucket.set_rate(min(self.ceiling, rate))
