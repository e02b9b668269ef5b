"""The retry policy, pure: what may be retried, how long to wait, and whether budget is left.

Modelled on botocore's standard retry mode: full-jitter exponential backoff, a retry quota that
a failing server drains (so a fleet of workers stops hammering it), plus what botocore lacks:
`Retry-After` honoured up to a ceiling (above it we give up rather than wait, as OpenAI's client
does), and an overall deadline per logical call. No I/O, no clock reads: the caller passes the
elapsed time and a `random.Random`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
# Methods whose repetition cannot apply a change twice (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
# PATCH is not idempotent in general; in this API every PATCH sets fields to given values, so a
# replay leaves the same state. That is the contract's promise, and why the issue lists it.


def is_safe_to_retry(method: str, *, has_idempotency_key: bool) -> bool:
    """Whether repeating this request can never apply its effect twice."""
    method = method.upper()
    return method in IDEMPOTENT_METHODS or (method == "POST" and has_idempotency_key)


def is_retryable_status(status: int) -> bool:
    """Whether an HTTP answer with this status is worth another attempt."""
    return status in RETRYABLE_STATUSES


def full_jitter_backoff(attempt: int, rng: random.Random, *, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): `U(0,1) * min(cap, base*2**(n-1))`.

    Full jitter (AWS architecture blog, "Exponential Backoff and Jitter") spreads the retries of
    many workers evenly instead of letting them return in lock-step.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    exponent = min(attempt - 1, 62)  # 2**62 already dwarfs any cap; avoids float overflow
    return rng.random() * min(cap, base * float(2**exponent))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """The seconds a `Retry-After` header asks for, or None when absent or unreadable.

    Accepts delta-seconds (`"3"`, leniently `"1.5"`) and an HTTP-date (RFC 9110 §10.2.3); a date
    in the past means "now" (0). `now` is the wall-clock time to measure a date against.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
            return None
        return seconds
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None  # pragma: no cover - older Pythons returned None instead of raising
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT by definition
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


class RetryQuota:
    """A shared budget of retries (botocore standard mode): failures drain it, successes refill it.

    When many calls fail at once, the quota runs dry and later failures are raised at once instead
    of retried, so a struggling server is not hammered by every worker's retries.
    """

    def __init__(
        self,
        capacity: int = 500,
        *,
        retry_cost: int = 5,
        timeout_cost: int = 10,
        success_refund: int = 1,
    ) -> None:
        self.capacity = capacity
        self.available = capacity
        self.retry_cost = retry_cost
        self.timeout_cost = timeout_cost
        self.success_refund = success_refund

    def acquire(self, *, timeout_or_connection_error: bool) -> int:
        """Take the cost of one retry; returns the amount taken, 0 when the quota is exhausted."""
        cost = self.timeout_cost if timeout_or_connection_error else self.retry_cost
        if cost > self.available:
            return 0
        self.available -= cost
        return cost

    def refund(self, amount: int) -> None:
        """Give back what a retry took once it succeeded (botocore does the same)."""
        self.available = min(self.capacity, self.available + amount)

    def on_success(self) -> None:
        """A call succeeded without retry: refill a little."""
        self.available = min(self.capacity, self.available + self.success_refund)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced, as far as the policy cares."""

    status: int | None  # None: no HTTP answer (connection error, timeout)
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """Retry after `delay` seconds, or give up and say why."""

    retry: bool
    delay: float = 0.0
    reason: str = ""
    quota_taken: int = 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try again. `decide` is pure apart from taking from the quota it is given."""

    max_attempts: int = 6
    deadline: float = 300.0  # seconds for one logical call, waits included
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    max_retry_after: float = 120.0  # a server asking for longer is treated as "not now"
    # waits after the 1st, 2nd, ... 429 that names no Retry-After (the last one repeats), each
    # plus up to a quarter of itself at random so workers do not return in step; () = jitter
    throttle_delays: tuple[float, ...] = ()

    def decide(
        self,
        outcome: Outcome,
        *,
        method: str,
        has_idempotency_key: bool,
        attempt: int,
        elapsed: float,
        rng: random.Random,
        quota: RetryQuota,
    ) -> Decision:
        """Whether to retry after failed attempt `attempt` (1-based), `elapsed` s into the call."""
        if outcome.status is not None and not is_retryable_status(outcome.status):
            return Decision(False, reason=f"HTTP {outcome.status} is not retryable")
        # A 429 is a refusal before the request was handled (the rate limiter answers instead
        # of the endpoint), so even a POST without a key cannot be applied twice by a retry.
        if outcome.status != 429 and not is_safe_to_retry(
            method, has_idempotency_key=has_idempotency_key
        ):
            return Decision(
                False, reason=f"{method.upper()} without an Idempotency-Key is not retried"
            )
        if attempt >= self.max_attempts:
            return Decision(False, reason=f"gave up after {attempt} attempts")
        if outcome.retry_after is not None:
            if outcome.retry_after > self.max_retry_after:
                return Decision(
                    False,
                    reason=f"server asked to wait {outcome.retry_after:g}s, "
                    f"more than the {self.max_retry_after:g}s ceiling",
                )
            delay = outcome.retry_after
        elif outcome.status == 429 and self.throttle_delays:
            floor = self.throttle_delays[min(attempt, len(self.throttle_delays)) - 1]
            delay = floor * (1 + 0.25 * rng.random())
        else:
            delay = full_jitter_backoff(
                attempt, rng, base=self.backoff_base, cap=self.backoff_cap
            )
        if elapsed + delay > self.deadline:
            return Decision(False, reason=f"the {self.deadline:g}s deadline would pass")
        taken = quota.acquire(timeout_or_connection_error=outcome.status is None)
        if not taken:
            return Decision(False, reason="retry quota exhausted (the server keeps failing)")
        return Decision(True, delay=delay, quota_taken=taken)
