"""Many business units from one process: how many, each limited to its own R, run at >= 0.95 R.

The sandbox limits every tenant to R requests/s (its own token bucket, burst R). For each N in
the sweep, N tenants each get a list and an update file of R x seconds contacts, and one process
runs the N `cxo update` jobs in one event loop (`engine.fleet.run_fleet`), each with its own
client, limiter and journal. Per tenant: achieved rate / R over its run (the first burst left
out). The baseline is one tenant alone, measured in the same run; a ratio under 0.95 (or far
under the single tenant's) means the process, not the tenants' limits, is the bottleneck.

    .venv/bin/python bench/tenants.py [--tenants 1,10,50,100,200] [--rate 10] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from cxone_outbound.client import CXoneClient
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig
from cxone_outbound.engine.fleet import FleetRun, run_fleet
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.server import SandboxServer


def make_tenants(control: SandboxControl, folder: Path, count: int, rows: int,
                 tag: str) -> list[tuple[str, Path]]:
    """`count` tenants, each with `rows` contacts and an update file naming them."""
    tenants = []
    for index in range(count):
        tenant = f"{tag}-bu{index}"
        control.create_tenant(tenant, f"{tenant}-client", "bench-secret")
        list_id = control.create_list("bench", tenant_id=tenant)
        contacts = [
            {"phone": f"+1212{index % 1000:03d}{n:04d}", "firstName": "B", "lastName": "U"}
            for n in range(rows)
        ]
        added = control.add_contacts(list_id, contacts, tenant_id=tenant)
        path = folder / f"{tenant}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["contactId", "firstName"])
            writer.writerows([c["id"], "Bench"] for c in added)
        tenants.append((tenant, path))
    return tenants


async def drive(base: str, folder: Path, tenants: list[tuple[str, Path]],
                rate: float) -> list[tuple[float, int]]:
    runs = []
    for tenant, path in tenants:
        settings = Settings(base_url=base, client_id=f"{tenant}-client",
                            client_secret=SecretStr("bench-secret"), max_rate=rate * 2)

        def factory(observer: RequestObserver, settings: Settings = settings) -> CXoneClient:
            return CXoneClient(settings, observer=observer)

        runs.append(FleetRun(tenant, UpdateJob(concurrency=4),
                             CsvSource(path, aliases=CONTACT_FIELDS),
                             RunConfig(folder / "state" / tenant), factory))
    results = await run_fleet(runs)
    out = []
    for result in results:
        if result.summary is None:
            raise SystemExit(f"{result.name}: {result.error}")
        out.append((result.elapsed_s, result.summary.counts.get("succeeded", 0)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", default="1,10,50,100,200")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    burst = max(1, int(args.rate))
    rows = int(args.rate * args.seconds) + burst
    print(f"each tenant limited to R = {args.rate:g} req/s (burst {burst}), {rows} updates each")
    print(f"{'tenants':>8} {'min/R':>7} {'median/R':>9} {'total req/s':>12} {'wall s':>7}"
          f" {'client CPU s':>13} {'vs 1 tenant':>12}")
    single: float | None = None
    with SandboxServer(rate_limit=args.rate, burst=burst) as server:
        for index, count in enumerate(int(n) for n in args.tenants.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                tenants = make_tenants(server.control, folder, count, rows, f"s{index}")
                cpu = resource.getrusage(resource.RUSAGE_SELF)
                started = time.perf_counter()
                results = asyncio.run(drive(server.base_url, folder, tenants, args.rate))
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_SELF)
            ratios = [(done - burst) / (elapsed * args.rate) for elapsed, done in results]
            median = statistics.median(ratios)
            single = single or median
            cpu_s = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
            total = sum(done for _, done in results) / wall
            print(f"{count:>8} {min(ratios):>7.3f} {median:>9.3f} {total:>12.0f} {wall:>7.1f}"
                  f" {cpu_s:>13.1f} {median / single:>12.3f}")


if __name__ == "__main__":
    main()
