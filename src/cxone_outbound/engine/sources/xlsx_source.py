"""An Excel workbook (.xlsx) read as records: the first row of a sheet is the header.

A large sheet is streamed (xlsx_reader.py beside this: its XML parsed as it is decompressed,
shared strings beyond a bound in a temporary file), so memory stays flat however long the sheet;
python-calamine, which decodes a whole sheet first (856 MB at 1M rows) but several times
faster, reads the small ones. Each record is keyed by its
sheet row (the header is row 1), as a CSV record is by its line; empty rows are skipped, as
blank lines in a CSV file.
"""

from __future__ import annotations

import xml.parsers.expat
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from cxone_outbound.engine.records import Record
from cxone_outbound.engine.sources.csv_source import SourceError, file_fingerprint
from cxone_outbound.engine.sources.tabular import (
    SourceBroken,
    mapped_columns,
    render_row,
    row_record,
)
from cxone_outbound.engine.sources.xlsx_reader import (
    MEMORY_STRINGS,
    SharedStrings,
    XlsxError,
    dimension_left,
    find_member,
    number_styles,
    read_shared_strings,
    sheet_rows,
    workbook_sheets,
)

# A sheet of at most this many bytes of XML is decoded by python-calamine at once (~2 bytes of
# memory a byte of XML, several times faster); a larger one is streamed in constant memory.
STREAM_ABOVE = 32 << 20


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
        memory_strings: int = MEMORY_STRINGS,
        stream_above: int = STREAM_ABOVE,
    ) -> None:
        self.path = Path(path)
        self.sheet_name = sheet
        if not self.path.is_file():
            raise SourceError(f"no such file: {self.path}")
        self._fingerprint: str | None = None
        self._rows_total = 0
        self._rows_read = 0
        self._bytes_total = 0  # of the sheet's XML: the progress when it declares no dimension
        self._bytes_read = 0
        self._memory_strings = memory_strings
        self._stream_above = stream_above
        self._left = 0  # the sheet's first used column (0: A)
        rows = self._rows()
        try:
            first = next(rows, None)
        except SourceBroken as exc:  # broken before its header: refused, nothing is sent
            raise SourceError(str(exc)) from None
        self._pending: Iterator[list[str]] | None = rows  # decoded once: the first pass reuses it
        if first is None or not any(v.strip() for v in first):
            raise SourceError(f"{self.description}: the sheet is empty or has no header row")
        self.header = [v.strip() for v in first]
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
        if self._rows_total:
            return min(1.0, self._rows_read / self._rows_total)
        return min(1.0, self._bytes_read / self._bytes_total) if self._bytes_total else None

    def _rows(self) -> Iterator[list[str]]:
        """The sheet's rows from row 1, each as the text of its cells from the first used
        column on; a row with no cell is an empty list."""
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{self.path}: not a readable .xlsx workbook: {exc}") from None
        shared: SharedStrings | None = None
        try:
            try:
                info = workbook_sheets(archive)
            except (KeyError, ValueError, OSError, zipfile.BadZipFile,
                    xml.parsers.expat.ExpatError) as exc:
                raise SourceError(f"{self.path}: not a readable .xlsx workbook: {exc}") from None
            if not info.names:
                raise SourceError(f"{self.path}: the workbook has no sheet")
            if self.sheet_name is not None and self.sheet_name not in info.parts:
                raise SourceError(
                    f"{self.path}: no sheet named {self.sheet_name!r}"
                    f" (sheets: {', '.join(info.names)})"
                )
            name = self.sheet_name or info.names[0]
            member = info.parts[name]
            self._bytes_total = archive.getinfo(member).file_size
            if self._bytes_total <= self._stream_above:
                archive.close()
                yield from self._calamine_rows(name)
                return
            try:
                styles = number_styles(archive)
                strings = find_member(archive, "xl/sharedStrings.xml")
                if strings is not None:
                    with archive.open(strings) as fh:
                        shared = read_shared_strings(fh, self._memory_strings)
                with archive.open(member) as fh:
                    self._left, last = dimension_left(fh)
                self._rows_total = max(0, last - 1) if last else 0
                stream = archive.open(member)
            except (KeyError, ValueError, OSError, zipfile.BadZipFile,
                    xml.parsers.expat.ExpatError) as exc:
                raise SourceError(f"{self.path}: not a readable .xlsx workbook: {exc}") from None
            with stream:
                yield from self._lines(stream, shared, styles, info.date1904)
        finally:
            if shared is not None:
                shared.close()
            archive.close()

    def _calamine_rows(self, name: str) -> Iterator[list[str]]:
        """The same rows, decoded by python-calamine (Rust) all at once: several times faster
        than the stream, and a sheet at most `stream_above` bytes of XML holds it in a few
        tens of MB."""
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            sheet = CalamineWorkbook.from_path(str(self.path)).get_sheet_by_name(name)
            self._rows_total = max(0, sheet.height - 1)
            # python-calamine starts a range at the first used cell; rows above it are empty.
            top, self._left = sheet.start or (0, 0)
        except (CalamineError, ValueError, OSError) as exc:
            raise SourceError(f"{self.path}: not a readable .xlsx workbook: {exc}") from None
        yield from ([] for _ in range(top))
        for row in sheet.iter_rows():
            yield render_row(row)

    def _lines(self, stream: IO[bytes], shared: SharedStrings | None,
               styles: list[str | None], date1904: bool) -> Iterator[list[str]]:
        left = self._left
        expected = 1
        self._bytes_read = 0

        def consumed(size: int) -> None:
            self._bytes_read += size

        try:
            for number, cells in sheet_rows(stream, shared, styles, date1904, consumed):
                if number < expected:
                    continue  # rows out of order: not a sheet Excel writes
                for _ in range(number - expected):
                    yield []  # rows with no cell at all
                expected = number + 1
                width = max(cells) - left + 1
                if width <= 0:
                    yield []
                    continue
                values = [""] * width
                for column, text in cells.items():
                    if column >= left:
                        values[column - left] = text
                yield values
        except (xml.parsers.expat.ExpatError, XlsxError) as exc:
            raise SourceBroken(f"{self.path}: the sheet is broken past row {expected - 1}:"
                               f" {exc}") from None

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
                values = row
                if not any(v.strip() for v in values):
                    continue  # an empty row, as a blank line in a CSV file
                if len(values) > width and not any(v.strip() for v in values[width:]):
                    values = values[:width]
                elif len(values) < width:
                    values += [""] * (width - len(values))  # cells left out: empty
                yield row_record(line, self.columns, values)
        finally:
            self._rows_read = self._rows_total
