"""`cxo dnc compile`: registry downloads and internal lists into one sorted DNC file.

An external sort, so memory is bounded whatever the input's size: lines are read into runs of
`run_size` keys, each run sorted (numpy) and written to a temporary file, then the runs are
merged block by block. While sorting, a key travels with its source index packed under it
(`key << 13 | source`), so one int64 sort orders by number and then by source, and the first
copy of a number is the one from the first source named: that is the source a match reports.
Refused lines are counted per source and handed to `on_refused` with their line numbers.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from cxone_outbound.dnc.fileformat import (
    FENCE_STRIDE,
    MAX_SOURCES,
    SourceStats,
    write_dnc_file,
)
from cxone_outbound.dnc.numbers import LineRefused, parse_dnc_line

__all__ = ["CompileReport", "DncSource", "RefusedLine", "compile_dnc", "parse_source_arg"]

SOURCE_BITS = 13
_SOURCE_MASK = (1 << SOURCE_BITS) - 1
DEFAULT_RUN_SIZE = 4_000_000  # keys per sorted run: 32 MB, sorted in place
MAX_LINE = 1024  # bytes read of one line; a longer line is refused, not held
MERGE_BUDGET = 1_000_000  # keys held by all runs' blocks together while merging (8 MB)

if TYPE_CHECKING:  # numpy is loaded by a compile only: not by every `cxo` command's start
    import numpy.typing as npt
    from numpy import int64

    Int64Array = npt.NDArray[int64]


class DncCompileError(ValueError):
    """A source that cannot be read at all (missing, a directory) or too many sources."""


@dataclass(frozen=True)
class DncSource:
    """A file to compile and the name a match reports (`federal`, `internal-optouts`)."""

    name: str
    path: Path


@dataclass(frozen=True)
class RefusedLine:
    source: str
    line: int
    text: str
    reason: str


@dataclass
class CompileReport:
    """What a compile read, refused and wrote."""

    output: Path
    count: int = 0
    sources: list[SourceStats] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return sum(s.refused for s in self.sources)

    def to_json(self) -> dict[str, object]:
        return {
            "output": str(self.output),
            "count": self.count,
            "refused": self.refused,
            "sources": [s.to_json() for s in self.sources],
        }


def parse_source_arg(arg: str) -> DncSource:
    """`NAME=FILE` or `FILE` (named after the file's stem)."""
    name, sep, path = arg.partition("=")
    if sep and name and not Path(arg).exists():
        return DncSource(name.strip(), Path(path))
    return DncSource(Path(arg).stem, Path(arg))


def _lines(handle: BinaryIO, block: int = 1 << 20) -> Iterator[bytes]:
    """The file's lines (without the `\\n`), read a block at a time; a line longer than
    MAX_LINE (a binary, a wrong export) is cut to MAX_LINE bytes and the rest dropped, so any
    file is read in constant memory and such a line is refused once."""
    carry = b""
    overlong = False
    while chunk := handle.read(block):
        lines = (carry + chunk).split(b"\n")
        carry = lines.pop()
        if overlong and lines:  # the first one ends a line already cut
            del lines[0]
            overlong = False
        yield from lines
        if len(carry) >= MAX_LINE:
            if not overlong:
                yield carry[:MAX_LINE]
            overlong, carry = True, b""
    if carry and not overlong:
        yield carry


def _read_source(
    index: int,
    source: DncSource,
    stats: SourceStats,
    on_refused: Callable[[RefusedLine], None],
) -> Iterator[int]:
    """The packed keys of one source, in file order."""
    try:
        handle = source.path.open("rb")
    except OSError as exc:
        raise DncCompileError(f"cannot read {source.path}: {exc.strerror}") from None
    lineno = numbers = 0
    with handle:
        for lineno, raw in enumerate(_lines(handle), start=1):
            text = raw.rstrip(b"\r")
            # the registry's own shape, inlined: most lines of a huge file take this path
            if len(text) == 10 and text.isdigit() and text[0] > 49 and text[3] > 49:
                numbers += 1
                yield (10_000_000_000 + int(text)) << SOURCE_BITS | index
                continue
            parsed = (LineRefused("longer than any phone number line")
                      if len(raw) >= MAX_LINE else parse_dnc_line(raw))
            if parsed is None:
                continue
            if isinstance(parsed, LineRefused):
                stats.refused += 1
                shown = text[:80].decode("utf-8", "replace")
                on_refused(RefusedLine(source.name, lineno, shown, parsed.reason))
                continue
            numbers += 1
            yield parsed << SOURCE_BITS | index
    stats.lines, stats.numbers = lineno, numbers


def _write_runs(
    packed: Iterator[int], work: Path, run_size: int
) -> list[Path]:
    runs: list[Path] = []
    buffer = array("q")
    for value in packed:
        buffer.append(value)
        if len(buffer) >= run_size:
            runs.append(_flush_run(buffer, work, len(runs)))
            buffer = array("q")
    if buffer:
        runs.append(_flush_run(buffer, work, len(runs)))
    return runs


def _flush_run(buffer: array[int], work: Path, n: int) -> Path:
    import numpy as np

    keys = np.frombuffer(buffer, dtype=np.int64)  # a view: sorted in place, not copied
    keys.sort()
    path = work / f"run-{n:05d}.i64"
    keys.astype("<i8", copy=False).tofile(path)
    return path


class _RunReader:
    """One sorted run, read a block at a time."""

    def __init__(self, path: Path, block: int) -> None:
        import numpy as np

        self._fh: BinaryIO = path.open("rb")
        self._block = block
        self.buffer: Int64Array = np.empty(0, dtype=np.int64)
        self.exhausted = False
        self.refill()

    def refill(self) -> None:
        import numpy as np

        if self.exhausted or len(self.buffer):
            return
        self.buffer = np.fromfile(self._fh, dtype="<i8", count=self._block).astype(
            np.int64, copy=False)
        if len(self.buffer) < self._block:
            self.exhausted = True
            self._fh.close()


def _merge(runs: Sequence[Path], block: int) -> Iterator[Int64Array]:
    """The runs' packed keys in order, a block at a time: everything up to the smallest
    last-loaded value of the runs still being read is safe to emit."""
    import numpy as np

    readers = [_RunReader(p, block) for p in runs]
    while True:
        live = [r for r in readers if len(r.buffer)]
        if not live:
            return
        pending = [int(r.buffer[-1]) for r in live if not r.exhausted]
        bound = min(pending) if pending else None
        parts: list[Int64Array] = []
        for reader in live:
            cut = len(reader.buffer) if bound is None else int(
                np.searchsorted(reader.buffer, bound, side="right")
            )
            parts.append(reader.buffer[:cut])
            reader.buffer = reader.buffer[cut:]
            reader.refill()
        merged = np.concatenate(parts)
        merged.sort()
        yield merged


def compile_dnc(
    sources: Sequence[DncSource],
    output: Path,
    *,
    on_refused: Callable[[RefusedLine], None] = lambda refused: None,
    run_size: int = DEFAULT_RUN_SIZE,
    block: int | None = None,
    work_dir: Path | None = None,
) -> CompileReport:
    """Compile `sources` into `output` (see fileformat.py) in bounded memory; returns counts."""
    import numpy as np

    if not sources:
        raise DncCompileError("no source to compile")
    if len(sources) > MAX_SOURCES:
        raise DncCompileError(f"at most {MAX_SOURCES} sources in one file")
    for source in sources:
        if not source.path.is_file():
            raise DncCompileError(f"{source.path}: no such file")
    stats = [SourceStats(s.name, str(s.path)) for s in sources]
    report = CompileReport(output, sources=stats)
    directory = work_dir or output.parent
    with tempfile.TemporaryDirectory(prefix=".dnc-compile-", dir=directory) as tmp:
        work = Path(tmp)

        def everything() -> Iterator[int]:
            for index, source in enumerate(sources):
                yield from _read_source(index, source, stats[index], on_refused)

        runs = _write_runs(everything(), work, max(1, run_size))
        numbers_path, sources_path = work / "numbers.i64", work / "sources.u16"
        fence: list[int] = []
        count = 0
        last = -1
        unique = np.zeros(len(sources), dtype=np.int64)
        with numbers_path.open("wb") as numbers_out, sources_path.open("wb") as sources_out:
            per_run = block or max(8192, MERGE_BUDGET // max(1, len(runs)))
            for packed in _merge(runs, max(1, per_run)):
                keys = packed >> SOURCE_BITS
                keep = np.empty(len(keys), dtype=bool)
                keep[0] = keys[0] != last
                np.not_equal(keys[1:], keys[:-1], out=keep[1:])
                keys = keys[keep]
                if not len(keys):
                    continue
                origin = (packed[keep] & _SOURCE_MASK).astype("<u2")
                first = -count % FENCE_STRIDE  # the first fence position in this block
                fence.extend(int(k) for k in keys[first::FENCE_STRIDE])
                unique += np.bincount(origin, minlength=len(sources))
                keys.astype("<i8", copy=False).tofile(numbers_out)
                origin.tofile(sources_out)
                count += len(keys)
                last = int(keys[-1])
        for stat, n in zip(stats, unique.tolist(), strict=True):
            stat.unique = int(n)
        report.count = count
        write_dnc_file(
            output,
            count=count,
            numbers_file=numbers_path,
            sources_file=sources_path,
            fence=fence,
            sources=stats,
        )
    return report
