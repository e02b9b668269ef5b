"""A nightly sync with `--changed-only` against a full run of the same file, in the same run.

A sandbox list of N contacts (default 200,000; schema `tier` string, `score` integer) and a
nightly extract of every contact (contactId, firstName, tier, score). Night 1 is a full update
(the list then holds the extract). Night 2's extract has `--changed` (2 %) of its rows changed;
it is synced twice, on the same list state each time:

(a) `--changed-only`: the list read once (paged) into the on-disk index, the changed rows sent;
(b) the full run of the same night-2 file (every row sent again), after the list was put back
    to night 1's values by a full run of night 1 (not measured).

Runs alternate order by round. Prints, per round, the requests each sent (writes: the batch
PATCHes; reads: the list pages) from the sandbox's counters, and full/changed-only time.
Goals: changed-only writes <= 3 % of the full run's requests, full/changed-only time >= 10.

    .venv/bin/python bench/sync.py [--contacts 200000] [--changed 0.02] [--runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

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


async def update(
    base: str, path: Path, state: Path, list_id: str, changed_only: bool
) -> RunSummary:
    settings = Settings(base_url=base, max_rate=1e9)

    def factory(observer: RequestObserver) -> CXoneClient:
        return CXoneClient(settings, observer=observer)

    source = CsvSource(path, aliases=CONTACT_FIELDS)
    job = UpdateJob(concurrency=settings.concurrency, list_id=list_id,
                    capabilities=V2_CAPABILITIES,
                    changed_only=compared_fields(source.columns) if changed_only else None)
    return await Runner(job, job.with_look_ahead(source), RunConfig(state),
                        client_factory=factory).run()


def measured(control: Any, base: str, path: Path, state: Path, list_id: str,
             changed_only: bool) -> dict[str, Any]:
    control.reset_counters()
    started = time.perf_counter()
    summary = asyncio.run(update(base, path, state, list_id, changed_only))
    elapsed = time.perf_counter() - started
    assert summary.status == "completed" and summary.accounting is not None, summary.status
    assert summary.accounting.balanced, summary.accounting.problems
    return {"elapsed": elapsed, "writes": control.requests_to(WRITE_ROUTE),
            "reads": control.requests_to(READ_ROUTE), "total": control.counters()["total"],
            "counts": summary.counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--changed", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with SandboxServer(rate_limit=0) as server, tempfile.TemporaryDirectory() as tmp:
        control, base = server.control, server.base_url
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
        setup = measured(control, base, one, Path(tmp) / "setup", list_id, False)
        print(f"night 1, full run: {setup['writes']:,} PATCHes in {setup['elapsed']:.1f} s")
        print(f"night 2: {n_changed:,} of {len(second):,} rows changed"
              f" ({n_changed / len(second):.1%})")
        ratios: list[float] = []
        for n in range(args.runs):
            def sync(n: int = n) -> dict[str, Any]:
                return measured(control, base, two, Path(tmp) / f"sync{n}", list_id, True)

            def full(n: int = n) -> dict[str, Any]:
                measured(control, base, one, Path(tmp) / f"reset{n}", list_id, False)  # back
                return measured(control, base, two, Path(tmp) / f"full{n}", list_id, False)

            if n % 2:
                f = full()
                measured(control, base, one, Path(tmp) / f"back{n}", list_id, False)
                s = sync()
            else:
                s = sync()
                f = full()
            assert s["counts"].get("unchanged", 0) == len(second) - n_changed, s["counts"]
            assert s["counts"].get("succeeded", 0) == n_changed, s["counts"]
            ratios.append(f["elapsed"] / s["elapsed"])
            print(f"round {n + 1}: full run {f['writes']:,} PATCHes ({f['total']:,} requests)"
                  f" in {f['elapsed']:.1f} s;"
                  f" --changed-only {s['writes']:,} PATCHes + {s['reads']:,} list pages"
                  f" ({s['total']:,} requests) in {s['elapsed']:.1f} s")
            print(f"  writes sent: {s['writes'] / f['writes']:.2%} of the full run's;"
                  f" all requests: {s['total'] / f['total']:.2%};"
                  f" time full/changed-only {ratios[-1]:.1f}x")
        if len(ratios) > 1:
            print(f"time full/changed-only: min {min(ratios):.1f}x"
                  f" median {statistics.median(ratios):.1f}x max {max(ratios):.1f}x")


if __name__ == "__main__":
    main()
