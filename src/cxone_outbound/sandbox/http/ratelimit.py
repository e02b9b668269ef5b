"""Per-tenant token buckets: the sandbox's rate limit, with what the X-RateLimit headers report."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_RATE = 200.0
DEFAULT_BURST = 400


@dataclass(frozen=True)
class Decision:
    """Whether a request may pass, and the numbers the response headers carry."""

    allowed: bool
    limit: float  # the sustained rate, requests per second
    remaining: int
    reset_s: int  # seconds until the bucket is full again
    retry_after_s: int  # seconds until one token is available (0 when allowed)
    announce: bool = True  # False: send no X-RateLimit-* and no Retry-After (as a real tenant)


class TokenBucket:
    """A classic token bucket: `rate` tokens per second, at most `burst` banked."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float], *,
                 announce: bool = True) -> None:
        self.rate = rate
        self.announce = announce
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.stamp = clock()

    def take(self) -> Decision:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        allowed = self.tokens >= 1.0
        if allowed:
            self.tokens -= 1.0
        missing = self.burst - self.tokens
        reset = math.ceil(missing / self.rate) if missing > 0 else 0
        retry = 0 if allowed else max(1, math.ceil((1.0 - self.tokens) / self.rate))
        return Decision(allowed, self.rate, int(self.tokens), reset, retry, self.announce)


class RateLimiter:
    """One bucket per key (the client id); `rate <= 0` turns limiting off."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST,
                 clock: Callable[[], float] = time.monotonic, *, headers: bool = True) -> None:
        self.clock = clock
        self.configure(rate, burst, headers=headers)

    def configure(self, rate: float, burst: int, *, headers: bool = True) -> None:
        """`headers=False` strips X-RateLimit-* and Retry-After, as a real tenant may."""
        self.rate = rate
        self.burst = max(1, burst)
        self.headers = headers
        self._buckets: dict[str, TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> Decision | None:
        """The decision for one request of `key`; None when limiting is off."""
        if self.rate <= 0:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.clock,
                                                       announce=self.headers)
        return bucket.take()
