"""Runs of records settled as they were read, journaled as spans of lines, not a row each.

A nightly change-only sync settles ~98 % of a million rows `unchanged` before any request
(`Job.settle_read`); a journal row each cost about a tenth of such a run (a B-tree insert a
record). A span `(run, first, last, state, session)` stands for every record keyed by a line
number from `first` to `last`: each with that state, no attempt, no error, no batch and no
remote id of its own (the contact id stays in unchanged.csv). Only records whose key is their
line number go in a span, and only records the journal had no entry for.

The one invariant: a key is in an entry or in a span, never both. An entry written for a key a
span holds (a record of a resumed run sent again, `runner.resends`) first cuts the key out of
its span (`unspan`), so every reader takes the entry when there is one, else the span.
"""

from __future__ import annotations

import bisect
import operator
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import compress, pairwise, repeat

from cxone_outbound.engine.records import Record

_first = operator.itemgetter(0)
_key, _line = operator.attrgetter("key"), operator.attrgetter("line")
SPANS_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    run INTEGER NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    state INTEGER NOT NULL,
    session INTEGER NOT NULL,
    PRIMARY KEY (run, first)
) WITHOUT ROWID;
"""
SPAN_ROWS = (  # the records of spans, one row each, in the order of their spans
    "WITH RECURSIVE spanned(run, n, last, state, session) AS ("
    " SELECT run, first, last, state, session FROM spans{where}"
    " UNION ALL SELECT run, n + 1, last, state, session FROM spanned WHERE n < last)"
    " SELECT run, n, state, session FROM spanned"
)


def spanned_lines(
    settled: Sequence[tuple[Record, str | None]],
) -> tuple[list[tuple[int, int]], list[tuple[Record, str | None]]]:
    """Of records settled as read (each with its remote id): those keyed by their line, as
    (first, last) runs of consecutive lines, in the order given; and the others (to be
    journaled a row each)."""
    records = list(map(_first, settled))
    lines = list(map(_line, records))
    if not lines or min(lines) <= 0 or list(map(_key, records)) != list(map(str, lines)):
        # not every key is its line (none so far): one by one
        keyed = [pair[0].line > 0 and pair[0].key == str(pair[0].line) for pair in settled]
        others = list(compress(settled, map(operator.not_, keyed)))
        return _runs([line for line, ok in zip(lines, keyed, strict=True) if ok]), others
    return _runs(lines), []


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers (a C loop, no Python step a line)."""
    if not lines:
        return []
    after = map(operator.ne, lines[1:], map(operator.add, lines, repeat(1)))
    starts = [0, *compress(range(1, len(lines)), after), len(lines)]
    return [(lines[a], lines[b - 1]) for a, b in pairwise(starts)]


def write_spans(
    db: sqlite3.Connection, seq: int, state: int, session: int, spans: Iterable[tuple[int, int]]
) -> None:
    """Journal spans of a run, inside the caller's transaction."""
    db.executemany(
        "INSERT INTO spans (run, first, last, state, session) VALUES (?, ?, ?, ?, ?)",
        [(seq, first, last, state, session) for first, last in spans],
    )


def _holding(
    db: sqlite3.Connection, seq: int, keys: Iterable[int | str]
) -> list[tuple[int, tuple[int, int, int, int]]]:
    """(key, its span as (first, last, state, session)) of each key a span of the run holds:
    the spans from the one that may hold the smallest key to the largest key, in one range
    read (a flush's or a claim's keys lie close together), searched here."""
    numbers = sorted({key for key in keys if isinstance(key, int)})
    if not numbers:
        return []
    low, high = numbers[0], numbers[-1]
    rows = db.execute(
        "SELECT first, last, state, session FROM spans WHERE run = ?1 AND first <= ?3"
        " AND first >= coalesce((SELECT max(first) FROM spans WHERE run = ?1"
        " AND first <= ?2), ?2) ORDER BY first",
        (seq, low, high),
    ).fetchall()
    if not rows:
        return []
    spans = [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows]
    firsts = [span[0] for span in spans]
    found = []
    for key in numbers:
        at = bisect.bisect_right(firsts, key) - 1
        if at >= 0 and spans[at][1] >= key:
            found.append((key, spans[at]))
    return found


def holding(
    db: sqlite3.Connection, seq: int, keys: Iterable[int | str]
) -> dict[int, tuple[int, int]]:
    """Key -> (state code, session) of the keys among `keys` that a span of the run holds."""
    return {key: (span[2], span[3]) for key, span in _holding(db, seq, keys)}


def unspan(db: sqlite3.Connection, seq: int, keys: Iterable[int | str]) -> None:
    """Cut these keys out of the run's spans (an entry is about to be written for each),
    inside the caller's transaction: a span holding some is replaced by what is left of it."""
    cut: dict[tuple[int, int, int, int], list[int]] = {}
    for key, span in _holding(db, seq, keys):
        cut.setdefault(span, []).append(key)
    for (first, last, state, session), taken in cut.items():
        db.execute("DELETE FROM spans WHERE run = ? AND first = ?", (seq, first))
        pieces, start = [], first
        for key in sorted(taken):
            if key > start:
                pieces.append((start, key - 1))
            start = key + 1
        if start <= last:
            pieces.append((start, last))
        write_spans(db, seq, state, session, pieces)


def span_counts(db: sqlite3.Connection, seq: int) -> dict[int, int]:
    """State code -> how many records the run's spans hold."""
    rows = db.execute(
        "SELECT state, sum(last - first + 1) FROM spans WHERE run = ? GROUP BY state", (seq,)
    )
    return {state: int(n) for state, n in rows}


def spanned_records(
    db: sqlite3.Connection, seq: int, state: int | None = None
) -> list[tuple[int, int]]:
    """(line, state code) of each record of the run's spans (of one state, if given)."""
    if state is None:
        rows = db.execute(SPAN_ROWS.format(where=" WHERE run = ?"), (seq,))
    else:
        rows = db.execute(SPAN_ROWS.format(where=" WHERE run = ? AND state = ?"), (seq, state))
    return [(n, code) for _, n, code, _ in rows]


def has_spans(db: sqlite3.Connection, seq: int) -> bool:
    return db.execute("SELECT 1 FROM spans WHERE run = ? LIMIT 1", (seq,)).fetchone() is not None
