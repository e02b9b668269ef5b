"""What every source of typed rows shares: one way to render a value as text, and records.

A CSV cell is already text; an Excel cell, a Parquet value or a database column is not. The jobs
read strings, so every non-CSV source renders its values here, the same way: an integer never
gets a `.0` (Excel stores every number as a float, and a phone number read as `4155550100.0`
would be wrong), dates and times are ISO 8601, a null is empty. The same data read from any
source therefore gives the same records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from cxone_outbound.engine.records import Record, RecordError
from cxone_outbound.engine.sources.csv_source import SourceError, resolve_columns


class SourceBroken(OSError):
    """The input turned out unreadable part-way (a corrupt Parquet page): the run stops there,
    failed, with what was read so far journaled and its accounting saying the input was not
    all read. Bad input (exit 2): the same file breaks at the same place again."""


def render_value(value: Any) -> str:
    """A typed value as the text a job reads (None -> "", 5.0 -> "5", dates ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if value.is_nan():
            return ""
        if value == value.to_integral_value():
            return str(value.quantize(decimal.Decimal(1)))
        return str(value.normalize())
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            return value.date().isoformat()  # an Excel date cell is a datetime at midnight
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.hex()
    if isinstance(value, dict | list | tuple):
        return orjson.dumps(value, default=render_value).decode()
    return str(value)


def render_row(values: Iterable[Any]) -> list[str]:
    """A row of typed values as text (`render_value`; text itself passes without a call)."""
    return [v if type(v) is str else render_value(v) for v in values]


def mapped_columns(
    where: str,
    header: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    mappings: Mapping[str, str],
) -> list[str]:
    """The field name of each header cell (aliases and `--map`, as for a CSV file).

    An empty header cell or two columns naming one field is a `SourceError`: the file's
    structure is broken and nothing may be sent.
    """
    for index, name in enumerate(header):
        if not name.strip():
            raise SourceError(f"{where}: header cell {index + 1} is empty; name every column")
    columns = resolve_columns(header, aliases, mappings)
    duplicates = sorted(name for name, n in Counter(columns).items() if n > 1)
    if duplicates:
        raise SourceError(f"{where}: several columns map to {duplicates}")
    return columns


def row_record(line: int, columns: Sequence[str], values: Sequence[str]) -> Record:
    """The record of one row of rendered values, keyed by its origin (row or line number)."""
    if len(values) != len(columns):
        error = RecordError("RAGGED_ROW", f"expected {len(columns)} columns, found {len(values)}")
        return Record(str(line), line, {}, tuple(values), error)
    return Record(str(line), line, dict(zip(columns, values, strict=True)), tuple(values))
