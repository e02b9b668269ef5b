"""The fast way through a CSV file: blocks of whole lines that hold nothing the CSV grammar
would read differently from a plain split.

Most extracts (a CRM's, a warehouse's) quote nothing: no `"`, no NUL, no bare CR, valid text.
Such a block's records are its lines split on the delimiter, exactly what `csv.reader` makes
of them, at a fraction of the cost (no Python line iterator under the reader, no per-record
bookkeeping for broken records). The first block that holds any of those, or a line longer than
the record limit, ends the fast way: `CsvSource` reads on from that block's first byte with the
full grammar, which reports each bad row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Sequence
from itertools import repeat
from pathlib import Path

from cxone_outbound.engine.records import Record, RecordError

_new_tuple = tuple.__new__
BLOCK_BYTES = 1 << 20
UNDECODED = re.compile("[\udc80-\udcff]")
"""A byte the encoding could not decode, as `surrogateescape` keeps it."""
Resume = tuple[int, int]
"""Where the full grammar reads on: the byte offset of a line's start, and the physical lines
before it (the header is line 1)."""


def plain_records(
    path: Path,
    columns: Sequence[str],
    *,
    encoding: str,
    delimiter: str,
    record_limit: int,
    block_bytes: int = BLOCK_BYTES,
    at: Callable[[int], None] = lambda offset: None,
) -> Generator[Record, None, Resume | None]:
    """The records of the file's plain blocks (the header line skipped); returns None at the
    end of the file, else where the first block that is not plain starts. `at` is told the
    byte offset read up to, a block at a time, before its records (progress)."""
    width = len(columns)
    offset, lines_before = 0, 0
    with path.open("rb") as fh:
        while block := fh.read(block_bytes):
            if not block.endswith(b"\n"):  # the rest of its last line, bounded
                rest = fh.readline(record_limit + 2)
                block += rest
                if len(rest) == record_limit + 2 and not rest.endswith(b"\n"):
                    return offset, lines_before  # an over-long line: the full grammar says so
            if not _plain(block, record_limit):
                return offset, lines_before
            try:  # strict: fails exactly where `surrogateescape` would leave an UNDECODED
                text = block.decode(later_encoding(encoding) if offset else encoding)
            except UnicodeDecodeError:  # (a search for one cost 6 ms a MB)
                return offset, lines_before
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            first = 0 if lines_before else 1  # the header, validated by `CsvSource`
            at(offset + len(block))
            yield from _records(lines, first, lines_before, columns, width, delimiter)
            offset += len(block)
            lines_before += len(lines)
    return None


def later_encoding(encoding: str) -> str:
    """The encoding of a block after the first: a BOM is only ever the file's first bytes."""
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _plain(block: bytes, record_limit: int) -> bool:
    """Whether a block is read the same by a split as by the CSV grammar, line by line."""
    if b'"' in block or b"\x00" in block:
        return False
    if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
        return False  # a CR on its own ends a line for csv.reader
    return len(block) <= record_limit  # else a line may be over the limit: the grammar says


def _records(
    lines: list[str],
    first: int,
    lines_before: int,
    columns: Sequence[str],
    width: int,
    delimiter: str,
) -> Generator[Record, None, None]:
    rows = [text.split(delimiter) for text in lines[first:]]
    if width > 1 and rows and min(map(len, rows)) == width == max(map(len, rows)):
        # the usual block: no blank line (one cell), no ragged row; made without a Python
        # call a row (Record's own __new__ is one: `_make`'s way, a third of the cost)
        numbers = range(lines_before + first + 1, lines_before + len(lines) + 1)
        yield from map(_new_tuple, repeat(Record), zip(
            map(str, numbers), numbers, map(dict, map(zip, repeat(columns), rows)), rows,
            repeat(None)))
        return
    for index in range(first, len(lines)):
        line_text = lines[index]
        if not line_text:
            continue  # a blank line
        row = rows[index - first]
        number = lines_before + index + 1
        if len(row) == width:  # zip's strict check would cost a fifth of a row
            yield Record(str(number), number, dict(zip(columns, row)), row)  # noqa: B905
        elif len(row) == 1 and width > 1 and not line_text.strip():
            continue  # a line of spaces only: blank, as the grammar's reading skips it
        else:
            yield Record(str(number), number, {}, row,
                         RecordError("RAGGED_ROW", f"expected {width} columns, found {len(row)}"))
