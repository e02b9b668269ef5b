"""Result files: succeeded.csv of a job whose input is what it sent (`line, remote_id`), and
rows written by joining their cells, byte for byte what the CSV writer would write."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.engine.records import Record, State
from cxone_outbound.engine.results import ResultFiles, SafeCsvWriter, plain_block


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


def _as_the_writer_writes(tmp_path: Path, rows: list[list[str]]) -> str:
    path = tmp_path / "writer.csv"
    path.unlink(missing_ok=True)
    writer = SafeCsvWriter(path, None)
    writer.writerows(rows)
    writer.close()
    return path.read_bytes().decode("utf-8")


_CELLS = st.text(alphabet=st.sampled_from(list("ab1 ,\"'=+-@\t\r\n;é")), max_size=5)


@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=4), max_size=4))
def test_a_block_joined_is_what_the_writer_writes_or_refused(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
) -> None:
    block = plain_block(rows)
    if block is not None:
        assert block == _as_the_writer_writes(tmp_path_factory.mktemp("w"), rows)


def test_plain_rows_are_joined_and_one_risky_cell_sends_the_block_to_the_writer() -> None:
    plain = [["2", "c-1", "Ann", "gold", ""], ["3", "c-2", "Bob", "", ""]]
    assert plain_block(plain) == "2,c-1,Ann,gold,\r\n3,c-2,Bob,,\r\n"
    for cell in ("+15551234", "a,b", 'say "hi"', "two\nlines", "=1+1", "'quoted", "\tx"):
        assert plain_block([*plain, ["4", "c-3", cell, "x", "y"]]) is None


def test_unchanged_rows_read_back_as_written_with_guards(tmp_path: Path) -> None:
    files = ResultFiles(tmp_path, ["name", "phone"])
    plain = [(Record(str(n), n, {}, [f"n{n}", "555"]), f"c-{n}") for n in (2, 3)]
    risky = [(Record("4", 4, {}, ["=x", "+1 555"]), "c-4")]
    files.write_settled(State.UNCHANGED, plain)
    files.write_settled(State.UNCHANGED, risky)
    files.close()
    assert _rows(tmp_path / "unchanged.csv") == [
        ["line", "remote_id", "name", "phone"], ["2", "c-2", "n2", "555"],
        ["3", "c-3", "n3", "555"], ["4", "c-4", "'=x", "'+1 555"],
    ]


def test_a_cell_utf8_cannot_hold_is_written_replaced_not_raised(tmp_path: Path) -> None:
    writer = SafeCsvWriter(tmp_path / "failed.csv", ["line", "name"])
    writer.writerow([2, "caf\udce9"])  # a surrogate some source let through
    writer.close()
    assert (tmp_path / "failed.csv").read_text(encoding="utf-8").splitlines()[1] == "2,caf?"
