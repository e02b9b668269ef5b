"""Write the demo's workload files (the side-effect half of `demo.workload`)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write a UTF-8 CSV with a header row; the number of data rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def read_columns(path: Path, *columns: int) -> Iterator[tuple[str, ...]]:
    """The cells at `columns` of every data row of a CSV `write_csv` wrote, read as a stream."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # the header
        for row in reader:
            yield tuple(row[i] for i in columns)


def write_text(path: Path, text: str, *, private: bool = False) -> Path:
    """Write `text`; `private`: readable by the owner alone from the first byte (secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not private:
        path.write_text(text, encoding="utf-8")
        return path
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)  # an existing file keeps its mode through O_CREAT
        fh.write(text)
    return path
