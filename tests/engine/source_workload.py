"""One generated workload of contacts written as every kind of source, and the text it must read as.

The typed values (ints, floats, dates, booleans, nulls, unicode) go into each format natively;
`expected_text` says, independently of the code under test, what each must read as.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HEADER = ["Phone", "First Name", "surname", "email", "score", "balance", "joined", "vip", "notes"]
FIELDS = ["phone_number", "first_name", "last_name", "email", "score", "balance", "joined", "vip",
          "notes"]  # HEADER read through IMPORT_FIELDS' aliases
SQL_TYPES = ["TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", "DOUBLE PRECISION", "DATE", "BOOLEAN",
             "TEXT"]
FIRST = ["Zoë", "Łukasz", "李", "José", "Ann", "Ngozi", "Søren", "Amélie", "Ωmega", "Ada 🚀"]
LAST = ["Müller", "O'Brien", "Nakamura", "García", "Smith", "Dvořák", "Ivanov", "Quinn"]


def contacts(n: int = 2000, seed: int = 18) -> list[tuple[Any, ...]]:
    """`n` rows of typed values in HEADER order (None is a null)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        cents = rng.randrange(0, 1_000_000)
        rows.append((
            f"+1415555{i:04d}",
            rng.choice(FIRST),
            rng.choice(LAST),
            f"c{i}@example.com" if i % 11 else None,
            rng.randrange(-5, 5000),
            cents / 100 if i % 5 else float(cents // 100),  # every 5th a whole number
            dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            i % 3 == 0,
            None if i % 7 == 0 else f"note {i}, with \"quotes\"",
        ))
    return rows


def expected_text(row: Sequence[Any]) -> list[str]:
    """What a row must read as: ints plain, whole floats without `.0`, dates ISO, nulls empty."""
    phone, first, last, email, score, balance, joined, vip, notes = row
    money = f"{int(balance)}" if balance == int(balance) else f"{balance}"
    return [phone, first, last, email or "", str(score), money, joined.isoformat(),
            "true" if vip else "false", notes or ""]


def write_csv(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(expected_text(row) for row in rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "Contacts") -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    other = book.add_worksheet("Notes")  # a first sheet that is not the data
    other.write_row(0, 0, ["not", "the", "contacts"])
    sheet_ = book.add_worksheet(sheet)
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet_.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet_.write_datetime(r, c, value, date)
            elif isinstance(value, bool):
                sheet_.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet_.write_number(r, c, value)
            else:
                sheet_.write_string(r, c, value)
    book.close()
    return path


def arrow_table(rows: Sequence[Sequence[Any]]) -> Any:
    import pyarrow as pa

    types = [pa.string(), pa.string(), pa.string(), pa.string(), pa.int64(), pa.float64(),
             pa.date32(), pa.bool_(), pa.string()]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(HEADER)
    return pa.table([pa.array(list(col), type=t) for col, t in zip(columns, types, strict=True)],
                    names=HEADER)


def write_parquet(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import pyarrow.parquet as pq

    pq.write_table(arrow_table(rows), path, row_group_size=500)
    return path


def write_arrow(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import pyarrow as pa

    table = arrow_table(rows)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=700):
            writer.write_batch(batch)
    return path


def write_jsonl(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import orjson

    with path.open("wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(dict(zip(HEADER, row, strict=True))) + b"\n")
    return path


def create_table_sql(dialect: str) -> str:
    types = SQL_TYPES if dialect == "postgresql" else [
        "REAL" if t == "DOUBLE PRECISION" else t for t in SQL_TYPES]
    columns = ", ".join(f'"{name}" {kind}' for name, kind in zip(HEADER, types, strict=True))
    return f'CREATE TABLE contacts (id INTEGER PRIMARY KEY, {columns})'


SELECT = ('SELECT "Phone", "First Name", "surname", "email", "score", "balance", "joined", '
          '"vip", "notes" FROM contacts ORDER BY id')


def sqlite_rows(rows: Sequence[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
    """SQLite has no date or boolean type: dates as ISO text, booleans as `true`/`false` text."""
    for i, row in enumerate(rows):
        values = list(row)
        values[6] = row[6].isoformat()
        values[7] = "true" if row[7] else "false"
        yield (i, *values)


def write_sqlite(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    with sqlite3.connect(path) as db:
        db.execute(create_table_sql("sqlite").replace(" BOOLEAN", " TEXT"))
        marks = ", ".join("?" * (len(HEADER) + 1))
        db.executemany(f"INSERT INTO contacts VALUES ({marks})", sqlite_rows(rows))
    db.close()
    return path
