"""Request counters by endpoint and status: what tests and benchmarks assert on."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class Counters:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: defaultdict[str, defaultdict[int, int]] = defaultdict(
            lambda: defaultdict(int))
        self.total = 0
        self.rate_limited = 0

    def count(self, route: str, status: int) -> None:
        self.requests[route][status] += 1
        self.total += 1
        if status == 429:
            self.rate_limited += 1

    def snapshot(self) -> dict[str, Any]:
        by_status: defaultdict[int, int] = defaultdict(int)
        for statuses in self.requests.values():
            for status, n in statuses.items():
                by_status[status] += n
        return {
            "total": self.total,
            "rateLimited": self.rate_limited,
            "byStatus": {str(k): v for k, v in sorted(by_status.items())},
            "requests": {route: {str(k): v for k, v in sorted(statuses.items())}
                         for route, statuses in sorted(self.requests.items())},
        }
