"""Counts over time in fixed memory: buckets that double in width when the run outgrows them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

MAX_BUCKETS = 120
MIN_WIDTH_S = 1.0  # outcomes are journaled every 0.25 s: narrower buckets would only show that


@dataclass(frozen=True)
class Bucket:
    """One time slice: its start (seconds of active run time) and what was counted in it."""

    start_s: float
    width_s: float
    counts: Counter[str]

    def rate(self, series: str) -> float:
        """Events per second of `series` in this slice."""
        return self.counts[series] / self.width_s


class Timeline:
    """Counts of named series per time slice, for a run of any length, in at most `max_buckets`.

    Times are seconds from the start (of active run time: the caller removes gaps between
    sessions). When an event falls past the last slot, neighbouring buckets are merged in pairs
    and the width doubles, so memory stays fixed however long the run was and however many lines
    its audit holds.
    """

    def __init__(self, max_buckets: int = MAX_BUCKETS, min_width_s: float = MIN_WIDTH_S) -> None:
        if max_buckets < 2 or max_buckets % 2:
            raise ValueError("max_buckets must be an even number >= 2")
        self.max_buckets = max_buckets
        self.width_s = min_width_s
        self._counts: list[Counter[str]] = []
        self.end_s = 0.0

    def add(self, at_s: float, series: str, n: int = 1) -> None:
        at_s = max(0.0, at_s)  # a clock stepped back: count it at the start, not nowhere
        self.end_s = max(self.end_s, at_s)
        index = int(at_s / self.width_s)
        while index >= self.max_buckets:
            self._coarsen()
            index = int(at_s / self.width_s)
        while len(self._counts) <= index:
            self._counts.append(Counter())
        self._counts[index][series] += n

    def _coarsen(self) -> None:
        merged: list[Counter[str]] = []
        for i in range(0, len(self._counts), 2):
            pair = self._counts[i] + self._counts[i + 1] if i + 1 < len(self._counts) else None
            merged.append(pair if pair is not None else self._counts[i])
        self._counts = merged
        self.width_s *= 2

    def buckets(self) -> list[Bucket]:
        """Every slice from the start to the last event, empty ones included."""
        return [
            Bucket(i * self.width_s, self.width_s, Counter(c)) for i, c in enumerate(self._counts)
        ]

    def total(self, series: str) -> int:
        return sum(c[series] for c in self._counts)
