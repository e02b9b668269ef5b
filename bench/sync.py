"""A nightly sync with `--changed-only` against a full run of the same file, in the same run.

A sandbox list of N contacts (default 200,000; schema `tier` string, `score` integer) and a
nightly extract of every contact (contactId, firstName, tier, score). Night 1 is synced with
`--changed-only --against last-sync` on the fresh list: no snapshot yet, so the list is read,
every row differs and is sent (a full run in effect), and the snapshot of what was verified is
kept. Night 2's extract has `--changed` (2 %) of its rows changed; on the same list state each
time (list and snapshot put back to night 1 by a `--changed-only --against list` run of night
1, not measured), it is synced three ways:

(full)      every row sent again (no --changed-only);
(list)      `--changed-only --against list`: the list read once (paged), the changed rows sent;
(last-sync) `--changed-only --against last-sync`: no list read, the changed rows sent.

The order of the three turns by round. Prints, per round, the requests each sent (writes: the
batch PATCHes; reads: the list pages; total) from the sandbox's counters, the wall time and this
process's CPU time, and the ratios to the full run (and, over rounds, best time to best time:
the same run varies by a third on a shared machine). Goals: requests <= 3 % of the full run's,
full/sync time >= 10. `--rate R` limits the sandbox to R requests/s for the measured runs (the
setup runs unlimited): the request count then decides the time.

    .venv/bin/python bench/sync.py [--contacts 200000] [--changed 0.02] [--runs 1] [--rate R]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cxone_outbound.cli.main import GC_THRESHOLD
from cxone_outbound.client import CXoneClient
from cxone_outbound.client.capabilities import V2_CAPABILITIES
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob, compared_fields
from cxone_outbound.sandbox.server import SandboxServer

WRITE_ROUTE = "PATCH /api/v2/campaigns/contactlists/{listId}/contacts"
READ_ROUTE = "GET /api/v2/campaigns/contactlists/{listId}"
HEADER = ["contactId", "firstName", "tier", "score"]
TIERS = ("bronze", "silver", "gold", "platinum")
SEED_CHUNK = 20_000


def write_extract(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def night_one(ids: list[str], rng: random.Random) -> list[list[str]]:
    return [[cid, f"Name{n}", rng.choice(TIERS), str(rng.randrange(1000))]
            for n, cid in enumerate(ids)]


def night_two(
    rows: list[list[str]], share: float, rng: random.Random
) -> tuple[list[list[str]], int]:
    """The same rows with `share` of them changed (tier and score): the copy and how many."""
    changed = set(rng.sample(range(len(rows)), round(len(rows) * share)))
    out = []
    for n, row in enumerate(rows):
        if n in changed:
            tier = TIERS[(TIERS.index(row[2]) + 1) % len(TIERS)]
            row = [row[0], row[1], tier, str(int(row[3]) + 1)]
        out.append(row)
    return out, len(changed)


MODES = ("full", "list", "last-sync")


async def update(
    base: str, path: Path, state: Path, list_id: str, mode: str
) -> RunSummary:
    settings = Settings(base_url=base, max_rate=1e9)

    def factory(observer: RequestObserver) -> CXoneClient:
        return CXoneClient(settings, observer=observer)

    source = CsvSource(path, aliases=CONTACT_FIELDS)
    job = UpdateJob(concurrency=settings.concurrency, list_id=list_id,
                    capabilities=V2_CAPABILITIES,
                    changed_only=None if mode == "full" else compared_fields(source.columns),
                    against="last-sync" if mode == "last-sync" else "list")
    return await Runner(job, job.with_look_ahead(source), RunConfig(state),
                        client_factory=factory).run()


def measured(control: Any, base: str, path: Path, state: Path, list_id: str,
             mode: str) -> dict[str, Any]:
    control.reset_counters()
    gc.set_threshold(*GC_THRESHOLD)  # as `cxo` runs (cli.main.invoke)
    gc.freeze()  # as `engine.launch.run_job` does before a command's run
    started, cpu = time.perf_counter(), time.process_time()
    summary = asyncio.run(update(base, path, state, list_id, mode))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert summary.status == "completed" and summary.accounting is not None, summary.status
    assert summary.accounting.balanced, summary.accounting.problems
    return {"elapsed": elapsed, "cpu": cpu, "writes": control.requests_to(WRITE_ROUTE),
            "reads": control.requests_to(READ_ROUTE), "total": control.counters()["total"],
            "counts": summary.counts, "sync": summary.sections.get("sync", {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="the sandbox's requests/s in the measured runs (0: unlimited)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with SandboxServer(rate_limit=0) as server, tempfile.TemporaryDirectory() as tmp:
        control, base = server.control, server.base_url
        state = Path(tmp) / "state"  # one state dir: the snapshot lives there across nights
        list_id = control.create_list("nightly", [{"name": "tier", "type": "string"},
                                                  {"name": "score", "type": "integer"}])
        started = time.perf_counter()
        for chunk, start in enumerate(range(0, args.contacts, SEED_CHUNK)):  # one call: a timeout
            control.seed_contacts(list_id, min(SEED_CHUNK, args.contacts - start), seed=chunk)
        ids = sorted(control.writes(list_id))
        print(f"{len(ids):,} contacts seeded in {time.perf_counter() - started:.1f} s")
        first = night_one(ids, rng)
        one = write_extract(Path(tmp) / "night1.csv", first)
        second, n_changed = night_two(first, args.changed, rng)
        two = write_extract(Path(tmp) / "night2.csv", second)
        setup = measured(control, base, one, state, list_id, "last-sync")
        print(f"night 1 (--against last-sync, no snapshot yet: the list read, every row sent):"
              f" {setup['writes']:,} PATCHes + {setup['reads']:,} pages"
              f" in {setup['elapsed']:.1f} s")
        print(f"night 2: {n_changed:,} of {len(second):,} rows changed"
              f" ({n_changed / len(second):.1%})")
        ratios: dict[str, list[float]] = {mode: [] for mode in MODES[1:]}
        times: dict[str, list[float]] = {mode: [] for mode in MODES}
        for n in range(args.runs):
            results: dict[str, dict[str, Any]] = {}
            for mode in MODES[n % 3:] + MODES[: n % 3]:
                if args.rate:  # a burst of one second's requests: the count decides
                    control.set_rate_limit(args.rate, burst=max(1, int(args.rate)))
                results[mode] = measured(control, base, two, state, list_id, mode)
                control.set_rate_limit(0)
                back = measured(control, base, one, state, list_id, "list")  # night 1 again
                assert back["counts"].get("unchanged", 0) >= len(first) - n_changed, back
            full = results["full"]
            for mode, r in results.items():
                times[mode].append(r["elapsed"])
            print(f"round {n + 1}: full run {full['writes']:,} PATCHes ({full['total']:,}"
                  f" requests) in {full['elapsed']:.1f} s, {full['cpu']:.1f} s CPU")
            for mode in MODES[1:]:
                r = results[mode]
                assert r["counts"].get("unchanged", 0) == len(second) - n_changed, r["counts"]
                assert r["counts"].get("succeeded", 0) == n_changed, r["counts"]
                assert r["sync"].get("against") == mode, r["sync"]
                ratios[mode].append(full["elapsed"] / r["elapsed"])
                print(f"  --against {mode}: {r['writes']:,} PATCHes + {r['reads']:,} list pages"
                      f" ({r['total']:,} requests: {r['total'] / full['total']:.2%} of the full"
                      f" run's) in {r['elapsed']:.1f} s, {r['cpu']:.1f} s CPU;"
                      f" time full/sync {ratios[mode][-1]:.1f}x,"
                      f" CPU {full['cpu'] / r['cpu']:.1f}x;"
                      f" settled before prepare: {r['sync'].get('settledEarly', 0):,}")
        if args.runs > 1:
            for mode, found in ratios.items():
                print(f"time full/--against {mode}: min {min(found):.1f}x"
                      f" median {statistics.median(found):.1f}x max {max(found):.1f}x;"
                      f" best full run / best {mode} run"
                      f" {min(times['full']) / min(times[mode]):.1f}x")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
