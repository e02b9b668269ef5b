"""succeeded.csv of a job whose input is what it sent: `line, remote_id`, rendered as csv would."""

from __future__ import annotations

import csv
from pathlib import Path

from cxone_outbound.engine.records import Record, State
from cxone_outbound.engine.results import ResultFiles


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_succeeded_csv_without_rows_holds_line_and_remote_id(tmp_path: Path) -> None:
    files = ResultFiles(tmp_path, ["phone", "name"], succeeded_rows=False)
    records = [Record(str(n), n, {}, ["+1", "x"]) for n in (2, 3, 4)]
    remotes = ["job-1", "=cmd", 'a,"b"']
    files.write_settled(State.SUCCEEDED, list(zip(records, remotes, strict=True)))
    files.close()
    assert _rows(files.succeeded_path) == [
        ["line", "remote_id"], ["2", "job-1"], ["3", "'=cmd"], ["4", 'a,"b"'],
    ]


def test_succeeded_csv_with_rows_repeats_the_record(tmp_path: Path) -> None:
    files = ResultFiles(tmp_path, ["phone", "name"])
    record = Record("2", 2, {}, ["+1", "@x"])
    files.write_settled(State.SUCCEEDED, [(record, "c-9")])
    files.close()
    assert _rows(files.succeeded_path) == [
        ["line", "remote_id", "phone", "name"], ["2", "c-9", "'+1", "'@x"],
    ]
