"""An Excel workbook (.xlsx) read as records: the first row of a sheet is the header.

python-calamine (Rust) reads the sheet: it decodes a sheet about ten times faster than openpyxl,
and its memory is bounded by the sheet (Excel caps one at 1,048,576 rows), not by the run. Each
record is keyed by its sheet row (the header is row 1), as a CSV record is by its line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.engine.records import Record
from cxone_outbound.engine.sources.csv_source import SourceError, file_fingerprint
from cxone_outbound.engine.sources.tabular import (
    mapped_columns,
    render_row,
    render_value,
    row_record,
)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class XlsxSource:
    """Records of one sheet of a workbook (the first, or `sheet` by name), row by row."""

    def __init__(
        self,
        path: Path,
        *,
        sheet: str | None = None,
        mappings: Mapping[str, str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.sheet_name = sheet
        if not self.path.is_file():
            raise SourceError(f"no such file: {self.path}")
        self._fingerprint: str | None = None
        self._rows_total = 0
        self._rows_read = 0
        self._left = 0  # the sheet's first used column (0: A)
        rows = self._rows()
        first = next(rows, None)
        self._pending: Iterator[list[Any]] | None = rows  # decoded once: the first pass reuses it
        if first is None or not any(render_value(v).strip() for v in first):
            raise SourceError(f"{self.description}: the sheet is empty or has no header row")
        self.header = [render_value(v).strip() for v in first]
        for index, name in enumerate(self.header):
            if not name:
                cell = f"{_column_letter(self._left + index)}1"
                raise SourceError(f"{self.description}: header cell {cell} is empty; name it")
        self.columns = mapped_columns(self.description, self.header, aliases or {}, mappings or {})

    @property
    def description(self) -> str:
        return f"{self.path} [{self.sheet_name}]" if self.sheet_name else str(self.path)

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            digest = file_fingerprint(self.path)
            self._fingerprint = f"{digest}:{self.sheet_name}" if self.sheet_name else digest
        return self._fingerprint

    def progress(self) -> float | None:
        return min(1.0, self._rows_read / self._rows_total) if self._rows_total else None

    def _rows(self) -> Iterator[list[Any]]:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(self.path))
            names = workbook.sheet_names
            if self.sheet_name is not None and self.sheet_name not in names:
                raise SourceError(
                    f"{self.path}: no sheet named {self.sheet_name!r} (sheets: {', '.join(names)})"
                )
            if not names:
                raise SourceError(f"{self.path}: the workbook has no sheet")
            sheet = workbook.get_sheet_by_name(self.sheet_name or names[0])
            self._rows_total = max(0, sheet.height - 1)
            # python-calamine starts a range at the first used cell; rows above it are empty.
            top, self._left = sheet.start or (0, 0)
        except (CalamineError, ValueError, OSError) as exc:
            raise SourceError(f"{self.path}: not a readable .xlsx workbook: {exc}") from None
        yield from ([] for _ in range(top))
        yield from sheet.iter_rows()

    def __iter__(self) -> Iterator[Record]:
        rows, self._pending = self._pending, None
        if rows is None:  # a second pass decodes the sheet again
            rows = self._rows()
            next(rows)  # the header, validated in __init__
        width = len(self.columns)
        self._rows_read = 0
        line = 1
        try:
            for row in rows:
                line += 1
                self._rows_read += 1
                values = render_row(row)
                if not any(v.strip() for v in values):
                    continue  # an empty row, as a blank line in a CSV file
                if len(values) > width and not any(v.strip() for v in values[width:]):
                    values = values[:width]
                yield row_record(line, self.columns, values)
        finally:
            self._rows_read = self._rows_total
