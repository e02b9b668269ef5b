"""The per-run result files: succeeded.csv, failed.csv (and unchanged.csv once a record ends
so), safe to open in a spreadsheet.

A run's first session writes them directly. A resumed session writes its rows to a hidden
segment file per session, and `merge_sessions` then rewrites each file from the journal's
truth, streaming: a record is listed once, in the file of its final state, with the row of the
session that decided it. A session killed before merging leaves its segment behind; the next
merge takes it in.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

from cxone_outbound.engine.records import Outcome, Record, State
from cxone_outbound.private_files import open_private, private_dir

FAILED_COLUMNS = ("line", "error_code", "error_message", "error_field", "attempts")
SUCCEEDED_COLUMNS = ("line", "remote_id")
UNCHANGED_COLUMNS = ("line", "remote_id")
RESULT_COLUMNS = {
    State.SUCCEEDED: SUCCEEDED_COLUMNS,
    State.FAILED: FAILED_COLUMNS,
    State.UNCHANGED: UNCHANGED_COLUMNS,
}
"""The result file of each state that has one (skipped records are in the journal and the
audit only): its columns, before the source's own. A new one is one line here."""
RESULT_FILES = {state: f"{state}.csv" for state in RESULT_COLUMNS}
ALWAYS_WRITTEN = frozenset({State.SUCCEEDED, State.FAILED})  # the others once a record needs it
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED_STARTS = frozenset({*_FORMULA_STARTS, "'"})  # the first characters that may need one
_SEGMENT = re.compile(
    r"^\.(" + "|".join(str(s) for s in RESULT_COLUMNS) + r")\.session-(\d+)\.csv$"
)
_MERGE_WINDOW = 1000

LineStates = Callable[[Sequence[int]], Mapping[int, tuple[State, int]]]
"""Line -> (journaled state, session of its last outcome), for the lines asked about."""


def _needs_guard(value: str) -> bool:
    """A spreadsheet would run it as a formula, or, once guarded, it would read back changed.

    Quotes already in front of a formula are guarded too (`'=x` is written `''=x`), so that
    `unguard_cell` can undo exactly what `neutralise_cell` did, for every string.
    """
    head = value[:1]
    if head != "'":
        return head != "" and head in _FORMULA_STARTS
    return value.lstrip("'").startswith(_FORMULA_STARTS)


