"""Records settled as read are journaled as spans of lines: every reader sees each of them as a
record of its own, an entry written later for one of them takes its place, and the spans
cost a few bytes per thousand records."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.journal_spans import spanned_lines
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, State

GAPS = {5, 6, 50, 51, 52, 999}  # lines sent (or blank): not settled as read


def _record(line: int, key: str | None = None) -> Record:
    return Record(str(line) if key is None else key, line, {}, ())


def _settled(n: int) -> list[tuple[Record, str | None]]:
    return [(_record(line), f"c{line}") for line in range(2, n + 2) if line not in GAPS]


def _spans(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as db:
        return [tuple(row) for row in db.execute("SELECT first, last FROM spans ORDER BY first")]


def test_consecutive_lines_make_one_span_and_other_keys_stay_apart() -> None:
    settled = [(_record(n), None) for n in (2, 3, 4, 7, 9, 10)]
    odd = (_record(11, key="row-11"), "c11")
    spans, others = spanned_lines([*settled, odd, (_record(12), None)])
    assert spans == [(2, 4), (7, 7), (9, 10), (12, 12)]
    assert others == [odd]


@given(st.lists(st.tuples(st.integers(1, 3), st.booleans()), max_size=60))
def test_spans_cover_exactly_the_lines_keyed_by_themselves(steps: list[tuple[int, bool]]) -> None:
    settled, line = [], 1
    for step, odd in steps:  # lines ascending with gaps; some keys are not their line
        line += step
        settled.append((_record(line, key=f"k{line}" if odd else None), None))
    spans, others = spanned_lines(settled)
    expanded = [n for first, last in spans for n in range(first, last + 1)]
    assert expanded == [r.line for r, _ in settled if r.key == str(r.line)]
    assert all(b[0] > a[1] + 1 for a, b in pairwise(spans))  # maximal runs
    assert others == [pair for pair in settled if pair[0].key != str(pair[0].line)]


def test_records_settled_as_read_read_back_as_records_of_their_own(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    settled = _settled(20_000)
    with Journal(path) as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        for start in range(0, len(settled), 2000):
            journal.record_outcomes("r", [], session=1, read=settled[start : start + 2000])
        assert journal.counts("r") == {"unchanged": len(settled)}
        found = journal.lookup("r", [_record(n) for n in (2, 5, 7, 20_001, 20_002)])
        assert sorted(found, key=int) == ["2", "7", "20001"]
        entry = found["7"]
        assert (entry.key, entry.line, entry.state, entry.attempts, entry.remote_id) == (
            "7", 7, State.UNCHANGED, 0, None)
        assert journal.states_by_line("r", [4, 5, 6, 7]) == {
            4: (State.UNCHANGED, 1), 7: (State.UNCHANGED, 1)}
        lines = [e.line for e in journal.entries("r", State.UNCHANGED)]
        assert lines == [record.line for record, _ in settled]
        assert journal.entries("r", State.FAILED) == []
    with sqlite3.connect(path) as db:  # the view shows a row a record, for people
        rows = db.execute("SELECT key, line, state, attempts FROM records ORDER BY line").fetchall()
    assert len(rows) == len(settled) and rows[0] == ("2", 2, "unchanged", 0)
    assert len(_spans(path)) <= 10 + len(GAPS) + 1  # a span a flush and a gap, not a row a record
    assert path.stat().st_size < 64 * 1024


def test_keys_that_are_not_lines_keep_a_row_and_their_remote_id(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        odd = _record(3, key="row-3")
        journal.record_outcomes("r", [], read=[(_record(2), "c2"), (odd, "c3")])
        entry = journal.lookup("r", [odd])["row-3"]
        assert (entry.line, entry.state, entry.remote_id) == (3, State.UNCHANGED, "c3")
        assert journal.counts("r") == {"unchanged": 2}


def test_an_entry_written_for_a_spanned_key_takes_its_place(tmp_path: Path) -> None:
    """A resumed run sends again a record an earlier session settled as read (`Resends`): its
    claim and outcome replace it in its span, and nothing is counted twice."""
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        journal.record_outcomes("r", [], read=[(_record(n), None) for n in range(2, 12)])
    with Journal(path) as journal:  # a later session: another process
        sent = [Item(_record(n), None) for n in (2, 6, 7, 11)]
        batch = Batch("b1", sent)
        journal.claim("r", [batch])
        assert journal.counts("r") == {"unchanged": 6, "in-flight": 4}
        assert _spans(path) == [(3, 5), (8, 10)]
        assert journal.lookup("r", [_record(6)])["6"].state is State.IN_FLIGHT
        journal.record_outcomes(
            "r", [(item.record, Outcome.succeeded(item.key, remote_id="c")) for item in sent],
            session=2)
        assert journal.counts("r") == {"unchanged": 6, "succeeded": 4}
        failed = Outcome.failed("4", "BAD", "no", retryable=False)
        journal.record_outcomes("r", [(_record(4), failed)], session=2)  # never claimed
        assert journal.counts("r") == {"unchanged": 5, "succeeded": 4, "failed": 1}
        assert _spans(path) == [(3, 3), (5, 5), (8, 10)]
        assert journal.states_by_line("r", [4, 5]) == {
            4: (State.FAILED, 2), 5: (State.UNCHANGED, 1)}


def test_a_journal_with_the_view_of_an_older_version_shows_the_spans(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
    with sqlite3.connect(path) as db:  # the view as versions before spans made it
        db.execute("DROP VIEW records")
        db.execute("CREATE VIEW records AS SELECT CAST(e.key AS TEXT) AS key FROM entries e")
    with Journal(path) as journal:
        journal.record_outcomes("r", [], read=[(_record(n), None) for n in (2, 3)])
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT key, state FROM records ORDER BY key").fetchall() == [
            ("2", "unchanged"), ("3", "unchanged")]
