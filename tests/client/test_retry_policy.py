"""The retry policy, pure: classification, full-jitter backoff, Retry-After, quota, deadline."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.client.retry import (
    Outcome,
    RetryPolicy,
    RetryQuota,
    full_jitter_backoff,
    is_safe_to_retry,
    parse_retry_after,
)

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def decide(policy: RetryPolicy, outcome: Outcome, *, method: str = "GET", key: bool = False,
           attempt: int = 1, elapsed: float = 0.0, quota: RetryQuota | None = None):
    return policy.decide(
        outcome, method=method, has_idempotency_key=key, attempt=attempt, elapsed=elapsed,
        rng=random.Random(7), quota=quota or RetryQuota(),
    )


@given(
    attempt=st.integers(1, 200),
    base=st.floats(0.001, 10),
    cap=st.floats(0.001, 600),
    seed=st.integers(0, 2**32),
)
def test_backoff_stays_within_zero_and_the_capped_exponential(attempt, base, cap, seed):
    delay = full_jitter_backoff(attempt, random.Random(seed), base=base, cap=cap)
    assert 0.0 <= delay <= min(cap, base * 2 ** (attempt - 1))


def test_backoff_spreads_over_the_whole_interval():
    rng = random.Random(1)
    delays = [full_jitter_backoff(4, rng, base=0.5, cap=20) for _ in range(2000)]
    assert min(delays) < 0.4 and max(delays) > 3.6  # full jitter: U(0, 4)


@given(seconds=st.integers(0, 10**6))
def test_retry_after_reads_delta_seconds(seconds):
    assert parse_retry_after(str(seconds)) == seconds


@given(seconds=st.integers(0, 10**5))
def test_retry_after_reads_an_http_date(seconds):
    header = format_datetime(NOW + timedelta(seconds=seconds), usegmt=True)
    assert parse_retry_after(header, now=NOW) == seconds


def test_retry_after_in_the_past_means_now():
    header = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(header, now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-3", "nan", "inf", "Mon, 99 Foo 2030"])
def test_retry_after_that_cannot_be_read_is_ignored(value):
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "get"])
def test_idempotent_methods_are_safe_to_retry(method):
    assert is_safe_to_retry(method, has_idempotency_key=False)


def test_post_is_safe_to_retry_only_with_an_idempotency_key():
    assert not is_safe_to_retry("POST", has_idempotency_key=False)
    assert is_safe_to_retry("POST", has_idempotency_key=True)


@given(status=st.integers(400, 599).filter(lambda s: s not in {429, 502, 503, 504}))
def test_other_error_statuses_are_never_retried(status):
    assert not decide(RetryPolicy(), Outcome(status)).retry


@pytest.mark.parametrize("status", [429, 502, 503, 504, None])
def test_throttling_gateway_errors_and_connection_errors_are_retried(status):
    assert decide(RetryPolicy(), Outcome(status)).retry


def test_post_without_key_is_not_retried_even_on_503():
    decision = decide(RetryPolicy(), Outcome(503), method="POST")
    assert not decision.retry and "Idempotency-Key" in decision.reason


def test_post_without_key_is_retried_after_a_429_which_refused_it_unhandled():
    decision = decide(RetryPolicy(), Outcome(429, retry_after=1.0), method="POST")
    assert decision.retry and decision.delay == 1.0


def test_retry_after_sets_the_delay():
    assert decide(RetryPolicy(), Outcome(429, retry_after=7.0)).delay == 7.0


def test_retry_after_above_the_ceiling_gives_up_instead_of_waiting():
    decision = decide(RetryPolicy(max_retry_after=120), Outcome(429, retry_after=121.0))
    assert not decision.retry and "ceiling" in decision.reason


@given(attempt=st.integers(1, 60), max_attempts=st.integers(1, 50))
def test_never_more_than_max_attempts(attempt, max_attempts):
    decision = decide(RetryPolicy(max_attempts=max_attempts), Outcome(503), attempt=attempt)
    assert decision.retry == (attempt < max_attempts)


@given(elapsed=st.floats(0, 400), retry_after=st.floats(0, 120))
def test_never_waits_past_the_deadline(elapsed, retry_after):
    policy = RetryPolicy(deadline=300, max_attempts=50)
    decision = decide(policy, Outcome(429, retry_after=retry_after), elapsed=elapsed)
    assert decision.retry == (elapsed + retry_after <= 300)


def test_quota_runs_dry_after_capacity_over_cost_retries():
    quota = RetryQuota(capacity=500, retry_cost=5)
    policy = RetryPolicy(max_attempts=50)
    granted = sum(decide(policy, Outcome(503), quota=quota).retry for _ in range(150))
    assert granted == 100
    assert "quota" in decide(policy, Outcome(503), quota=quota).reason


def test_connection_errors_cost_more_of_the_quota():
    quota = RetryQuota(capacity=500, retry_cost=5, timeout_cost=10)
    granted = sum(decide(RetryPolicy(), Outcome(None), quota=quota).retry for _ in range(100))
    assert granted == 50


def test_successes_refill_the_quota_up_to_capacity():
    quota = RetryQuota(capacity=20, retry_cost=5, success_refund=1)
    quota.acquire(timeout_or_connection_error=False)
    for _ in range(10):
        quota.on_success()
    assert quota.available == 20


def test_a_429_without_retry_after_backs_off_2_then_6_seconds_on_the_admin_policy():
    from cxone_outbound.client.admin.session import admin_retry_policy
    from cxone_outbound.config import Settings

    policy = admin_retry_policy(Settings(max_attempts=6))
    waits = [decide(policy, Outcome(429), attempt=n).delay for n in (1, 2, 3)]
    assert 2.0 <= waits[0] <= 2.5 and 6.0 <= waits[1] <= 7.5 and 6.0 <= waits[2] <= 7.5


def test_a_429_with_retry_after_still_follows_the_server_on_the_admin_policy():
    from cxone_outbound.client.admin.session import admin_retry_policy
    from cxone_outbound.config import Settings

    policy = admin_retry_policy(Settings(max_attempts=6))
    assert decide(policy, Outcome(429, retry_after=1.0)).delay == 1.0
