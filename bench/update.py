"""Bulk update against the sandbox: goodput under a rate limit, and per-record cost without one.

`limited` (default): a sandbox limited to R req/s (burst B), with and without its
`X-RateLimit-*`/`Retry-After` headers (a real tenant does not send them reliably). Each of
`--runs` rounds runs, in alternating order on the same sandbox:
(a) the seed tutorial's algorithm: a fixed pool of W workers, each PATCHing in turn and sleeping
    Retry-After (whole seconds, as the Go tutorial's `Atoi`; else 2*2^n s + U(0,2) s) on a 429;
(b) the engine: `UpdateJob` one PATCH per contact on the `Runner` with the shared `CXoneClient`.
Prints goodput (successful PATCHes per second of the whole run) engine/seed per round, the
429 share of each, and the spread (min-max) across rounds. Goal: engine/seed >= 1.0 in every
round with 429s <= 0.5 %.

`unlimited`: no rate limit; contacts/s of `cxo update` (one PATCH per contact, and the batch
PATCH with `--list`) against a bare aiohttp PATCH loop at the same concurrency, in alternating
pairs. Goal: per-contact >= 0.9x the bare loop. Beside the wall ratios it prints each side's CPU
microseconds a contact, ours (this process: the sandbox runs in a process of its own) and the
sandbox's: on a shared machine the wall ratio moves with the neighbours' load, the CPU a
contact much less. The load average is printed at the start and the end. Every engine round
runs in one state dir whose journal exists before the first (as a user's does after their
first run): making a new journal (~20-40 ms of fsyncs) is a state dir's cost, not a run's.

    .venv/bin/python bench/update.py [limited|unlimited] [--rate 300] [--rows 6000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.capabilities import V2_CAPABILITIES
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig, Runner
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.runner import journal_path
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob
from cxone_outbound.sandbox.server import SandboxServer

ROUTE = "PATCH /api/v2/contacts/{contactId}"
BATCH_ROUTE = "PATCH /api/v2/campaigns/contactlists/{listId}/contacts"


async def fetch_token(session: aiohttp.ClientSession, base: str) -> str:
    async with session.post(
        f"{base}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client",
            "client_secret": "demo-secret",
        },
    ) as response:
        return str((await response.json())["access_token"])


async def seed_algorithm(base: str, ids: list[str], workers: int) -> None:
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {await fetch_token(session, base)}"}
        queue: asyncio.Queue[str] = asyncio.Queue()
        for contact_id in ids:
            queue.put_nowait(contact_id)

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


async def bare_loop(base: str, ids: list[str], workers: int) -> None:
    """The floor: one aiohttp PATCH per contact, same pool size, body read, nothing else."""
    connector = aiohttp.TCPConnector(limit=workers)
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Authorization": f"Bearer {await fetch_token(session, base)}"}
        it = iter(ids)

        async def worker() -> None:
            for contact_id in it:
                async with session.patch(
                    f"{base}/api/v2/contacts/{contact_id}", json={"firstName": "Bare"},
                    headers=headers,
                ) as response:
                    await response.read()
                    assert response.status == 200, response.status

        await asyncio.gather(*(worker() for _ in range(workers)))


async def engine(
    base: str, path: Path, state: Path, rate: float, rows: int, list_id: str | None = None
) -> None:
    settings = Settings(base_url=base, max_rate=rate)

    def factory(observer: RequestObserver) -> CXoneClient:
        return CXoneClient(settings, observer=observer)

    job = UpdateJob(
        concurrency=settings.concurrency, list_id=list_id, capabilities=V2_CAPABILITIES
    )
    source = CsvSource(path, aliases=CONTACT_FIELDS)
    summary = await Runner(job, source, RunConfig(state), client_factory=factory).run()
    assert summary.counts.get("succeeded") == rows, summary.counts


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc): the sandbox's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(
    control: Any, run: Callable[[], Coroutine[Any, Any, None]], route: str,
    server_pid: int | None = None,
) -> dict[str, float]:
    control.reset_counters()
    server_cpu = process_cpu_s(server_pid) if server_pid else 0.0
    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_cpu = process_cpu_s(server_pid) - server_cpu if server_pid else 0.0
    ok = control.requests_to(route, 200)
    total = control.requests_to(route)
    return {
        "goodput": ok / elapsed,
        "throttled": (total - ok) / total if total else 0.0,
        "elapsed": elapsed,
        "cpu": cpu,  # this process's: the client side
        "server_cpu": server_cpu,
    }


def write_file(path: Path, ids: list[str]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "firstName"])
        writer.writerows([contact_id, "Bench"] for contact_id in ids)


def spread(values: list[float]) -> str:
    return (f"min {min(values):.2f}  median {statistics.median(values):.2f}"
            f"  max {max(values):.2f}")


def limited(args: argparse.Namespace) -> None:
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
        write_file(path, ids)
        print(f"sandbox limit R = {args.rate:.0f} req/s (burst {burst}), {args.rows} PATCHes"
              f" a side, {args.runs} rounds, order alternating; engine max_rate = 2R")
        modes = {"both": (True, False), "on": (True,), "off": (False,)}[args.headers]
        for headers in modes:
            print(f"\n-- {'with' if headers else 'WITHOUT'} X-RateLimit-* and Retry-After --")
            ratios: list[float] = []
            shares: list[float] = []
            for n in range(args.runs):
                control.set_rate_limit(args.rate, burst, headers=headers)

                def seed() -> dict[str, float]:
                    time.sleep(burst / args.rate)  # the server's bucket full again
                    return measure(control, lambda: seed_algorithm(
                        server.base_url, ids, args.workers), ROUTE)

                def ours(state: Path = Path(tmp) / f"s{headers}{n}") -> dict[str, float]:
                    time.sleep(burst / args.rate)
                    return measure(control, lambda: engine(
                        server.base_url, path, state, args.rate * 2, args.rows), ROUTE)

                if n % 2:
                    e, s = ours(), seed()
                else:
                    s, e = seed(), ours()
                ratios.append(e["goodput"] / s["goodput"])
                shares.append(e["throttled"])
                print(f"round {n + 1}: seed {s['goodput']:6.1f}/s"
                      f" ({s['goodput'] / args.rate:.3f} R, 429s {s['throttled']:.2%})"
                      f"  engine {e['goodput']:6.1f}/s"
                      f" ({e['goodput'] / args.rate:.3f} R, 429s {e['throttled']:.2%})"
                      f"  goodput engine/seed {ratios[-1]:.3f}")
            print(f"goodput engine/seed: {spread(ratios)};"
                  f" engine 429s {min(shares):.2%}-{max(shares):.2%}")


def unlimited(args: argparse.Namespace) -> None:
    with (
        SandboxServer(rate_limit=0) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        control = server.control
        list_id = control.create_list("bench")
        control.seed_contacts(list_id, args.rows)
        ids = sorted(control.writes(list_id))
        path = Path(tmp) / "u.csv"
        write_file(path, ids)
        concurrency = Settings().concurrency
        state = Path(tmp) / "state"
        Journal(journal_path(state)).close()  # the state dir as after a first run
        per: list[float] = []
        batched: list[float] = []
        cpu: dict[str, list[float]] = {"bare": [], "per": [], "bare_srv": [], "per_srv": []}
        print(f"no rate limit, {args.rows} contacts a side, concurrency {concurrency},"
              f" {args.runs} rounds (order alternating); load average {load_average()}")
        for n in range(args.runs):
            def bare() -> dict[str, float]:
                return measure(control, lambda: bare_loop(server.base_url, ids, concurrency),
                               ROUTE, server.pid)

            def one(batch: bool) -> dict[str, float]:
                return measure(control, lambda: engine(
                    server.base_url, path, state, 1e9, args.rows,
                    list_id if batch else None), BATCH_ROUTE if batch else ROUTE, server.pid)

            if n % 2:
                p, b, base = one(False), one(True), bare()
            else:
                base, p, b = bare(), one(False), one(True)
            per.append(base["elapsed"] / p["elapsed"])
            batched.append(base["elapsed"] / b["elapsed"])
            us = {k: v * 1e6 / args.rows for k, v in (
                ("bare", base["cpu"]), ("per", p["cpu"]),
                ("bare_srv", base["server_cpu"]), ("per_srv", p["server_cpu"]))}
            for key, value in us.items():
                cpu[key].append(value)
            print(f"round {n + 1}: bare loop {args.rows / base['elapsed']:7.0f}/s"
                  f"  per-contact {args.rows / p['elapsed']:7.0f}/s ({per[-1]:.2f}x)"
                  f"  batch PATCH {args.rows / b['elapsed']:7.0f}/s ({batched[-1]:.2f}x)"
                  f"  | CPU us a contact: ours {us['bare']:.0f} vs {us['per']:.0f}"
                  f" ({us['bare'] / us['per']:.2f}x), sandbox {us['bare_srv']:.0f}"
                  f" vs {us['per_srv']:.0f}")
        print(f"per-contact / bare loop: {spread(per)}")
        print(f"batch PATCH / bare loop: {spread(batched)}")
        median = {k: statistics.median(v) for k, v in cpu.items()}
        ratios = [b / p for b, p in zip(cpu["bare"], cpu["per"], strict=True)]
        print(f"client CPU us a contact, median: bare loop {median['bare']:.0f}, per-contact"
              f" {median['per']:.0f}; bare/per-contact {spread(ratios)}")
        print(f"sandbox CPU us a contact, median: bare loop {median['bare_srv']:.0f},"
              f" per-contact {median['per_srv']:.0f}")
        print(f"load average at the end: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=("limited", "unlimited"), default="limited")
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--burst", type=int, default=None, help="sandbox burst (default: rate)")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--headers", choices=("both", "on", "off"), default="both",
                        help="limited: with the rate headers, without, or both in turn")
    args = parser.parse_args()
    (limited if args.mode == "limited" else unlimited)(args)


if __name__ == "__main__":
    main()
