"""Where a run's records come from: CSV, XLSX, Arrow/Parquet, JSON Lines and SQL sources.

`open_source` picks one by a file's suffix (or a DSN); `csv_source` also holds what every
source shares (`SourceError`, `file_fingerprint`), `tabular` the rendering of typed cells.
"""

from __future__ import annotations

from cxone_outbound.engine.sources.open_source import (
    XLSX_SUFFIXES,
    TabularSource,
    open_file_source,
    open_sql_source,
    source_kind,
)

__all__ = ["XLSX_SUFFIXES", "TabularSource", "open_file_source", "open_sql_source", "source_kind"]
