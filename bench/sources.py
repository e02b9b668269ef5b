"""Every source reading the same contacts: rows/s and peak RSS, against the CSV source.

Writes the workload of tests/engine/source_workload.py (ints, floats, dates, booleans, nulls,
unicode) as CSV, xlsx, Parquet, Arrow IPC, JSON Lines, SQLite and (when Debian's postgresql is
installed) a PostgreSQL table, at each size; then reads each in a child process of its own
through `open_file_source` / `open_sql_source`, as a job would (records with aliases applied).
The child reports its read time and its own peak RSS (`VmHWM`) before and after reading; the
growth from the smallest to the largest size shows whether a source streams (flat) or not.

    .venv/bin/python bench/sources.py [--sizes 100000,1000000] [--kinds csv,xlsx,...] [--repeat 2]

The baseline of every ratio is the CSV source at the same size, measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.engine import source_workload as w  # noqa: E402

CHUNK = 50_000
KINDS = ("csv", "parquet", "arrow", "jsonl", "sqlite", "postgresql", "xlsx")  # slowest last


def chunks(n: int) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, n, CHUNK):
        yield w.contacts(min(CHUNK, n - start), seed=start)


def write(kind: str, folder: Path, n: int, pg_dsn: str | None) -> list[str]:
    """Write `n` rows as `kind`; the child's arguments that read them."""
    if kind == "csv":
        path = folder / "c.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(w.HEADER)
            for rows in chunks(n):
                writer.writerows(w.expected_text(row) for row in rows)
        return ["file", str(path)]
    if kind == "jsonl":
        import orjson

        path = folder / "c.jsonl"
        with path.open("wb") as fh:
            for rows in chunks(n):
                fh.writelines(orjson.dumps(dict(zip(w.HEADER, row, strict=True))) + b"\n"
                              for row in rows)
        return ["file", str(path)]
    if kind in ("parquet", "arrow"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = folder / f"c.{kind}"
        schema = w.arrow_table(w.contacts(1)).schema
        if kind == "parquet":
            with pq.ParquetWriter(path, schema) as pwriter:
                for rows in chunks(n):
                    pwriter.write_table(w.arrow_table(rows))
        else:
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as awriter:
                for rows in chunks(n):
                    awriter.write_table(w.arrow_table(rows), max_chunksize=8192)
        return ["file", str(path)]
    if kind == "xlsx":
        import xlsxwriter

        path = folder / "c.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet("Contacts")
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, w.HEADER)
        r = 0
        for rows in chunks(n):
            for row in rows:
                r += 1
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if c == 6:
                        sheet.write_datetime(r, c, value, date)
                    else:
                        sheet.write(r, c, value)
        book.close()
        return ["file", str(path)]
    if kind == "sqlite":
        import sqlite3

        path = folder / "c.db"
        with sqlite3.connect(path) as db:
            db.execute(w.create_table_sql("sqlite").replace(" BOOLEAN", " TEXT"))
            marks = ", ".join("?" * (len(w.HEADER) + 1))
            offset = 0
            for rows in chunks(n):
                db.executemany(f"INSERT INTO contacts VALUES ({marks})",
                               ((offset + i, *r) for i, *r in w.sqlite_rows(rows)))
                offset += len(rows)
        db.close()
        return ["sql", f"sqlite:///{path}"]
    assert kind == "postgresql" and pg_dsn is not None
    import psycopg

    with psycopg.connect(pg_dsn.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute("DROP TABLE IF EXISTS contacts")
        conn.execute(w.create_table_sql("postgresql"))
        offset = 0
        with conn.cursor().copy("COPY contacts FROM STDIN") as copy:
            for rows in chunks(n):
                for i, row in enumerate(rows):
                    copy.write_row((offset + i, *row))
                offset += len(rows)
    return ["sql", pg_dsn]


def _hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(how: str, target: str) -> None:
    """Read every record of one source; print rows, seconds and RSS before/after as JSON."""
    import pyarrow  # noqa: F401  - every child pays the same imports: RSS is comparable
    import python_calamine  # noqa: F401
    import sqlalchemy  # noqa: F401

    from cxone_outbound.engine.sources import open_file_source, open_sql_source
    from cxone_outbound.jobs.import_ import IMPORT_FIELDS

    before = _hwm_mb()
    started = time.perf_counter()
    if how == "sql":
        source = open_sql_source(w.SELECT, target, aliases=IMPORT_FIELDS)
    else:
        source = open_file_source(Path(target), aliases=IMPORT_FIELDS)
    rows = sum(1 for record in source if record.error is None)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "s": seconds, "rss0": before, "rss": _hwm_mb()}))


def measure(args: list[str], repeat: int) -> dict[str, float]:
    """The best read time of `repeat` children (the machine is shared), the highest RSS."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda m: m["s"])
    return {**best, "rss": max(m["rss"] for m in runs), "rss0": min(m["rss0"] for m in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--repeat", type=int, default=2, help="reads per source; the best")
    parser.add_argument("--child", nargs=2, metavar=("HOW", "TARGET"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    # stop cleanly on SIGTERM too (the PostgreSQL server and temp files go with the stack)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = sorted(int(s) for s in args.sizes.split(","))
    kinds = [k for k in args.kinds.split(",") if k]
    if "csv" not in kinds:
        kinds.insert(0, "csv")  # the baseline
    with contextlib.ExitStack() as stack:
        pg_dsn = None
        if "postgresql" in kinds:
            try:
                from tests.engine.postgres import postgres_bin, postgres_server

                if postgres_bin() is None:
                    raise RuntimeError("postgresql is not installed")
                pg_dsn = stack.enter_context(postgres_server())
            except BaseException as exc:  # pytest.skip is a BaseException
                print(f"(PostgreSQL left out: {exc})")
                kinds.remove("postgresql")
        results: dict[tuple[str, int], dict[str, float]] = {}
        for size in sizes:
            with tempfile.TemporaryDirectory(prefix="cxo-sources-") as tmp:
                for kind in kinds:
                    started = time.perf_counter()
                    target = write(kind, Path(tmp), size, pg_dsn)
                    written = time.perf_counter() - started
                    results[kind, size] = measure(target, args.repeat)
                    m = results[kind, size]
                    assert m["rows"] == size, (kind, size, m)
                    print(f"  {kind:<10} {size:>9,} rows: read {m['s']:6.2f} s, "
                          f"{m['rows'] / m['s']:>9,.0f} rows/s, peak RSS {m['rss']:4.0f} MB "
                          f"(+{m['rss'] - m['rss0']:.0f} reading; written in {written:.1f} s)",
                          flush=True)
    print("\nrows/s (ratio to CSV) and peak RSS MB (growth while reading), by size")
    print(f"{'source':<11}" + "".join(f"{size:>38,}" for size in sizes)
          + f"{'RSS growth':>12}")
    for kind in kinds:
        row = f"{kind:<11}"
        for size in sizes:
            m, base = results[kind, size], results["csv", size]
            rate, base_rate = m["rows"] / m["s"], base["rows"] / base["s"]
            row += (f"{rate:>12,.0f}/s ({rate / base_rate:4.2f}x)"
                    f"{m['rss']:>8.0f} MB (+{m['rss'] - m['rss0']:5.0f})")
        small, large = results[kind, sizes[0]], results[kind, sizes[-1]]
        growth = (large["rss"] - large["rss0"]) - (small["rss"] - small["rss0"])
        row += f"{growth:>+9.0f} MB"
        print(row)


if __name__ == "__main__":
    main()
