"""The timeout budget: batch sizes that fit the campaign's maxEnrichmentTimeout."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.jobs.enrich.budget import batched, safe_batch_size


def test_one_contact_per_ten_ms_is_the_default_rule() -> None:
    assert safe_batch_size(3000) == 300


def test_the_rate_is_configurable() -> None:
    assert safe_batch_size(3000, ms_per_contact=25) == 120


def test_a_budget_smaller_than_one_contact_still_sends_one_at_a_time() -> None:
    assert safe_batch_size(5) == 1


def test_a_large_budget_is_capped_by_max_batch() -> None:
    assert safe_batch_size(60_000, max_batch=500) == 500


@pytest.mark.parametrize("timeout", [None, 0, -1])
def test_no_budget_means_the_cap(timeout: int | None) -> None:
    assert safe_batch_size(timeout, max_batch=250) == 250


def test_a_nonpositive_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="ms_per_contact"):
        safe_batch_size(100, ms_per_contact=0)


@given(st.lists(st.integers(), max_size=200), st.integers(min_value=1, max_value=50))
def test_batches_keep_order_and_never_exceed_the_size(items: list[int], size: int) -> None:
    batches = list(batched(items, size))
    assert [x for b in batches for x in b] == items
    assert all(1 <= len(b) <= size for b in batches)
    assert all(len(b) == size for b in batches[:-1])


@given(st.integers(min_value=1, max_value=10**7), st.floats(min_value=0.5, max_value=100))
def test_a_safe_batch_fits_the_budget(timeout: int, rate: float) -> None:
    size = safe_batch_size(timeout, ms_per_contact=rate, max_batch=10**9)
    assert size == 1 or size * rate <= timeout
    assert (size + 1) * rate > timeout or size == 10**9


def test_a_budget_that_is_an_exact_multiple_is_used_whole() -> None:
    # 1 // 0.1 is 9.0 in binary floating point; ten contacts of 0.1 ms fit in 1 ms.
    assert safe_batch_size(1, ms_per_contact=0.1, max_batch=10**9) == 10
