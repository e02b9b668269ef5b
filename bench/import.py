"""Bulk import at scale: rows/s and peak RSS of `cxo import` over a generated file (default 1 M).

Runs `cxo import` in a subprocess against a local sandbox (its import worker set fast so the
client side is measured), and beside it a bare `csv.reader` pass over the same file: the ratio
says what validation, chunking, gzip, journal and results cost. Peak RSS is the child's maximum
resident set (goal < 250 MB at 1 M and at 5 M rows: the file is streamed).

    .venv/bin/python bench/import.py [--rows 1000000] [--five-million] [--chunk-size 5000]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cxone_outbound.sandbox.server import SandboxServer

# `cxo` in-process, reporting its own peak RSS (the sandbox is another child: not counted)
CXO_WITH_RSS = (
    "import resource, sys\n"
    "from cxone_outbound.cli.main import invoke\n"
    "code = invoke(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "sys.stderr.write(f'PEAK_RSS_KB={peak}\\n')\n"
    "sys.exit(code)\n"
)


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name", "email", "tier"])
        for i in range(rows):
            writer.writerow(
                [
                    f"+1{2000000000 + i}",
                    f"First{i}",
                    f"Last{i}",
                    f"user{i}@example.com",
                    "gold" if i % 3 else "silver",
                ]
            )


def bare_read(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        for _ in csv.reader(fh):
            pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--five-million", action="store_true", help="5 M rows")
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    rows = 5_000_000 if args.five_million else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        generate(path, rows)
        size_mb = path.stat().st_size / 1e6
        bare = bare_read(path)
        with SandboxServer(import_rows_per_s=2_000_000, rate_limit=1000, burst=1000) as server:
            started = time.perf_counter()
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CXO_WITH_RSS,
                    "--json",
                    "--base-url",
                    server.base_url,
                    "import",
                    str(path),
                    "--state-dir",
                    str(Path(tmp) / "state"),
                    "--chunk-size",
                    str(args.chunk_size),
                    "--concurrency",
                    str(args.concurrency),
                    "--progress",
                    "none",
                ],
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"cxo import failed ({result.returncode}): {result.stderr[-2000:]}")
    peak_kb = next(
        int(line.split("=")[1]) for line in result.stderr.splitlines() if "PEAK_RSS_KB=" in line
    )
    peak_mb = peak_kb / 1024  # Linux reports KiB
    print(
        f"{rows} rows ({size_mb:.0f} MB), chunks of {args.chunk_size}, {args.concurrency} in flight"
    )
    print(
        f"  cxo import: {rows / elapsed:,.0f} rows/s ({elapsed:.1f} s), peak RSS {peak_mb:.0f} MB"
        f" (goal < 250 MB)"
    )
    print(
        f"  bare csv.reader pass: {rows / bare:,.0f} rows/s;"
        f" import / bare-read speed ratio: {bare / elapsed:.3f}"
    )


if __name__ == "__main__":
    main()
