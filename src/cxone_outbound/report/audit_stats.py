"""What a report needs from audit.jsonl, gathered line by line in fixed memory.

Feed every parsed line to `AuditStats.add`; nothing is kept per line. Time is measured as
active run time: when a resumed session starts, the gap since the previous session is left out
(and marked), so a run resumed the next morning still has a readable timeline.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxone_outbound.engine.metrics import LatencyHistogram
from cxone_outbound.engine.records import OUTCOME_STATES
from cxone_outbound.report.timeline import Timeline

# Upper edges (ms) of the latency histogram's bins; the last bin is open-ended.
LATENCY_EDGES_MS: tuple[float, ...] = (
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000,
)  # fmt: skip
MAX_DISTINCT = 50  # distinct error codes or statuses kept; the rest are counted as "other"
MAX_MARKERS = 50
OTHER = "other"
# What a line may hold: a time between 1970 and 9999, an attempt of at most a day. A damaged
# line outside them (a flipped digit, an edited file) is skipped and counted, never plotted.
MAX_TS = 253_402_300_799.0
MAX_ELAPSED_MS = 86_400_000.0

SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
UNCHANGED = "unchanged"
OUTCOMES = tuple(str(state) for state in OUTCOME_STATES)  # every state a record can end in
REQUESTS = "requests"
THROTTLED = "throttled"
RETRIES = "retries"
ERRORS = "errors"


def _bounded_add(counter: Counter[str], key: str) -> None:
    if key in counter or len(counter) < MAX_DISTINCT:
        counter[key] += 1
    else:
        counter[OTHER] += 1


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def is_damaged(event: Mapping[str, Any]) -> bool:
    """Whether a parsed line holds a time or latency no run can have written."""
    ts = _number(event.get("ts"))
    if event.get("ts") is not None and (ts is None or not 0.0 <= ts <= MAX_TS):
        return True
    elapsed = event.get("elapsed_ms")
    number = _number(elapsed)
    return elapsed is not None and (number is None or not 0.0 <= number <= MAX_ELAPSED_MS)


@dataclass(frozen=True)
class SessionMarker:
    """Where (in active run time) a session started, and when (wall clock)."""

    at_s: float
    event: str  # "started" or "resumed"
    wall_ts: float


@dataclass
class AuditStats:
    """Running totals, a timeline, a latency histogram and error tallies of one audit file."""

    timeline: Timeline = field(default_factory=Timeline)
    latency_bins: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_EDGES_MS) + 1))
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    statuses: Counter[str] = field(default_factory=Counter)
    failure_codes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    markers: list[SessionMarker] = field(default_factory=list)
    lines: int = 0
    unreadable_lines: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    run_status: str | None = None  # the last "run" line's event: completed, interrupted, ...
    _session_start: float | None = None
    _offset_s: float = 0.0

    def add_unreadable(self) -> None:
        self.unreadable_lines += 1

    def add(self, event: Mapping[str, Any]) -> None:
        """Account for one audit line (already parsed); a damaged one is only counted."""
        if is_damaged(event):
            self.add_unreadable()
            return
        self.lines += 1
        ts = _number(event.get("ts"))
        kind = event.get("type")
        if kind == "run":
            self._on_run(event, ts)
        if ts is None:
            return
        if self._session_start is None:
            self._session_start = ts
        self.first_ts = ts if self.first_ts is None else min(self.first_ts, ts)
        self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)
        at = self._offset_s + (ts - self._session_start)
        if kind == "request":
            self._on_request(event, at)
        elif kind == "outcome":
            self._on_outcome(event, at)

    def _on_run(self, event: Mapping[str, Any], ts: float | None) -> None:
        what = str(event.get("event", ""))
        if what in ("started", "resumed") and ts is not None:
            if self._session_start is not None and self.last_ts is not None:
                self._offset_s += max(0.0, self.last_ts - self._session_start)
            self._session_start = ts
            if len(self.markers) < MAX_MARKERS:
                self.markers.append(SessionMarker(self._offset_s, what, ts))
        elif what:
            self.run_status = what

    def _on_request(self, event: Mapping[str, Any], at: float) -> None:
        self.timeline.add(at, REQUESTS)
        status = event.get("status")
        _bounded_add(self.statuses, str(status) if status is not None else "no answer")
        if status == 429:
            self.timeline.add(at, THROTTLED)
        attempt = _number(event.get("attempt"))
        if attempt is not None and attempt > 1:
            self.timeline.add(at, RETRIES)
        if status is None or (isinstance(status, int) and status >= 500):
            self.timeline.add(at, ERRORS)
        elapsed_ms = _number(event.get("elapsed_ms"))
        if elapsed_ms is not None and elapsed_ms >= 0:
            self.latency.add(elapsed_ms / 1000)
            self.latency_bins[_bin_of(elapsed_ms)] += 1

    def _on_outcome(self, event: Mapping[str, Any], at: float) -> None:
        state = str(event.get("state", ""))
        if state in OUTCOMES:
            self.timeline.add(at, state)
            self.outcomes[state] += 1
        if state == FAILED:
            _bounded_add(self.failure_codes, str(event.get("error_code") or "UNKNOWN"))

    @property
    def requests(self) -> int:
        return self.timeline.total(REQUESTS)

    def latency_percentile_ms(self, p: float) -> float | None:
        value = self.latency.percentile(p)
        return None if value is None else value * 1000

    @property
    def active_s(self) -> float:
        """Active run time covered by the audit (sessions added, gaps left out)."""
        if self._session_start is None or self.last_ts is None:
            return 0.0
        return self._offset_s + max(0.0, self.last_ts - self._session_start)


def _bin_of(elapsed_ms: float) -> int:
    for index, edge in enumerate(LATENCY_EDGES_MS):
        if elapsed_ms < edge:
            return index
    return len(LATENCY_EDGES_MS)
