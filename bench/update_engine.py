"""The engine's own per-record cost in a per-contact update: CPU microseconds a record, the API
faked in-process.

No sandbox and no network: a fake client answers every PATCH after one turn of the event loop
and reports it to the run's observer as the transport does (audit line, metrics), so what is
measured is the engine's part of `bench/update.py unlimited`'s gap to the bare loop: reading,
`prepare`, batching, claims, the workers, outcomes, journal, result files, audit. Each run is a
child process; with `--baseline-src DIR` (another version's `src`, e.g.
`git archive main src | tar -x -C .bench-main`) both versions run, alternating, and the medians
are compared: CPU time, which a machine busy with other work moves less than wall time.

    .venv/bin/python bench/update_engine.py [--rows 12000] [--rounds 6] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import tempfile
from pathlib import Path

from import_engine import child_cpu  # bench/ is the script's folder: on its path

CHILD = '''
import asyncio, contextlib, sys, time
from pathlib import Path
from cxone_outbound.client.events import RequestEvent
from cxone_outbound.engine import CsvSource, RunConfig, Runner
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob

class Api:
    def __init__(self, observer):
        self.observer = observer
    async def update_contact(self, contact_id, changes, *, list_id=None):
        await asyncio.sleep(0)
        self.observer(RequestEvent("PATCH", f"/api/v2/contacts/{contact_id}", 200, 0.004, 1,
                                   "0b7e6a2c-5d51-4c59-9c4e-7d2f1b8e9a10"))

@contextlib.asynccontextmanager
async def factory(observer):
    yield Api(observer)

path, state, rows = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
cpu = time.process_time()
summary = asyncio.run(Runner(UpdateJob(concurrency=16), CsvSource(path, aliases=CONTACT_FIELDS),
                             RunConfig(state), client_factory=factory).run())
assert summary.counts.get("succeeded") == rows, summary.counts
print(time.process_time() - cpu)
'''


def run(path: Path, state: Path, rows: int, src: Path | None) -> float:
    """CPU microseconds a record of one run in a child process."""
    return child_cpu(CHILD, [str(path), str(state), str(rows)], src) * 1e6 / rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--baseline-src", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "u.csv"
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["contactId", "firstName"])
            writer.writerows([f"0563ed62-cc22-4a58-8f9a-{n:012d}", "Bench"]
                             for n in range(args.rows))
        print(f"{args.rows} rows, one PATCH a row, API faked in-process;"
              f" load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        this: list[float] = []
        base: list[float] = []
        for n in range(args.rounds):
            first_base = bool(args.baseline_src) and n % 2 == 1  # the order turns by round
            if first_base:
                base.append(run(path, Path(tmp) / f"base-{n}", args.rows, args.baseline_src))
            this.append(run(path, Path(tmp) / f"this-{n}", args.rows, None))
            if args.baseline_src and not first_base:
                base.append(run(path, Path(tmp) / f"base-{n}", args.rows, args.baseline_src))
            line = f"  round {n + 1}: this checkout {this[-1]:.1f} CPU us a record"
            if base:
                line += f", baseline {base[-1]:.1f}" + (" (run first)" if first_base else "")
            print(line)
        mine = statistics.median(this)
        summary = f"median: this checkout {mine:.1f} CPU us a record"
        if base:
            theirs = statistics.median(base)
            summary += f", baseline {theirs:.1f} (baseline / this {theirs / mine:.2f})"
        print(summary)


if __name__ == "__main__":
    main()
