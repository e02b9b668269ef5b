"""Fault injection: a spec string parsed into rules, and an injector deterministic under a seed.

Spec: comma-separated entries, each `KIND[@MATCH]=VALUE`; MATCH is an fnmatch glob on
`METHOD:/path` (e.g. `PATCH:/api/v2/contacts/*`), default every API request.

    error=0.1:503          10% of requests answer 503 (nothing applied)
    drop=0.02              2% of connections are dropped before an answer
    latency=5ms            fixed added latency; `5ms..50ms` uniform; `exp:20ms` exponential mean
    storm=2s@100           from the 100th API request on, every request is 429 for 2 seconds
    revoke_after=500       after the 500th API request, every issued token is revoked (once)
    seed=7                 the random seed (default 0)
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(ms|s)?$")
KINDS = ("error", "drop", "latency", "storm", "revoke_after", "seed")


class FaultSpecError(ValueError):
    """A fault spec that cannot be parsed; the message says which entry and why."""


def parse_duration(text: str) -> float:
    """`5ms`, `2s`, `1.5` (seconds) as seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise FaultSpecError(f"bad duration {text!r} (use e.g. 5ms or 2s)")
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


def _rate(text: str, entry: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise FaultSpecError(f"{entry}: rate {text!r} is not a number") from None
    if not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"{entry}: rate must be between 0 and 1")
    return rate


@dataclass(frozen=True)
class ErrorRule:
    match: str
    rate: float
    status: int


@dataclass(frozen=True)
class DropRule:
    match: str
    rate: float


@dataclass(frozen=True)
class LatencyRule:
    match: str
    kind: str  # "fixed", "uniform", "exp"
    low: float
    high: float


@dataclass(frozen=True)
class StormRule:
    start: int
    duration: float


@dataclass(frozen=True)
class FaultSpec:
    errors: tuple[ErrorRule, ...] = ()
    drops: tuple[DropRule, ...] = ()
    latencies: tuple[LatencyRule, ...] = ()
    storms: tuple[StormRule, ...] = ()
    revoke_after: int | None = None
    seed: int = 0
    text: str = ""

    @property
    def empty(self) -> bool:
        return not (self.errors or self.drops or self.latencies or self.storms
                    or self.revoke_after)


def parse_fault_spec(text: str | None) -> FaultSpec:
    """Parse a spec string (see the module docstring); FaultSpecError on any bad entry."""
    errors: list[ErrorRule] = []
    drops: list[DropRule] = []
    latencies: list[LatencyRule] = []
    storms: list[StormRule] = []
    revoke_after: int | None = None
    seed = 0
    for raw in (text or "").split(","):
        entry = raw.strip()
        if not entry or entry.lower() == "none":
            continue
        key, sep, value = entry.partition("=")
        if not sep:
            raise FaultSpecError(f"{entry}: expected KIND=VALUE")
        kind, _, match = key.strip().partition("@")
        match = match.strip() or "*"
        value = value.strip()
        if kind == "error":
            rate_text, _, status_text = value.partition(":")
            status = int(status_text) if status_text.isdigit() else 503 if not status_text else 0
            if not 500 <= status <= 599:
                raise FaultSpecError(f"{entry}: status must be a 5xx code")
            errors.append(ErrorRule(match, _rate(rate_text, entry), status))
        elif kind == "drop":
            drops.append(DropRule(match, _rate(value, entry)))
        elif kind == "latency":
            if value.startswith("exp:"):
                mean = parse_duration(value[4:])
                latencies.append(LatencyRule(match, "exp", mean, mean))
            elif ".." in value:
                low_text, high_text = value.split("..", 1)
                low, high = parse_duration(low_text), parse_duration(high_text)
                if high < low:
                    raise FaultSpecError(f"{entry}: high below low")
                latencies.append(LatencyRule(match, "uniform", low, high))
            else:
                fixed = parse_duration(value)
                latencies.append(LatencyRule(match, "fixed", fixed, fixed))
        elif kind == "storm":
            duration_text, at, start_text = value.partition("@")
            if not at or not start_text.isdigit():
                raise FaultSpecError(f"{entry}: expected storm=DURATION@REQUEST_NUMBER")
            storms.append(StormRule(int(start_text), parse_duration(duration_text)))
        elif kind == "revoke_after":
            if not value.isdigit():
                raise FaultSpecError(f"{entry}: expected a request count")
            revoke_after = int(value)
        elif kind == "seed":
            if not value.lstrip("-").isdigit():
                raise FaultSpecError(f"{entry}: seed must be an integer")
            seed = int(value)
        else:
            raise FaultSpecError(
                f"{entry}: unknown fault kind {kind!r} (known: {', '.join(KINDS)})")
    return FaultSpec(tuple(errors), tuple(drops), tuple(latencies), tuple(storms), revoke_after,
                     seed, text or "")


@dataclass
class Verdict:
    """What to do to one request, decided before it is handled."""

    latency: float = 0.0
    drop: bool = False
    error_status: int | None = None
    storm_retry_after: float | None = None
    revoke: bool = False


@dataclass
class FaultInjector:
    """Applies a spec request by request. Same spec and seed, same request order: same faults."""

    spec: FaultSpec
    clock: Callable[[], float]
    rng: random.Random = field(init=False)
    count: int = 0
    storm_until: float = 0.0
    revoked: bool = False
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.spec.seed)

    def decide(self, method: str, path: str) -> Verdict:
        """The verdict for the next API request."""
        verdict = Verdict()
        if self.spec.empty:
            return verdict
        self.count += 1
        target = f"{method}:{path}"
        now = self.clock()
        for storm in self.spec.storms:
            if self.count == storm.start:
                self.storm_until = max(self.storm_until, now + storm.duration)
        if now < self.storm_until:
            verdict.storm_retry_after = self.storm_until - now
            self._count("storm")
        if self.spec.revoke_after is not None and not self.revoked \
                and self.count > self.spec.revoke_after:
            self.revoked = True
            verdict.revoke = True
            self._count("revoke")
        for lat in self.spec.latencies:
            if fnmatch.fnmatchcase(target, lat.match):
                if lat.kind == "fixed":
                    verdict.latency += lat.low
                elif lat.kind == "uniform":
                    verdict.latency += self.rng.uniform(lat.low, lat.high)
                else:
                    verdict.latency += self.rng.expovariate(1 / lat.low) if lat.low > 0 else 0.0
        for drop in self.spec.drops:
            if fnmatch.fnmatchcase(target, drop.match) and self.rng.random() < drop.rate:
                verdict.drop = True
                self._count("drop")
                return verdict
        for error in self.spec.errors:
            if fnmatch.fnmatchcase(target, error.match) and self.rng.random() < error.rate:
                verdict.error_status = error.status
                self._count(f"error:{error.status}")
                return verdict
        return verdict

    def _count(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1
