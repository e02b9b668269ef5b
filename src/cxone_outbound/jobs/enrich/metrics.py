"""Enrichment metrics: fill rate overall and per attribute, and latency per batch.

The fill rate of an attribute is the share of the extract's rows that had a sendable value for
it (the row's own value or the field's default), counted when the row is mapped, whatever the
server later does with the row. Null-like and invalid values are counted apart, so a poor
fill rate says whether the CRM is empty or wrong.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.jobs.enrich.transform import RowResult, Status


@dataclass
class AttributeCounts:
    """Per-attribute tallies over the rows seen."""

    value: int = 0
    default: int = 0
    null: int = 0
    invalid: int = 0

    @property
    def sent(self) -> int:
        return self.value + self.default


@dataclass
class FillRates:
    """Accumulates attribute statuses row by row."""

    attributes: Sequence[str]
    rows: int = 0
    counts: dict[str, AttributeCounts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.attributes:
            self.counts.setdefault(name, AttributeCounts())

    def add(self, result: RowResult) -> None:
        self.rows += 1
        for name, status in result.statuses.items():
            counts = self.counts.setdefault(name, AttributeCounts())
            if status is Status.VALUE:
                counts.value += 1
            elif status is Status.DEFAULT:
                counts.default += 1
            elif status is Status.NULL:
                counts.null += 1
            else:
                counts.invalid += 1

    def rate(self, attribute: str) -> float:
        """Share of rows with a sendable value for `attribute` (0.0 with no rows)."""
        return self.counts[attribute].sent / self.rows if self.rows else 0.0

    @property
    def overall(self) -> float:
        """Sendable values over every (row, attribute) cell."""
        cells = self.rows * len(self.counts)
        return sum(c.sent for c in self.counts.values()) / cells if cells else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "overall": round(self.overall, 6),
            "attributes": {
                name: {
                    "fillRate": round(self.rate(name), 6),
                    "sent": c.sent,
                    "value": c.value,
                    "default": c.default,
                    "nullLike": c.null,
                    "invalid": c.invalid,
                }
                for name, c in self.counts.items()
            },
        }


@dataclass(frozen=True)
class BatchTiming:
    """One POST of one (sub-)batch."""

    size: int
    seconds: float
    outcome: str  # "applied", "refused", "uncertain", "error"


@dataclass
class BatchLatencies:
    """Latency of every batch POST of a run."""

    timings: list[BatchTiming] = field(default_factory=list)

    def add(self, size: int, seconds: float, outcome: str) -> None:
        self.timings.append(BatchTiming(size, seconds, outcome))

    def to_json(self) -> dict[str, Any]:
        ms = sorted(t.seconds * 1000 for t in self.timings)
        if not ms:
            return {"batches": 0}
        return {
            "batches": len(ms),
            "p50Ms": round(statistics.median(ms), 3),
            "p95Ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 3),
            "maxMs": round(ms[-1], 3),
            "meanMs": round(statistics.fmean(ms), 3),
        }
