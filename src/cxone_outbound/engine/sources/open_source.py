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

from cxone_outbound.engine.job import Source
from cxone_outbound.engine.sources.arrow_source import ARROW_SUFFIXES, PARQUET_SUFFIXES
from cxone_outbound.engine.sources.csv_source import CsvOptions, CsvSource, SourceError
from cxone_outbound.engine.sources.jsonl_source import JSONL_SUFFIXES

XLSX_SUFFIXES = (".xlsx", ".xlsm")


class TabularSource(Source, Protocol):
    """A source with a header: `columns` are its header cells' canonical field names."""

    columns: list[str]


_EXTRA = "pip install 'cxone-outbound[sources]'"
_NOT_READ = {
    ".xls": "save it as .xlsx",
    ".ods": "save it as .xlsx",
    ".json": "write one object per line as .jsonl",
    ".gz": "decompress it first",
    ".zip": "extract it first",
}


def source_kind(path: Path) -> str:
    """`csv`, `xlsx`, `arrow` or `jsonl`, by extension.

    Any other extension (or none) reads as CSV, as every file did before there were other
    sources; a format we know and do not read is a `SourceError` saying what to do.
    """
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in PARQUET_SUFFIXES + ARROW_SUFFIXES:
        return "arrow"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _NOT_READ:
        raise SourceError(f"{path}: {suffix} files are not read; {_NOT_READ[suffix]}")
    return "csv"


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
            from cxone_outbound.engine.sources.xlsx_source import XlsxSource

            return XlsxSource(path, sheet=sheet, mappings=options.mappings, aliases=aliases)
        if kind == "arrow":
            from cxone_outbound.engine.sources.arrow_source import ArrowSource

            return ArrowSource(path, mappings=options.mappings, aliases=aliases)
    except ImportError as exc:
        raise SourceError(f"reading {path.suffix} files needs {exc.name}: {_EXTRA}") from None
    if kind == "jsonl":
        from cxone_outbound.engine.sources.jsonl_source import JsonlSource

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
    from cxone_outbound.engine.sources.sql_source import SqlSource

    try:
        return SqlSource(query, dsn, mappings=mappings, aliases=aliases)
    except ImportError as exc:
        raise SourceError(f"--source-sql needs {exc.name}: {_EXTRA}") from None
