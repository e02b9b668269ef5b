"""The rate limiter's goodput in simulated time: the engine's policy vs the seed's fixed pool.

The machine drops out: both sides meet the same simulated server (the sandbox's token bucket:
R req/s, burst B, whole-second Retry-After, `X-RateLimit-*` optional) over a fixed round trip,
in a discrete-event clock, so a loaded machine changes nothing and a round is a seed of the
random source. The engine side is the real `AdaptiveRateLimiter` and `RetryPolicy` (as the
transport drives them); the seed side is the tutorial's loop (16 workers, sleep Retry-After,
else 2*2^n + U(0,2) s). Prints goodput (admitted requests per second until the last record is
done) engine/seed per round, each side's 429 share, and the spread. bench/update.py measures
the same on the real sandbox, where on a busy machine the client's CPU can matter more.

    .venv/bin/python bench/limiter.py [--rate 300] [--burst 300] [--rows 6000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import random
import statistics
from collections.abc import Callable, Coroutine
from typing import Any

from cxone_outbound.client.ratelimit import AdaptiveRateLimiter
from cxone_outbound.client.retry import Outcome, RetryPolicy, RetryQuota


class SimClock:
    """Discrete-event time: `sleep` waits for `drive` to reach its instant."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._timers, (self.now + max(0.0, seconds), self._seq, future))
        await future

    async def drive(self, work: asyncio.Future[Any]) -> None:
        """Run ready tasks to their next sleep, then jump to the earliest timer; until done."""
        while not work.done():
            for _ in range(8):
                await asyncio.sleep(0)
            if not self._timers:
                continue
            due = self._timers[0][0]
            self.now = max(self.now, due)
            while self._timers and self._timers[0][0] <= due:
                heapq.heappop(self._timers)[2].set_result(None)


class Server:
    """The sandbox's limit: a token bucket, whole-second Retry-After, optional headers."""

    def __init__(self, clock: SimClock, rate: float, burst: int, headers: bool) -> None:
        self.clock, self.rate, self.burst, self.headers = clock, rate, burst, headers
        self.tokens, self.last = float(burst), clock.now
        self.admitted = self.refused = 0

    def answer(self) -> tuple[bool, float | None, dict[str, str] | None]:
        now = self.clock.now
        self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.rate)
        self.last = now
        ok = self.tokens >= 1.0
        if ok:
            self.tokens -= 1.0
            self.admitted += 1
        else:
            self.refused += 1
        if not self.headers:
            return ok, None, None
        retry = None if ok else float(max(1, math.ceil((1.0 - self.tokens) / self.rate)))
        return ok, retry, {"X-RateLimit-Limit": f"{self.rate:g}",
                           "X-RateLimit-Remaining": str(int(self.tokens))}


async def engine_side(clock: SimClock, server: Server, rows: int, rng: random.Random,
                      rtt: Callable[[], float]) -> None:
    limiter = AdaptiveRateLimiter(server.rate * 2, 16, clock)
    policy, quota = RetryPolicy(), RetryQuota()
    todo = iter(range(rows))

    async def worker() -> None:
        for _ in todo:
            attempt, start = 0, clock.now
            while True:
                attempt += 1
                sent = limiter.try_acquire()
                if sent is None:
                    sent = await limiter.acquire()
                half = rtt() / 2
                await clock.sleep(half)
                ok, retry_after, headers = server.answer()
                await clock.sleep(half)
                limiter.release()
                limiter.on_response(sent, throttled=not ok, retry_after=retry_after,
                                    headers=headers)
                if ok:
                    quota.on_success()
                    break
                decision = policy.decide(Outcome(429, retry_after), method="PATCH",
                                         has_idempotency_key=False, attempt=attempt,
                                         elapsed=clock.now - start, rng=rng, quota=quota)
                if not decision.retry:
                    break
                await clock.sleep(decision.delay)

    await asyncio.gather(*(worker() for _ in range(16)))


async def seed_side(clock: SimClock, server: Server, rows: int, rng: random.Random,
                    rtt: Callable[[], float]) -> None:
    todo = iter(range(rows))

    async def worker() -> None:
        for _ in todo:
            for attempt in range(6):
                half = rtt() / 2
                await clock.sleep(half)
                ok, retry_after, _ = server.answer()
                await clock.sleep(half)
                if ok:
                    break
                whole = retry_after is not None and retry_after.is_integer() and retry_after > 0
                await clock.sleep(retry_after if whole and retry_after is not None
                                  else 2 * 2**attempt + rng.random() * 2)

    await asyncio.gather(*(worker() for _ in range(16)))


Side = Callable[[SimClock, Server, int, random.Random, Callable[[], float]],
                Coroutine[Any, Any, None]]


async def simulate(side: Side, args: argparse.Namespace, headers: bool,
                   seed: int) -> dict[str, float]:
    clock = SimClock()
    server = Server(clock, args.rate, args.burst or int(args.rate), headers)
    rng = random.Random(seed)

    def rtt() -> float:  # a loopback round trip with a tail
        return args.rtt_ms / 1000 * (0.5 + rng.expovariate(2.0))

    work = asyncio.ensure_future(side(clock, server, args.rows, rng, rtt))
    await clock.drive(work)
    await work
    total = server.admitted + server.refused
    return {"goodput": server.admitted / clock.now, "throttled": server.refused / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--burst", type=int, default=None)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rtt-ms", type=float, default=4.0)
    args = parser.parse_args()
    burst = args.burst or int(args.rate)
    ideal = (args.rows / max(1e-9, (args.rows - burst) / args.rate)) / args.rate
    print(f"simulated server R = {args.rate:g} req/s, burst {burst}, {args.rows} records a side,"
          f" rtt ~{args.rtt_ms:g} ms; ideal goodput {ideal:.3f} R")
    for headers in (True, False):
        print(f"\n-- {'with' if headers else 'WITHOUT'} X-RateLimit-* and Retry-After --")
        ratios, shares = [], []
        for n in range(args.runs):
            s = asyncio.run(simulate(seed_side, args, headers, n))
            e = asyncio.run(simulate(engine_side, args, headers, n))
            ratios.append(e["goodput"] / s["goodput"])
            shares.append(e["throttled"])
            print(f"round {n + 1}: seed {s['goodput'] / args.rate:.3f} R (429s"
                  f" {s['throttled']:.2%})  engine {e['goodput'] / args.rate:.3f} R (429s"
                  f" {e['throttled']:.2%})  goodput engine/seed {ratios[-1]:.3f}")
        print(f"goodput engine/seed: min {min(ratios):.3f}  median"
              f" {statistics.median(ratios):.3f}  max {max(ratios):.3f};"
              f" engine 429s {min(shares):.2%}-{max(shares):.2%}")


if __name__ == "__main__":
    main()
