"""Which `Source` reads an input: by the file's extension, or a SQL query.

Every source maps its header to canonical fields the same way (aliases and `--map`), renders
values as text the same way (`tabular.render_value`), and reports unreadable rows as records
with an error; see docs/sources.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from cxone_outbound.engine.arrow_source import ARROW_SUFFIXES, PARQUET_SUFFIXES
from cxone_outbound.engine.csv_source import CsvOptions, CsvSource, SourceError
from cxone_outbound.engine.job import Source
from cxone_outbound.engine.jsonl_source import JSONL_SUFFIXES

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
FILE_SUFFIXES = CSV_SUFFIXES + XLSX_SUFFIXES + PARQUET_SUFFIXES + ARROW_SUFFIXES + JSONL_SUFFIXES



class TabularSource(Source, Protocol):
    """A source with a header: `columns` are its header cells' canonical field names."""

    columns: list[str]


_EXTRA = "pip install 'cxone-outbound[sources]'"


def source_kind(path: Path) -> str:
    """`csv`, `xlsx`, `arrow` or `jsonl`, by extension; anything else is a `SourceError`."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in PARQUET_SUFFIXES + ARROW_SUFFIXES:
        return "arrow"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    raise SourceError(
        f"{path}: unknown file type {suffix or '(no extension)'!r}; "
        f"use one of {', '.join(FILE_SUFFIXES)}, or --source-sql"
    )


def open_file_source(
    path: Path,
    *,
    csv_options: CsvOptions | None = None,
    sheet: str | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> TabularSource:
    """The source reading `path`, chosen by its extension (`.tsv` reads tab-separated)."""
    options = csv_options or CsvOptions()
    kind = source_kind(path)
    if sheet is not None and kind != "xlsx":
        raise SourceError("--sheet only applies to an .xlsx workbook")
    try:
        if kind == "xlsx":
            from cxone_outbound.engine.xlsx_source import XlsxSource

            return XlsxSource(path, sheet=sheet, mappings=options.mappings, aliases=aliases)
        if kind == "arrow":
            from cxone_outbound.engine.arrow_source import ArrowSource

            return ArrowSource(path, mappings=options.mappings, aliases=aliases)
    except ImportError as exc:
        raise SourceError(f"reading {path.suffix} files needs {exc.name}: {_EXTRA}") from None
    if kind == "jsonl":
        from cxone_outbound.engine.jsonl_source import JsonlSource

        return JsonlSource(path, mappings=options.mappings, aliases=aliases)
    if path.suffix.lower() == ".tsv" and options.delimiter == ",":
        options = dataclasses.replace(options, delimiter="\t")  # unless --delimiter says
    return CsvSource(path, options, aliases=aliases)


def open_sql_source(
    query: str,
    dsn: str,
    *,
    mappings: Mapping[str, str] | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> TabularSource:
    """The source reading the rows of `query` on the database `dsn`."""
    from cxone_outbound.engine.sql_source import SqlSource

    try:
        return SqlSource(query, dsn, mappings=mappings, aliases=aliases)
    except ImportError as exc:
        raise SourceError(f"--source-sql needs {exc.name}: {_EXTRA}") from None
