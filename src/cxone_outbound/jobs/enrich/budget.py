"""The timeout budget: how many contacts one enrichment batch may carry for a campaign.

A campaign declares `maxEnrichmentTimeout` (ms), the time the dialer waits for enrichment.
The seed's rule of thumb is one contact per 10 ms of that budget. Where the seed refuses a
batch that is too big, we split the work into batches that fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

DEFAULT_MS_PER_CONTACT = 10.0
# With no (or a nonsensical) timeout there is no budget to honour; keep requests a sane size.
DEFAULT_MAX_BATCH = 1000


def safe_batch_size(
    max_enrichment_timeout_ms: float | None,
    *,
    ms_per_contact: float = DEFAULT_MS_PER_CONTACT,
    max_batch: int = DEFAULT_MAX_BATCH,
) -> int:
    """The largest batch that fits the timeout budget: never below 1, never above `max_batch`."""
    if ms_per_contact <= 0:
        raise ValueError("ms_per_contact must be positive")
    if max_batch < 1:
        raise ValueError("max_batch must be at least 1")
    if max_enrichment_timeout_ms is None or max_enrichment_timeout_ms <= 0:
        return max_batch
    fits = int(max_enrichment_timeout_ms // ms_per_contact)
    # Floor division of floats can land one off (1 // 0.1 == 9.0): settle on the products.
    while (fits + 1) * ms_per_contact <= max_enrichment_timeout_ms:
        fits += 1
    while fits > 0 and fits * ms_per_contact > max_enrichment_timeout_ms:
        fits -= 1
    return max(1, min(max_batch, fits))


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive batches of at most `size` items, streaming (holds one batch at a time)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
