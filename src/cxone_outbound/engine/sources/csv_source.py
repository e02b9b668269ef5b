"""A CSV file read as a stream of records, in bounded memory, whatever its size or dialect.

A row the reader cannot take (ragged, undecodable, a NUL byte, a stray or unterminated quote, a
line over the limit) becomes a record with an `error` and its line number, so one bad row never
stops a run of millions, and never absorbs the rows after it: the CSV grammar is read strictly,
and after a broken record reading starts again on the line after the one it began on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cxone_outbound.engine.records import Record, RecordError
from cxone_outbound.engine.sources.csv_blocks import (
    BLOCK_BYTES,
    UNDECODED,
    later_encoding,
    plain_records,
)

ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "cp1252")
DEFAULT_RECORD_LIMIT = 16 * 1024 * 1024
"""Characters one record may span (a line, or the lines of a quoted value): memory stays bounded
(a few times this) whatever the file, and a longer line is a row error, not a crash."""
_DRAIN_CHARS = 1 << 20  # an over-long line is skipped in pieces of this size


def _writable(cells: list[str]) -> list[str]:
    """A bad row's cells as failed.csv can hold them: a NUL or a byte the encoding could not
    decode becomes U+FFFD (a surrogate left in would stop the run at the result file)."""
    return [UNDECODED.sub("\ufffd", cell.replace("\x00", "\ufffd")) for cell in cells]


class SourceError(Exception):
    """The input cannot be read at all (missing file, no header, bad option): a usage error."""


_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_header(name: str) -> str:
    """The comparable form of a column name: case, spaces, `_` and `-` do not matter."""
    return _SEPARATORS.sub("", name.strip().lstrip("\ufeff")).lower()


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
    """How to read the file: encoding, delimiter, explicit column mappings, record size limit."""

    encoding: str = "utf-8"
    delimiter: str = ","
    mappings: Mapping[str, str] = field(default_factory=dict)
    record_limit: int = DEFAULT_RECORD_LIMIT

    def __post_init__(self) -> None:
        if self.encoding.lower() not in ENCODINGS:
            raise SourceError(f"unsupported encoding {self.encoding!r}; use one of {ENCODINGS}")
        if len(self.delimiter) != 1:
            raise SourceError(f"the delimiter must be one character, got {self.delimiter!r}")
        if self.delimiter in ('"', "\n", "\r", "\x00"):
            raise SourceError(f"the delimiter cannot be {self.delimiter!r}")
        if self.record_limit < 1:
            raise SourceError("the record limit must be positive")


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
    forms = [normalise_header(h) for h in header]  # once each: a header may have 200,000
    unknown = set(explicit).difference(forms)
    if unknown:
        raise SourceError(f"--map names columns not in the header: {sorted(unknown)}")
    return [
        explicit.get(form) or by_form.get(form) or column.strip().lstrip("\ufeff")
        for column, form in zip(header, forms, strict=True)
    ]


def file_fingerprint(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes: the same input is recognised on re-run, for resume."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class _TooLong(Exception):
    """A physical line, or the lines of one record, went past the record limit."""

    def __init__(self, line: int, *, spanning: bool = False) -> None:
        super().__init__(line)
        self.line = line
        self.spanning = spanning  # a record of several lines: a quote that did not close


class _Lines:
    """The physical lines of a file for `csv.reader`: numbered, bounded, with a push-back.

    Each line is read with a size cap, so a 2 GB line never sits in memory: it is skipped in
    pieces and reported (`_TooLong`). `taken` holds the lines of the record being read (the
    first is line `first`), so that after a broken record the lines after its first can be
    pushed back and read again.
    """

    def __init__(self, fh: TextIO, limit: int) -> None:
        self.fh = fh
        self.limit = limit
        self.number = 0
        self.back: deque[tuple[int, str | None]] = deque()  # None: a line that was too long
        self.taken: list[str] = []
        self.first = 0
        self._chars = 0
        self._rest_of_line = False  # an over-long line's remainder, still to skip

    def start_record(self) -> None:
        self.taken = []
        self._chars = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            number, text = self.back.popleft()
            if text is None:
                raise _TooLong(number)
        else:
            if self._rest_of_line:  # skipped only when reading on (never for a header)
                self._drain()
            text = self.fh.readline(self.limit + 2)  # + room for CRLF
            if not text:
                raise StopIteration
            self.number += 1
            number = self.number
            if len(text) > self.limit and len(text.rstrip("\r\n")) > self.limit:
                self._rest_of_line = not text.endswith(("\n", "\r"))
                if self.taken:  # the record began earlier: it fails, this line on its own
                    self.back.append((number, None))
                    raise _TooLong(self.first, spanning=True)
                raise _TooLong(number)
        taken = self.taken
        if not taken:
            self.first = number
        else:
            self._chars += len(text) + (len(taken[0]) if len(taken) == 1 else 0)
            if self._chars > self.limit:
                taken.append(text)
                raise _TooLong(self.first, spanning=True)
        taken.append(text)
        return text

    def _drain(self) -> None:
        """Skip the rest of an over-long line, a bounded piece at a time."""
        self._rest_of_line = False
        while (text := self.fh.readline(_DRAIN_CHARS)) and not text.endswith(("\n", "\r")):
            pass

    def push_back_after_first(self) -> None:
        """Read again the lines of a broken record after its first (they may be rows)."""
        self.back.extendleft(
            (self.first + i, text) for i, text in reversed(list(enumerate(self.taken[1:], 1)))
        )
        self.taken = self.taken[:1]


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
        self.block_bytes = BLOCK_BYTES  # what the fast way reads at a time
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

    def _open(self, offset: int = 0) -> tuple[TextIO, _Lines, Any]:
        # The csv module's own cap is process-wide: keep it out of the way; _Lines bounds.
        csv.field_size_limit(max(csv.field_size_limit(), self.options.record_limit + 2))
        raw = self.path.open("rb")
        raw.seek(offset)  # a line's start: a character's too, in every encoding read
        encoding = self.options.encoding if not offset else later_encoding(self.options.encoding)
        fh = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
        lines = _Lines(fh, self.options.record_limit)
        reader = csv.reader(lines, delimiter=self.options.delimiter, strict=True)
        return fh, lines, reader

    def _read_header(self) -> None:
        fh, _, reader = self._open()
        limit = self.options.record_limit
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise SourceError(f"{self.path}: cannot read the header: {exc}") from exc
        except _TooLong:
            raise SourceError(
                f"{self.path}: the header is longer than {limit:,} characters"
                " (is this a CSV file with line breaks?)"
            ) from None
        finally:
            fh.close()
        if not header or not any(cell.strip() for cell in header):
            raise SourceError(f"{self.path}: the file is empty or has no header row")
        if any(UNDECODED.search(cell) for cell in header):
            raise SourceError(
                f"{self.path}: the header is not valid {self.options.encoding}; try --encoding"
            )
        if any("\x00" in cell for cell in header):
            raise SourceError(f"{self.path}: the header holds a NUL byte; is this a CSV file?")
        self.header = [cell.lstrip("\ufeff") for cell in header]
        self.columns = resolve_columns(self.header, self.aliases, self.options.mappings)
        duplicates = sorted(name for name, n in Counter(self.columns).items() if n > 1)
        if duplicates:
            shown = ", ".join(repr(d) for d in duplicates[:10])
            more = f" and {len(duplicates) - 10} more" if len(duplicates) > 10 else ""
            raise SourceError(f"{self.path}: several columns map to {shown}{more}")

    def _broken(self, lines: _Lines, exc: csv.Error | _TooLong) -> Record:
        """The record a broken piece of CSV becomes; its later lines are read again."""
        if isinstance(exc, _TooLong):
            first = exc.line
            if exc.spanning:
                error = RecordError(
                    "UNTERMINATED_QUOTE",
                    f"a quoted value opened on line {first} does not close within"
                    f" {self.options.record_limit:,} characters; read as its own row",
                )
            else:
                error = RecordError(
                    "LINE_TOO_LONG", f"the line is over {self.options.record_limit:,} characters"
                )
        else:
            first = lines.first if lines.taken else lines.number
            last = first + len(lines.taken) - 1 if lines.taken else first
            text = str(exc)
            if "unexpected end of data" in text:
                error = RecordError(
                    "UNTERMINATED_QUOTE",
                    f"a quote opened on line {first} never closes; the lines after it are"
                    " read as rows of their own",
                )
            else:
                where = f" (found on line {last})" if last != first else ""
                error = RecordError(
                    "MALFORMED_ROW",
                    f"{text}{where}: a stray quote? The lines after line {first} are read as"
                    " rows of their own",
                )
        lines.push_back_after_first()
        raw = _writable([lines.taken[0].rstrip("\r\n")]) if lines.taken else []
        return Record(str(first), first, {}, raw, error)

    def __iter__(self) -> Iterator[Record]:
        """Plain blocks the fast way (`csv_blocks`), the rest of the file from the first block
        that is not plain by the full grammar."""
        options = self.options
        resume = yield from plain_records(
            self.path, self.columns, encoding=options.encoding, delimiter=options.delimiter,
            record_limit=options.record_limit, block_bytes=self.block_bytes, at=self._read_to)
        try:
            if resume is not None:
                yield from self._parsed(*resume)
        finally:
            self._position = self._size

    def _read_to(self, offset: int) -> None:
        self._position = offset

    def _parsed(self, offset: int, lines_before: int) -> Iterator[Record]:
        """The records from a line's start on (`offset` 0: the file's, header included), read by
        the full CSV grammar."""
        fh, lines, reader = self._open(offset)
        lines.number = lines_before
        width = len(self.columns)
        columns = self.columns
        buffer = fh.buffer
        try:
            if not offset:
                next(reader)  # the header, validated in _read_header
            while True:
                lines.start_record()
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except (csv.Error, _TooLong) as exc:
                    yield self._broken(lines, exc)
                    continue
                taken = lines.taken
                line = lines.first if taken else lines.number
                if line & 1023 == 0:  # a syscall: not for every row
                    self._position = buffer.tell()
                if not row or (len(row) == 1 and not row[0].strip() and width > 1):
                    continue  # blank line
                text = taken[0] if len(taken) == 1 else "".join(taken)
                error: RecordError | None = None
                nul, undecoded = "\x00" in text, UNDECODED.search(text) is not None
                if len(row) != width:
                    error = RecordError("RAGGED_ROW", f"expected {width} columns, found {len(row)}")
                elif nul:
                    error = RecordError("NUL_BYTE", "the row holds a NUL byte")
                elif undecoded:
                    error = RecordError(
                        "UNDECODABLE_ROW", f"bytes that are not valid {self.options.encoding}"
                    )
                if error is not None:  # whichever error it is, its cells are written back
                    yield Record(str(line), line, {}, _writable(row) if nul or undecoded else row,
                                 error)
                else:
                    yield Record(str(line), line, dict(zip(columns, row, strict=True)), row)
        finally:
            self._position = self._size
            fh.close()