def neutralise_cell(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula (CSV injection): prefix a quote."""
    return "'" + value if _needs_guard(value) else value


# every character a cell may not start with, as `=`, and a line's end as a comma: then one
# search finds a cell starting with any of them (~0.4 µs a row; a regex or a search for each
# cost 1.2-3). A CR is not mapped: the count of CRs already refuses one in a cell.
_GUARDS_TO_EQUALS = bytes.maketrans(b"+-@\t'\n", b"=====,")


def plain_block(rows: Sequence[Sequence[str]]) -> str | None:
    """The rows as the CSV writer would write them, guards included, made by joining them;
    None when a cell needs quoting or a guard (the writer then writes them, cell by cell).

    A change-only sync writes ~200k unchanged rows a night: the writer and the per-cell guard
    check cost ~4-5 µs a row, this ~1. The whole block is checked at once: as many commas
    and line ends as the joins made (no cell holds one), no quote, and no cell starting with
    a character that may need a guard (`tests/engine/test_result_files.py` holds it equal to
    the writer's output)."""
    if not rows:
        return ""
    block = "\r\n".join([",".join(row) for row in rows])
    ends = len(rows) - 1
    if (
        min(map(len, rows)) < 2  # the writer quotes a row of one empty cell
        or block.count(",") != sum(map(len, rows)) - len(rows)
        or block.count("\n") != ends
        or block.count("\r") != ends
        or '"' in block
        or block[:1] in _GUARDED_STARTS
        or b",=" in f",{block}".encode().translate(_GUARDS_TO_EQUALS)  # a cell starting so
    ):
        return None
    return block + "\r\n"


def unguard_cell(value: str) -> str:
    """The cell `neutralise_cell` was given: its one guard quote removed, if it carries one.

    A leading `'` is a guard only where `neutralise_cell` would have put one (before `= + - @`,
    tab or CR, or before more quotes and then one of those); elsewhere it is data and stays.
    """
    if value[:1] == "'" and _needs_guard(value[1:]):
        return value[1:]
    return value


def segment_path(run_dir: Path, state: State, session: int) -> Path:
    """Where session `session` (> 1) of a run writes its rows for `state`."""
    return run_dir / f".{state}.session-{session}.csv"


class SafeCsvWriter:
    """A CSV file whose every cell is neutralised against formula injection; header when new.

    Appends to an existing file (a resumed run) without writing its header again.
    """

    def __init__(self, path: Path, header: Sequence[str] | None) -> None:
        private_dir(path.parent)
        fresh = not path.exists() or path.stat().st_size == 0
        self.path = path
        # a cell that is not text UTF-8 can hold (a source's stray surrogate) is written with
        # "?" rather than stopping the run with its outcomes uncommitted
        self._fh: IO[str] = open_private(path, "a", encoding="utf-8", errors="replace",
                                         newline="")
        self._writer = csv.writer(self._fh)
        if fresh and header is not None:
            self.writerow(header)

    def writerow(self, cells: Iterable[Any]) -> None:
        # a cell whose first character cannot start a formula or a guard is written as it is
        self._writer.writerow([neutralise_cell(c) if isinstance(c, str) and c[:1] in _GUARDED_STARTS
                               else c for c in cells])

    def render_cell(self, value: str) -> str:
        """A cell as this writer writes it (guarded, quoted when it must be)."""
        buffer = io.StringIO()
        csv.writer(buffer).writerow([neutralise_cell(value)])
        return buffer.getvalue().removesuffix("\r\n")

    def write_rendered(self, lines: Sequence[str]) -> None:
        """Rows already rendered by `render_cell`, each without its line end."""
        self._fh.write("\r\n".join(lines) + "\r\n")

    def write_text_rows(self, rows: Sequence[Sequence[str]]) -> None:
        """Rows of text cells: joined when none needs quoting or a guard, else as `writerows`."""
        block = plain_block(rows)
        if block is None:
            self.writerows(rows)
        else:
            self._fh.write(block)

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows at once; a cell is only rewritten when it needs its guard."""
        guard, starts = neutralise_cell, _GUARDED_STARTS
        self._writer.writerows(
            [guard(c) if isinstance(c, str) and c[:1] in starts else c for c in row]
            for row in rows
        )

    def flush(self) -> None:
        self._fh.flush()

    def sync(self) -> None:
        """Flush, then have the disk hold it (before something that cannot be undone)."""
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


class ResultFiles:
    """Writes finished records to the run folder's CSV files, one file per state.

    The result columns come first so that ragged source rows still line up; the original cells
    follow under the source header. Session 1 writes the files themselves; a later session
    writes segments that `merge_sessions` folds in. succeeded.csv and failed.csv always exist;
    another state's file is made when its first record is written.
    """

    def __init__(
        self,
        run_dir: Path,
        source_header: Sequence[str],
        session: int = 1,
        *,
        succeeded_rows: bool = True,
    ) -> None:
        self._run_dir = run_dir
        self._header = list(source_header)
        self._session = session
        self.succeeded_path = run_dir / RESULT_FILES[State.SUCCEEDED]
        self.failed_path = run_dir / RESULT_FILES[State.FAILED]
        self._rows = succeeded_rows
        self._remote_cells: dict[str, str] = {}  # a remote id as rendered, by remote id
        self._writers: dict[State, SafeCsvWriter] = {}
        for state in RESULT_COLUMNS:
            if state in ALWAYS_WRITTEN:
                self._writer(state)

    def _writer(self, state: State) -> SafeCsvWriter:
        writer = self._writers.get(state)
        if writer is None:
            rows = self._rows or state is not State.SUCCEEDED
            header = [*RESULT_COLUMNS[state], *(self._header if rows else ())]
            writer = self._writers[state] = self._open(self._run_dir, state, self._session, header)
        return writer

    @staticmethod
    def _open(run_dir: Path, state: State, session: int, header: list[str]) -> SafeCsvWriter:
        if session <= 1:
            return SafeCsvWriter(run_dir / RESULT_FILES[state], header)
        SafeCsvWriter(run_dir / RESULT_FILES[state], header).close()  # the file exists, headed
        return SafeCsvWriter(segment_path(run_dir, state, session), None)

    def write_settled(self, state: State, done: Sequence[tuple[Record, str | None]]) -> None:
        """Write a flush's records of a state without an error (succeeded, unchanged), each
        with its remote id, at once; succeeded ones without their rows (`succeeded_rows` off)
        as rendered text."""
        if not done:
            return
        writer = self._writer(state)
        if self._rows or state is not State.SUCCEEDED:
            writer.write_text_rows(
                [[str(record.line), remote or "", *record.raw] for record, remote in done]
            )
            return
        cells = self._remote_cells
        parts: list[str] = []
        for record, remote_id in done:
            remote = remote_id or ""
            cell = cells.get(remote)
            if cell is None:
                if len(cells) > 1000:  # remote ids per record (contact ids): not worth keeping
                    cells.clear()
                cell = cells[remote] = writer.render_cell(remote)
            parts.append(f"{record.line},{cell}")
        writer.write_rendered(parts)

    def write(self, record: Record, outcome: Outcome, attempts: int) -> None:
        state = outcome.state
        if state is State.FAILED:
            error = outcome.error
            if error is None:
                return
            cells = [error.code, error.message, error.field or "", attempts]
        elif state in RESULT_COLUMNS:
            if state is State.SUCCEEDED and not self._rows:
                self._writer(state).writerow([record.line, outcome.remote_id or ""])
                return
            cells = [outcome.remote_id or ""]
        else:
            return  # skipped records are in the journal and the audit, not in a result file
        self._writer(state).writerow([record.line, *cells, *record.raw])

    def flush(self) -> None:
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _segments(run_dir: Path, state: State) -> list[tuple[int, Path]]:
    found = []
    for path in run_dir.iterdir():
        match = _SEGMENT.match(path.name)
        if match and match.group(1) == str(state):
            found.append((int(match.group(2)), path))
    return sorted(found)


def _kept(
    rows: Iterator[list[str]], state: State, states: LineStates, keep: Callable[[int], bool]
) -> Iterator[list[str]]:
    """The rows whose line's journaled state is `state` and whose session `keep` accepts."""
    while window := list(itertools.islice(rows, _MERGE_WINDOW)):
        lines = [int(row[0]) for row in window if row and row[0].isdigit()]
        journaled = states(lines)
        for row in window:
            if not (row and row[0].isdigit()):
                continue  # not a result row (a torn last line of a killed session)
            entry = journaled.get(int(row[0]))
            if entry is not None and entry[0] is state and keep(entry[1]):
                yield row


def merge_sessions(run_dir: Path, states: LineStates) -> bool:
    """Fold the segments of resumed sessions into the result files (`RESULT_FILES`).

    A row of the main file stays when its record's journaled state is still that file's and
    no segment's session has decided it since; a segment's row is taken when its session is
    the one that last decided the record. Streaming, in constant memory; the new file replaces
    the old atomically, then the segments are removed (a crash in between is harmless: the next
    merge takes the rows from the segments again and drops them from the main file). Returns
    whether there was anything to merge.
    """
    merged = False
    for state, name in RESULT_FILES.items():
        segments = _segments(run_dir, state)
        if not segments:
            continue
        merged = True
        first = segments[0][0]
        path = run_dir / name
        scratch = path.with_name(f".{name}.merging")
        with (
            path.open(newline="", encoding="utf-8") as old,
            open_private(scratch, "w", newline="", encoding="utf-8") as new,
        ):
            reader = csv.reader(old)
            writer = csv.writer(new)
            writer.writerow(next(reader, []))
            writer.writerows(_kept(reader, state, states, partial(operator.gt, first)))
            for number, segment in segments:
                with segment.open(newline="", encoding="utf-8") as part:
                    rows = csv.reader(part)
                    writer.writerows(_kept(rows, state, states, partial(operator.eq, number)))
            new.flush()
            os.fsync(new.fileno())
        os.replace(scratch, path)
        for _, segment in segments:
            segment.unlink()
    return merged
