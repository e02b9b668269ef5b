"""Benchmark: the strict, bounded CsvSource beside a bare csv.reader loop on the same file.

    .venv/bin/python bench/csv_source.py [--rows 500000] [--long-mib 512]

Prints rows/s of both and their ratio (goal >= 0.3; the reader before issue 14, without strict
quoting or bounds, measured 0.26-0.32, the new one 0.32-0.44, on a loaded 2-core machine). The
source does per row what the bare loop does not: line bookkeeping for resync, NUL and encoding
checks, a dict per record. Then the peak RSS of a child reading a file whose second line is
`--long-mib` MiB long (goal: well under 300 MB whatever the size: the line is skipped in
pieces, never held). Rates are rows per CPU-second of this process, timed in alternating rounds.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cxone_outbound.engine.sources.csv_source import CsvSource


def write_rows(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name", "email", "tier"])
        for i in range(rows):
            writer.writerow([f"+1415{i:07d}", f"First {i}", f"Last, {i}", f"u{i}@x.io", "gold"])


def bare(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return sum(1 for row in reader if dict(zip(header, row, strict=True)))


def strict(path: Path) -> int:
    return sum(1 for record in CsvSource(path) if record.error is None)


def rate(fn: Callable[[Path], int], path: Path) -> float:
    started = time.process_time()
    rows = fn(path)
    return rows / max(time.process_time() - started, 1e-9)


def peak_rss_mb(path: Path) -> float:
    """Peak RSS of a fresh child that reads `path` through CsvSource."""
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from cxone_outbound.engine.sources.csv_source import CsvSource\n"
        "print(sum(1 for r in CsvSource(Path(sys.argv[1])) if r.error))\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--long-mib", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        write_rows(path, args.rows)
        ratios = []
        for _ in range(args.rounds):
            base, ours = rate(bare, path), rate(strict, path)
            ratios.append(ours / base)
            print(f"bare csv.reader {base:,.0f} rows/s, CsvSource {ours:,.0f} rows/s,"
                  f" ratio {ours / base:.2f}")
        print(f"median ratio {sorted(ratios)[len(ratios) // 2]:.2f} (goal >= 0.3)")
        long_path = Path(tmp) / "long.csv"
        with long_path.open("w", encoding="utf-8") as fh:
            fh.write("id,blob\n1,")
            piece = "x" * (1 << 20)
            for _ in range(args.long_mib):
                fh.write(piece)
            fh.write("\n2,ok\n")
        print(f"peak RSS reading a {args.long_mib} MiB line: {peak_rss_mb(long_path):.0f} MB"
              " (goal < 300 MB)")


if __name__ == "__main__":
    main()
