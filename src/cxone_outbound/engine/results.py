"""The per-run result files: succeeded.csv and failed.csv, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from cxone_outbound.engine.records import Outcome, Record, State

FAILED_COLUMNS = ("line", "error_code", "error_message", "error_field", "attempts")
SUCCEEDED_COLUMNS = ("line", "remote_id")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula (CSV injection): prefix a quote."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class ResultFiles:
    """Appends succeeded and failed records to the run folder's CSV files.

    The result columns come first so that ragged source rows still line up; the original cells
    follow under the source header. Files are appended to, so a resumed run adds to them.
    """

    def __init__(self, run_dir: Path, source_header: Sequence[str]) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.succeeded_path = run_dir / "succeeded.csv"
        self.failed_path = run_dir / "failed.csv"
        self._header = list(source_header)
        self._succeeded, self._ok_writer = self._open(self.succeeded_path, SUCCEEDED_COLUMNS)
        self._failed, self._failed_writer = self._open(self.failed_path, FAILED_COLUMNS)

    def _open(self, path: Path, columns: Sequence[str]) -> tuple[TextIO, Any]:
        fresh = not path.exists() or path.stat().st_size == 0
        fh = path.open("a", encoding="utf-8", newline="")
        writer = csv.writer(fh)
        if fresh:
            writer.writerow([*columns, *(neutralise_cell(h) for h in self._header)])
        return fh, writer

    def write(self, record: Record, outcome: Outcome, attempts: int) -> None:
        cells = [neutralise_cell(cell) for cell in record.raw]
        if outcome.state is State.SUCCEEDED:
            self._ok_writer.writerow([record.line, outcome.remote_id or "", *cells])
            return
        if outcome.state is not State.FAILED or outcome.error is None:
            return  # skipped records are in the journal and the audit, not in a result file
        error = outcome.error
        self._failed_writer.writerow(
            [
                record.line,
                error.code,
                neutralise_cell(error.message),
                error.field or "",
                attempts,
                *cells,
            ]
        )

    def flush(self) -> None:
        self._succeeded.flush()
        self._failed.flush()

    def close(self) -> None:
        self._succeeded.close()
        self._failed.close()
