"""A worksheet of an .xlsx workbook read row by row in constant memory (issue 18).

An .xlsx file is a zip of XML parts. The sheet's part is parsed as it is decompressed (expat,
no element tree kept), so memory does not grow with the sheet: python-calamine decoded a whole
sheet first (856 MB at 1M rows). Text cells are either inline or indices into the shared
strings part, which holds every distinct text of the workbook; those are kept in memory up to
`MEMORY_STRINGS`, beyond that in a temporary file read back in blocks (Excel numbers them in
the order it meets them, row by row, so a small cache of blocks serves a sheet read in order).

Values are rendered as text the way `tabular.render_value` renders calamine's typed cells: a
whole number without `.0` (a phone or a ZIP stored as a number), dates ISO 8601 (a number
whose cell format is a date), booleans "true"/"false".
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import xml.parsers.expat
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from cxone_outbound.engine.sources.tabular import render_value

MEMORY_STRINGS = 200_000  # shared strings held in memory; more go to a temporary file
BLOCK = 4096  # shared strings a block of that file holds
CACHED_BLOCKS = 32
CHUNK = 1 << 20  # bytes of XML parsed at a time

# Built-in number formats that are dates, times or durations (ECMA-376 18.8.30).
BUILTIN_FORMATS = {
    **dict.fromkeys((14, 15, 16, 17, 22, 27, 30, 36, 50, 57), "date"),
    **dict.fromkeys((18, 19, 20, 21, 45, 47), "time"),
    46: "duration",
}
_NOT_CODES = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]')


class XlsxError(ValueError):
    """The file is no readable workbook, or lacks the sheet asked for."""


def column_index(ref: str) -> int:
    """0 for "A1", 27 for "AB3": the column of a cell reference."""
    index = 0
    for char in ref:
        code = ord(char) - 64
        if not 1 <= code <= 26:
            code = ord(char) - 96  # lower case, or the digits: the end of the letters
            if not 1 <= code <= 26:
                break
        index = index * 26 + code
    return index - 1


def format_kind(code: str) -> str | None:
    """"date", "time", "duration" or None: what a number shown in this format is."""
    bare = _NOT_CODES.sub("", code).lower()
    if "[h" in bare or "[m" in bare or "[s" in bare:
        return "duration"
    if "general" in bare:
        return None
    if "y" in bare or "d" in bare:
        return "date"
    if "h" in bare or "s" in bare:
        return "time"
    if "m" in bare:
        return "date"  # months alone
    return None


def render_serial(serial: float, kind: str, date1904: bool) -> str:
    """An Excel serial number as the text calamine's typed value renders to."""
    if kind == "duration":
        return render_value(dt.timedelta(milliseconds=round(serial * 86_400_000)))
    if kind == "time" and 0 <= serial < 1:
        moment = dt.datetime(2000, 1, 1) + dt.timedelta(milliseconds=round(serial * 86_400_000))
        return render_value(moment.time())
    if date1904:
        epoch = dt.datetime(1904, 1, 1)
    else:  # Excel's 1900 system counts a 29 February 1900 that never was
        epoch = dt.datetime(1899, 12, 30) if serial >= 60 else dt.datetime(1899, 12, 31)
    try:
        return render_value(epoch + dt.timedelta(milliseconds=round(serial * 86_400_000)))
    except OverflowError:
        return render_value(serial)


def render_number(text: str) -> str:
    """A number cell's text: digits stay as they are, others as calamine's float renders."""
    if len(text) < 16 and text.isdigit():
        return text  # the common case (ids, phones, ZIPs): no float round trip
    try:
        return render_value(float(text))
    except ValueError:
        return text


CELL, VALUE, ROW, PHONETIC = 1, 2, 3, 4
_TAGS = {"c": CELL, "v": VALUE, "t": VALUE, "row": ROW, "rPh": PHONETIC}


def _local(name: str) -> str:
    return name.rpartition(":")[2]  # "x:c" -> "c": some writers prefix the main namespace


def _refuse_doctype(*_: object) -> None:
    raise XlsxError("a part of the workbook declares a DTD, which no .xlsx part has")


def _parse(stream: IO[bytes], start: Callable[[str, dict[str, str]], None],
           end: Callable[[str], None], text: Callable[[str], None]) -> Iterator[int]:
    """Feed a part to expat in chunks; yields the bytes parsed after each one."""
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = _refuse_doctype  # no entities: no "billion laughs", no XXE
    while chunk := stream.read(CHUNK):
        parser.Parse(chunk, False)
        yield len(chunk)
    parser.Parse(b"", True)


