"""When to look at an upload job again: soon for a small job, rarely for a big one, never hammering.

A pure policy (no clock, no I/O): `AdminOutboundApi._wait` feeds it what it saw and sleeps what it
says. The delay is, in order of preference:

1. the server's own hint (`Retry-After` on the job's answer), clamped to [`first`, `max_hint`];
2. otherwise an exponential back-off from `first` doubling up to `cap` — shortened to the time the
   job should still need at the rate it has been processing (never below `first`), so a job that
   is about to finish is not left waiting for a long back-off step, while a stalled job (no
   progress: no rate) gets the plain back-off.

No public document says how fast a real tenant processes an upload (docs/real-tenant.md), so the
defaults are small: the first look after 20 ms, at most one look per 2 s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class JobProgress:
    """What one look at a running job showed."""

    processed: int  # records done (applied or refused)
    total: int  # records in the file (0: unknown)
    elapsed_s: float  # since the upload was accepted


@dataclass(frozen=True, slots=True)
class UploadPollPolicy:
    """The delays between looks at one upload job."""

    first: float = 0.02
    cap: float = 2.0
    factor: float = 2.0
    max_hint: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.first <= self.cap or self.factor < 1 or self.max_hint < self.first:
            raise ValueError("need 0 < first <= cap, factor >= 1 and max_hint >= first")

    def backoff(self, looks: int) -> float:
        """The plain back-off before look `looks + 1` (`looks` already made)."""
        return min(self.cap, self.first * self.factor ** max(0, looks - 1))

    def delay(
        self, looks: int, *, hint: float | None = None, progress: JobProgress | None = None
    ) -> float:
        """Seconds to wait after `looks` looks, the last of which showed `progress`/`hint`."""
        if hint is not None and hint >= 0:
            return min(self.max_hint, max(self.first, hint))
        step = self.backoff(looks)
        remaining = _remaining_s(progress)
        if remaining is None:
            return step
        return min(step, max(self.first, remaining))


def _remaining_s(progress: JobProgress | None) -> float | None:
    """The time the job should still need at its average rate so far (None: no rate yet)."""
    if progress is None or progress.total <= 0 or progress.processed <= 0:
        return None
    if progress.elapsed_s <= 0:
        return None
    rate = progress.processed / progress.elapsed_s
    return max(0.0, progress.total - progress.processed) / rate


def retry_after_s(value: str | None) -> float | None:
    """A `Retry-After` given in seconds (an HTTP date is ignored: the clocks may disagree)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
