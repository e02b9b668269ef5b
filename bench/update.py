"""Bulk update throughput against a sandbox limited to R req/s: the engine vs the seed's algorithm.

Both run on the same sandbox (rate limit R, burst B) over fresh contacts:
(a) the seed tutorial's algorithm: a fixed pool of W workers, each PATCHing in turn and sleeping
    Retry-After (else 2^n s + jitter) on a 429, aiohttp with one token;
(b) the engine: `UpdateJob` on the `Runner` with the shared `CXoneClient` (adaptive limiter).
Prints achieved rate / R and 429s / requests for each (goal for (b): >= 0.95 and <= 1 %).

    .venv/bin/python bench/update.py [--rate 300] [--rows 6000] [--burst N] [--workers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig, Runner
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob
from cxone_outbound.sandbox.server import SandboxServer

ROUTE = "PATCH /api/v2/contacts/{contactId}"


async def seed_algorithm(base: str, ids: list[str], workers: int) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "demo-client",
                "client_secret": "demo-secret",
            },
        ) as response:
            token = (await response.json())["access_token"]
        queue: asyncio.Queue[str] = asyncio.Queue()
        for contact_id in ids:
            queue.put_nowait(contact_id)
        headers = {"Authorization": f"Bearer {token}"}

        async def worker() -> None:
            while not queue.empty():
                contact_id = queue.get_nowait()
                for attempt in range(6):
                    async with session.patch(
                        f"{base}/api/v2/contacts/{contact_id}",
                        json={"firstName": "Seed"},
                        headers=headers,
                    ) as response:
                        await response.read()
                        if response.status != 429:
                            break
                        retry_after = response.headers.get("Retry-After", "")
                        delay = (
                            float(retry_after)
                            if retry_after.isdigit() and int(retry_after) > 0
                            else 2 * 2**attempt + random.random() * 2
                        )
                    await asyncio.sleep(delay)

        await asyncio.gather(*(worker() for _ in range(workers)))


async def engine(base: str, path: Path, state: Path, rate: float) -> None:
    settings = Settings(base_url=base, max_rate=rate * 2)

    def factory(observer: RequestObserver) -> CXoneClient:
        return CXoneClient(settings, observer=observer)

    job = UpdateJob(concurrency=settings.concurrency)
    source = CsvSource(path, aliases=CONTACT_FIELDS)
    summary = await Runner(job, source, RunConfig(state), client_factory=factory).run()
    assert summary.counts.get("succeeded") == sum(1 for _ in source), summary.counts


def measure(control: Any, rows: int, rate: float, run: Any) -> dict[str, float]:
    control.reset_counters()
    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    ok = control.requests_to(ROUTE, 200)
    throttled = control.requests_to(ROUTE, 429)
    total = control.requests_to(ROUTE)
    return {
        "rate": ok / elapsed,
        "ratio": ok / elapsed / rate,
        "throttled_share": throttled / total if total else 0.0,
        "elapsed": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--burst", type=int, default=None, help="sandbox burst (default: rate)")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    burst = args.burst or int(args.rate)
    with (
        SandboxServer(rate_limit=args.rate, burst=burst) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        control = server.control
        list_id = control.create_list("bench")
        control.seed_contacts(list_id, args.rows)
        ids = sorted(control.writes(list_id))
        path = Path(tmp) / "u.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["contactId", "firstName"])
            writer.writerows([contact_id, "Bench"] for contact_id in ids)
        seed = measure(
            control,
            args.rows,
            args.rate,
            lambda: seed_algorithm(server.base_url, ids, args.workers),
        )
        ours = measure(
            control,
            args.rows,
            args.rate,
            lambda: engine(server.base_url, path, Path(tmp) / "state", args.rate),
        )
    print(f"sandbox limit R = {args.rate:.0f} req/s (burst {burst}), {args.rows} PATCHes each")
    for name, m in (("seed (fixed pool + sleep on 429)", seed), ("engine (cxo update)", ours)):
        print(
            f"{name:>34}: {m['rate']:7.1f}/s  achieved/R = {m['ratio']:.3f}"
            f"  429s = {m['throttled_share']:.2%} of requests  ({m['elapsed']:.1f} s)"
        )
    print(f"engine / seed throughput ratio: {ours['rate'] / seed['rate']:.2f}")


if __name__ == "__main__":
    main()
