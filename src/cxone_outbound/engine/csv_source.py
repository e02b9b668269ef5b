"""A CSV file read as a stream of records, in constant memory, whatever its size or dialect.

A row the reader cannot take (ragged, undecodable, an over-long field) becomes a record with an
`error` and its line number, so one bad row never stops a run of millions.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cxone_outbound.engine.records import Record, RecordError

ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252")
DEFAULT_FIELD_LIMIT = 16 * 1024 * 1024  # a field over 16 MiB is a row error, not a crash
_SURROGATE = re.compile("[\udc80-\udcff]")


class SourceError(Exception):
    """The input cannot be read at all (missing file, no header, bad option): a usage error."""


def normalise_header(name: str) -> str:
    """The comparable form of a column name: case, spaces, `_` and `-` do not matter."""
    return re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff")).lower()


def parse_mappings(pairs: Sequence[str]) -> dict[str, str]:
    """`--map column=field` options as a dict; a malformed pair is a `SourceError`."""
    result: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise SourceError(f"--map expects column=field, got {pair!r}")
        result[column.strip()] = target.strip()
    return result


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How to read the file: encoding, delimiter, explicit column mappings, field size limit."""

    encoding: str = "utf-8"
    delimiter: str = ","
    mappings: Mapping[str, str] = field(default_factory=dict)
    field_limit: int = DEFAULT_FIELD_LIMIT

    def __post_init__(self) -> None:
        if self.encoding.lower() not in ENCODINGS:
            raise SourceError(f"unsupported encoding {self.encoding!r}; use one of {ENCODINGS}")
        if len(self.delimiter) != 1:
            raise SourceError(f"the delimiter must be one character, got {self.delimiter!r}")


def resolve_columns(
    header: Sequence[str], aliases: Mapping[str, Sequence[str]], mappings: Mapping[str, str]
) -> list[str]:
    """The field name of each column: an explicit `--map`, else a known alias, else the header.

    `aliases` maps a canonical field to the spellings it may have in a file; matching ignores
    case, spaces, `_` and `-`.
    """
    by_form: dict[str, str] = {}
    for canonical, spellings in aliases.items():
        for spelling in (canonical, *spellings):
            by_form.setdefault(normalise_header(spelling), canonical)
    explicit = {normalise_header(k): v for k, v in mappings.items()}
    unknown = set(explicit) - {normalise_header(h) for h in header}
    if unknown:
        raise SourceError(f"--map names columns not in the header: {sorted(unknown)}")
    names: list[str] = []
    for column in header:
        form = normalise_header(column)
        names.append(explicit.get(form) or by_form.get(form) or column.strip().lstrip("\ufeff"))
    return names


def file_fingerprint(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes: the same input is recognised on re-run, for resume."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class CsvSource:
    """Records of a CSV file, streamed; each keyed by the line it starts on (header is line 1)."""

    def __init__(
        self,
        path: Path,
        options: CsvOptions | None = None,
        *,
        aliases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.options = options or CsvOptions()
        self.aliases = dict(aliases or {})
        if not self.path.is_file():
            raise SourceError(f"no such file: {self.path}")
        self._size = self.path.stat().st_size
        self._position = 0
        self._fingerprint: str | None = None
        self.header: list[str] = []
        self.columns: list[str] = []
        self._read_header()

    @property
    def description(self) -> str:
        return str(self.path)

    def fingerprint(self) -> str:
        if self._fingerprint is None:  # hashing a 5 M-row file twice would cost seconds
            self._fingerprint = file_fingerprint(self.path)
        return self._fingerprint

    def progress(self) -> float | None:
        """Fraction of the file read so far (by bytes), for an ETA."""
        return min(1.0, self._position / self._size) if self._size else None

    def _open(self) -> tuple[TextIO, Any]:
        fh = self.path.open(
            "r", encoding=self.options.encoding, errors="surrogateescape", newline=""
        )
        reader = csv.reader(fh, delimiter=self.options.delimiter, strict=False)
        return fh, reader

    def _read_header(self) -> None:
        csv.field_size_limit(max(csv.field_size_limit(), self.options.field_limit))
        fh, reader = self._open()
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise SourceError(f"{self.path}: cannot read the header: {exc}") from exc
        finally:
            fh.close()
        if not header or not any(cell.strip() for cell in header):
            raise SourceError(f"{self.path}: the file is empty or has no header row")
        if any(_SURROGATE.search(cell) for cell in header):
            raise SourceError(
                f"{self.path}: the header is not valid {self.options.encoding}; try --encoding"
            )
        self.header = [cell.lstrip("\ufeff") for cell in header]
        self.columns = resolve_columns(self.header, self.aliases, self.options.mappings)
        duplicates = {c for c in self.columns if self.columns.count(c) > 1}
        if duplicates:
            raise SourceError(f"{self.path}: several columns map to {sorted(duplicates)}")

    def __iter__(self) -> Iterator[Record]:
        csv.field_size_limit(self.options.field_limit)
        fh, reader = self._open()
        width = len(self.columns)
        columns = self.columns
        buffer = fh.buffer
        try:
            next(reader)  # the header, validated in _read_header
            previous = reader.line_num
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    line = previous + 1
                    previous = reader.line_num
                    yield Record(str(line), line, {}, (), RecordError("UNREADABLE_ROW", str(exc)))
                    continue
                line = previous + 1
                previous = reader.line_num
                self._position = buffer.tell()
                if not row or (len(row) == 1 and not row[0].strip() and width > 1):
                    continue  # blank line
                error: RecordError | None = None
                if len(row) != width:
                    error = RecordError("RAGGED_ROW", f"expected {width} columns, found {len(row)}")
                elif any(_SURROGATE.search(cell) for cell in row):
                    error = RecordError(
                        "UNDECODABLE_ROW", f"bytes that are not valid {self.options.encoding}"
                    )
                    row = [_SURROGATE.sub("\ufffd", cell) for cell in row]
                if error is not None:
                    yield Record(str(line), line, {}, row, error)
                else:
                    yield Record(str(line), line, dict(zip(columns, row, strict=True)), row)
        finally:
            self._position = self._size
            fh.close()
