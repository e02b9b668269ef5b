"""The engine's own per-row cost in an import: CPU seconds per row, the API faked in-process.

No sandbox and no network: a fake client answers every upload with a completed job, so what is
measured is what issue 15 asked about (reading, `prepare`, chunking, gzip, journal, result files,
audit). Each run is a child process; with `--baseline-src DIR` (another version's `src`, e.g.
`git archive main src | tar -x -C .bench-main`) both versions run, alternating, and the ratio is
per CPU second, so a machine busy with other work moves it less than wall time.

    .venv/bin/python bench/import_engine.py [--rows 200000] [--rounds 2] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = '''
import asyncio, contextlib, sys, time
from pathlib import Path
from cxone_outbound.client import ImportJob as ApiJob
from cxone_outbound.engine import RunConfig, Runner
from cxone_outbound.engine import CsvSource
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions

class Api:
    n = 0
    async def start_import(self, body, *, list_id=None, idempotency_key=None, gzipped=True):
        self.n += 1
        return ApiJob(job_id=f"0b7e6a2c-5d51-4c59-9c4e-{self.n:012d}", status="QUEUED")
    async def get_import_job(self, job_id):
        return ApiJob(job_id=job_id, status="COMPLETED")

@contextlib.asynccontextmanager
async def factory(observer):
    yield Api()

path, state = Path(sys.argv[1]), Path(sys.argv[2])
source = CsvSource(path, aliases=IMPORT_FIELDS)
attributes = [c for c in source.header if c not in IMPORT_FIELDS]
job = ImportJob(ImportOptions(chunk_size=5000, concurrency=4), attributes)
cpu = time.process_time()
summary = asyncio.run(Runner(job, source, RunConfig(state), client_factory=factory).run())
assert summary.status == "completed", summary.fatal_error
print(time.process_time() - cpu)
'''


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name", "email", "tier"])
        for i in range(rows):
            writer.writerow([f"+1{2000000000 + i}", f"First{i}", f"Last{i}",
                             f"user{i}@example.com", "gold" if i % 3 else "silver"])


def child_cpu(child: str, args: list[str], src: Path | None) -> float:
    """The CPU seconds a child process running `child` prints last, with `src` (another
    version's package) first on its path; the bench exits with the child's error if it fails."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    result = subprocess.run([sys.executable, "-c", child, *args],
                            capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])
    return float(result.stdout.strip().splitlines()[-1])


def run(path: Path, state: Path, src: Path | None) -> tuple[float, int]:
    """(CPU seconds of the run, bytes it left in its state dir)."""
    cpu = child_cpu(CHILD, [str(path), str(state)], src)
    size = sum(p.stat().st_size for p in state.rglob("*") if p.is_file())
    return cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline-src", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        generate(path, args.rows)
        size = path.stat().st_size
        print(f"{args.rows} rows ({size / 1e6:.0f} MB), chunks of 5000, API faked in-process")
        for n in range(args.rounds):
            cpu, state = run(path, Path(tmp) / f"this-{n}", None)
            line = (f"  round {n + 1}: this checkout {args.rows / cpu:,.0f} rows per CPU second,"
                    f" state {state / size:.2f}x the input")
            if args.baseline_src:
                base, base_state = run(path, Path(tmp) / f"base-{n}", args.baseline_src)
                line += (f"; baseline {args.rows / base:,.0f} rows per CPU second, state"
                         f" {base_state / size:.2f}x; this / baseline per CPU second"
                         f" {base / cpu:.2f}")
            print(line)


if __name__ == "__main__":
    main()
