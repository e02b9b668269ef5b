"""The compiled DNC file: sorted 64-bit keys and a source index per key, probed in place.

Layout (little-endian; docs/dnc.md):

    0     72 bytes  header: magic, version, fence stride, count, then the offset (and length)
                    of each section: numbers, sources, fence, meta
    ...             meta: JSON {"sources": [{"name", "file", "lines", "numbers", "refused",
                    "unique"}, ...]}
    page-aligned    numbers: `count` int64 keys, ascending, each once
    page-aligned    sources: `count` uint16, the index (into meta.sources) of the first source
                    that listed the key
    8-aligned       fence: every `stride`-th key (keys[0], keys[stride], ...)

A lookup bisects the fence (a few MB in memory even for 250M numbers), then reads the one
4 KiB page of keys that may hold the number (`pread`, served by the OS page cache) and bisects
it; a hit reads its 2-byte source index. The keys are not memory-mapped: a mapping's touched
pages count in the process's RSS, and with the kernel's fault-around and large page-cache
folios one probe maps far more than a page (measured: a scrub of 100k contacts over a 100 MB
file grew RSS by ~100 MB, by ~25 MB even when the pages were dropped every 64 probes). Read
this way, a scrub's memory is the fence's, whatever the registry's size.
"""

from __future__ import annotations

import bisect
import os
import struct
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from cxone_outbound.dnc.numbers import key_of_e164
from cxone_outbound.private_files import open_private

__all__ = [
    "FENCE_STRIDE",
    "MAGIC",
    "VERSION",
    "DncFile",
    "DncFileError",
    "SourceStats",
    "write_dnc_file",
]

MAGIC = b"CXODNC\r\n"  # the CRLF catches a file mangled by a text-mode copy, as PNG's does
VERSION = 1
FENCE_STRIDE = 512  # keys per 4 KiB page: one fence entry per page of keys
PAGE = 4096
_HEADER = struct.Struct("<8sIIQQQQQQQ")
MAX_SOURCES = 8192  # 13 bits: compile packs the source index under the key while sorting


class DncFileError(ValueError):
    """A file that is not a compiled DNC file (or of another version); says which and why."""


@dataclass
class SourceStats:
    """One source of a compiled file: what was read, refused and kept."""

    name: str
    file: str
    lines: int = 0
    numbers: int = 0  # lines read as numbers
    refused: int = 0  # lines that are not numbers (reported with their line numbers)
    unique: int = 0  # keys attributed to this source in the file (first source wins)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "lines": self.lines,
            "numbers": self.numbers,
            "refused": self.refused,
            "unique": self.unique,
        }


def _align(offset: int, to: int) -> int:
    return -(-offset // to) * to


def _copy(source: Path, out: IO[bytes]) -> None:
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            out.write(chunk)


def write_dnc_file(
    path: Path,
    *,
    count: int,
    numbers_file: Path,
    sources_file: Path,
    fence: Sequence[int],
    sources: Sequence[SourceStats],
) -> None:
    """Assemble the file from its sections (raw int64 keys and uint16 indices, already sorted
    and deduplicated); written beside `path` and renamed, so a reader never sees half a file."""
    meta = orjson.dumps({"sources": [s.to_json() for s in sources]})
    meta_off = _HEADER.size
    numbers_off = _align(meta_off + len(meta), PAGE)
    sources_off = _align(numbers_off + 8 * count, PAGE)
    fence_off = _align(sources_off + 2 * count, 8)
    header = _HEADER.pack(
        MAGIC, VERSION, FENCE_STRIDE, count, numbers_off, sources_off, fence_off, len(fence),
        meta_off, len(meta),
    )
    partial = path.with_name(path.name + ".partial")
    with open_private(partial, "wb") as out:  # phone numbers: owner-only, 0600
        out.write(header + meta)
        out.write(b"\0" * (numbers_off - out.tell()))
        _copy(numbers_file, out)
        out.write(b"\0" * (sources_off - out.tell()))
        _copy(sources_file, out)
        out.write(b"\0" * (fence_off - out.tell()))
        out.write(array("q", fence).tobytes())
    partial.replace(path)


class DncFile:
    """A compiled DNC file: `match(e164)` names the source listing a number.

    Costs disk (and the OS page cache), not our memory: the keys stay in the file. Use as a
    context manager, or call `close()`. Not for concurrent use from several threads' seeks:
    every read is a positioned `pread`, so it is safe, but one handle is one file descriptor.
    """

    def __init__(self, path: Path) -> None:
        if sys.byteorder != "little":  # pragma: no cover - the keys are read in place
            raise DncFileError("compiled DNC files are read on little-endian machines only")
        self.path = Path(path)
        try:
            self._fh = self.path.open("rb")
        except OSError as exc:
            raise DncFileError(f"cannot open DNC file {path}: {exc.strerror}") from None
        try:
            self._open()
        except BaseException:
            self._fh.close()
            raise

    def _open(self) -> None:
        head = self._fh.read(_HEADER.size)
        if len(head) < _HEADER.size or head[:8] != MAGIC:
            raise DncFileError(f"{self.path} is not a compiled DNC file (cxo dnc compile)")
        (_, version, stride, count, numbers_off, sources_off, fence_off, fence_count,
         meta_off, meta_len) = _HEADER.unpack(head)
        if version != VERSION:
            raise DncFileError(f"{self.path}: DNC file version {version}; this reads {VERSION}")
        size = self.path.stat().st_size
        if fence_off + 8 * fence_count > size or numbers_off + 8 * count > size:
            raise DncFileError(f"{self.path} is truncated")
        self._fh.seek(meta_off)
        try:
            meta = orjson.loads(self._fh.read(meta_len))
            self.sources = [SourceStats(**s) for s in meta["sources"]]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise DncFileError(f"{self.path}: unreadable header ({exc})") from None
        self.count = int(count)
        self.stride = int(stride)
        self._fence = array("q")
        self._fh.seek(fence_off)
        self._fence.frombytes(self._fh.read(8 * fence_count))
        self.numbers_offset = int(numbers_off)
        self._sources_off = int(sources_off)
        self._fd = self._fh.fileno()

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def source_index(self, key: int) -> int | None:
        """The index of the source that listed `key`, or None when the file does not hold it."""
        block = bisect.bisect_right(self._fence, key) - 1
        if block < 0:
            return None
        lo = block * self.stride
        size = min(self.stride, self.count - lo)
        page = memoryview(os.pread(self._fd, 8 * size, self.numbers_offset + 8 * lo)).cast("q")
        at = bisect.bisect_left(page, key)
        if at == size or page[at] != key:
            return None
        where = self._sources_off + 2 * (lo + at)
        return int.from_bytes(os.pread(self._fd, 2, where), "little")

    def match(self, e164: str) -> str | None:
        """The name of the source listing this E.164 number, or None."""
        key = key_of_e164(e164)
        if key is None:
            return None
        index = self.source_index(key)
        return None if index is None else self.sources[index].name

    def __contains__(self, e164: object) -> bool:
        return isinstance(e164, str) and self.match(e164) is not None

    def __len__(self) -> int:
        return self.count

    def describe(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "count": self.count,
            "sources": [s.to_json() for s in self.sources],
        }

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> DncFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