class SharedStrings:
    """The workbook's shared strings by index: a list, or blocks of a temporary file."""

    def __init__(self, limit: int = MEMORY_STRINGS) -> None:
        self._limit = limit
        self._strings: list[str] = []
        self._file: IO[bytes] | None = None
        self._offsets: list[int] = [0]  # where each block starts in the file
        self._cache: OrderedDict[int, list[str]] = OrderedDict()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, value: str) -> None:
        self._count += 1
        self._strings.append(value)
        if self._file is None:
            if len(self._strings) <= self._limit:
                return
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by `close`
        while len(self._strings) >= BLOCK:  # `_strings` keeps the last, partial block
            self._write(self._strings[:BLOCK])
            del self._strings[:BLOCK]

    def _write(self, block: list[str]) -> None:
        assert self._file is not None
        # XML text cannot hold NUL, so it separates the strings of a block.
        data = "\0".join(block).encode("utf-8", "surrogatepass")
        self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def __getitem__(self, index: int) -> str:
        if self._file is None:
            return self._strings[index]
        block, at = divmod(index, BLOCK)
        cached = self._cache.get(block)
        if cached is None:
            cached = self._load(block)
        else:
            self._cache.move_to_end(block)
        return cached[at]

    def _load(self, block: int) -> list[str]:
        assert self._file is not None
        full = len(self._offsets) - 1
        if block >= full:
            if block == full:
                return self._strings
            raise IndexError(block)
        start, stop = self._offsets[block], self._offsets[block + 1]
        self._file.seek(start)
        strings = self._file.read(stop - start).decode("utf-8", "surrogatepass").split("\0")
        self._cache[block] = strings
        if len(self._cache) > CACHED_BLOCKS:
            self._cache.popitem(last=False)
        return strings

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_shared_strings(stream: IO[bytes], limit: int = MEMORY_STRINGS) -> SharedStrings:
    """Every `<si>` of a sharedStrings part, its runs joined (phonetic runs left out)."""
    strings = SharedStrings(limit)
    parts: list[str] = []
    state = {"in_t": False, "phonetic": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "t":
            state["in_t"] = not state["phonetic"]
        elif local == "rPh":
            state["phonetic"] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            state["in_t"] = False
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "si":
            strings.add("".join(parts))
            parts.clear()

    def text(data: str) -> None:
        if state["in_t"]:
            parts.append(data)

    for _ in _parse(stream, start, end, text):
        pass
    return strings


@dataclass(frozen=True)
class SheetInfo:
    names: list[str]
    parts: dict[str, str]  # sheet name -> zip member of its XML
    date1904: bool


Element = tuple[str, dict[str, str], str]  # local name, attributes, the parent's local name


def _elements(archive: zipfile.ZipFile, member: str) -> list[Element]:
    """Every element of a small part (the workbook, its relations, the styles), flat."""
    found: list[Element] = []
    stack = [""]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        found.append((local, {_local(k): v for k, v in attrs.items()}, stack[-1]))
        stack.append(local)

    def end(name: str) -> None:
        stack.pop()

    with archive.open(member) as fh:
        for _ in _parse(fh, start, end, lambda data: None):
            pass
    return found


def find_member(archive: zipfile.ZipFile, member: str) -> str | None:
    names = set(archive.namelist())
    if member in names:
        return member
    lowered = {n.lower(): n for n in names}
    return lowered.get(member.lower())


def workbook_sheets(archive: zipfile.ZipFile) -> SheetInfo:
    """The sheets of a workbook in order, and the zip member that holds each."""
    book = _elements(archive, find_member(archive, "xl/workbook.xml") or "xl/workbook.xml")
    targets: dict[str, str] = {}
    rels_member = find_member(archive, "xl/_rels/workbook.xml.rels")
    if rels_member is not None:
        for local, rel, _ in _elements(archive, rels_member):
            if local != "Relationship":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id", "")] = str(PurePosixPath(os.path.normpath(path)))
    names: list[str] = []
    parts: dict[str, str] = {}
    date1904 = False
    for local, attrs, _ in book:
        if local == "workbookPr":
            date1904 = attrs.get("date1904", "").lower() in ("1", "true")
        elif local == "sheet":
            name = attrs.get("name", "")
            part = targets.get(attrs.get("id", ""))
            if part is not None and (member := find_member(archive, part)) is not None:
                names.append(name)
                parts[name] = member
    return SheetInfo(names, parts, date1904)


def number_styles(archive: zipfile.ZipFile) -> list[str | None]:
    """Per cell style index (`s`), what kind of number it shows: "date", "time", ... or None."""
    member = find_member(archive, "xl/styles.xml")
    if member is None:
        return []
    custom: dict[int, str] = {}
    kinds: list[str | None] = []
    for local, attrs, parent in _elements(archive, member):
        if local == "numFmt" and parent == "numFmts":
            custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif local == "xf" and parent == "cellXfs":  # the numFmts come first in the part
            fmt_id = int(attrs.get("numFmtId", "0"))
            code = custom.get(fmt_id)
            kinds.append(format_kind(code) if code is not None else BUILTIN_FORMATS.get(fmt_id))
    return kinds


def sheet_rows(
    stream: IO[bytes],
    shared: SharedStrings | None,
    styles: list[str | None],
    date1904: bool,
    consumed: Callable[[int], None] = lambda n: None,
) -> Iterator[tuple[int, dict[int, str]]]:
    """(sheet row number, {column index: text}) of each `<row>` with a cell, in order.

    Cells without a value are left out: a sparse row gives only the columns it has.
    """
    done: list[tuple[int, dict[int, str]]] = []
    row: dict[int, str] = {}
    parts: list[str] = []
    # The parser's state in one list: cheaper than closure cells rebound on every callback.
    # [row number, column, type, style, in a value, phonetic depth]
    st: list[Any] = [0, -1, "", None, False, 0]
    codes: dict[str, int] = {}  # tag -> CELL, VALUE, ROW, PHONETIC or 0 (any other)
    columns: dict[str, int] = {}  # "AB" -> 27

    def code_of(name: str) -> int:
        code = codes[name] = _TAGS.get(_local(name), 0)
        return code

    def start(name: str, attrs: dict[str, str]) -> None:
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == CELL:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = column_index(letters)
                st[1] = column
            else:
                st[1] += 1
            st[2] = attrs.get("t", "n")
            st[3] = attrs.get("s")
            parts.clear()
        elif code == VALUE:
            st[4] = not st[5]
        elif code == ROW:
            ref = attrs.get("r")
            st[0] = int(ref) if ref else st[0] + 1
            st[1] = -1
        elif code == PHONETIC:
            st[5] += 1

    def end(name: str) -> None:
        nonlocal row
        code = codes.get(name)
        if code is None:
            code = code_of(name)
        if code == CELL:
            if parts:
                row[st[1]] = value(st[2], parts[0] if len(parts) == 1 else "".join(parts),
                                   st[3])
        elif code == VALUE:
            st[4] = False
        elif code == ROW:
            if row:
                done.append((st[0], row))
                row = {}
        elif code == PHONETIC:
            st[5] -= 1

    def text(data: str) -> None:
        if st[4]:
            parts.append(data)

    shown_as = {str(i): kind for i, kind in enumerate(styles) if kind is not None}

    def value(kind: str, raw: str, style: str | None) -> str:
        if kind == "n":
            if style is not None and (shown := shown_as.get(style)) is not None:
                try:
                    return render_serial(float(raw), shown, date1904)
                except ValueError:
                    return raw
            return render_number(raw)
        if kind == "s":
            if shared is None:
                raise XlsxError("a cell names a shared string, but the workbook has none")
            try:
                return shared[int(raw)]
            except (ValueError, IndexError):
                raise XlsxError(
                    f"a cell names shared string {raw!r}, which is not there"
                ) from None
        if kind == "b":
            return "true" if raw.strip() in ("1", "true") else "false"
        if kind == "d":
            try:
                return render_value(dt.datetime.fromisoformat(raw))
            except ValueError:
                return raw
        return raw  # inlineStr, str (a formula's text) and e (an error such as #N/A)

    for size in _parse(stream, start, end, text):
        consumed(size)
        if done:
            yield from done
            done.clear()
    yield from done


def dimension_left(stream: IO[bytes]) -> tuple[int, int | None]:
    """The first column and the last row a sheet's `<dimension>` declares ((0, None) if none),
    read from the part's start only."""
    head = stream.read(4096).decode("utf-8", "replace")
    found = re.search(r"<(?:\w+:)?dimension\s+ref=\"([A-Za-z]+)\d*(?::[A-Za-z]+(\d+))?\"", head)
    if found is None:
        return 0, None
    last = int(found.group(2)) if found.group(2) else None
    return column_index(found.group(1)), last
