"""The journal keeps per record only what resume needs, compactly, and reads older journals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, State

_FIRST_SCHEMA = (
    "CREATE TABLE runs (id TEXT PRIMARY KEY, job TEXT NOT NULL, input_hash TEXT NOT NULL,"
    " input_path TEXT NOT NULL, options TEXT NOT NULL, started_at REAL NOT NULL,"
    " ended_at REAL, status TEXT NOT NULL, counts TEXT NOT NULL DEFAULT '{}',"
    " sessions INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE records (run_id TEXT NOT NULL, key TEXT NOT NULL, line INTEGER NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT,"
    " message TEXT, field TEXT, retryable INTEGER NOT NULL DEFAULT 0, batch_id TEXT,"
    " remote_id TEXT, session INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (run_id, key))"
    " WITHOUT ROWID;"
)


def _records(n: int) -> list[Record]:
    return [Record(str(line), line, {}, ()) for line in range(2, n + 2)]


def test_a_record_claimed_and_succeeded_takes_a_few_dozen_bytes(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        journal.create_run("r", "import", "h", "in.csv", {}, 0.0)
        records = _records(20_000)
        for start in range(0, len(records), 5000):
            batch = Batch(f"imp-{start}", [Item(r, None) for r in records[start : start + 5000]])
            journal.claim("r", [batch])
            journal.set_remote_id("r", batch, "0b7e6a2c-5d51-4c59-9c4e-7d2f1b8e9a10")
            journal.record_outcomes("r", [], succeeded=[i.record for i in batch.items])
        assert journal.counts("r") == {"succeeded": 20_000}
    assert path.stat().st_size / 20_000 < 40  # the first schema took about 280


def test_unchanged_records_are_journaled_compactly_with_their_remote_ids(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        records = _records(20_000)
        for start in range(0, len(records), 5000):
            part = records[start : start + 5000]
            journal.record_outcomes(
                "r", [], unchanged=[(r, r.key) for r in part]
            )
        assert journal.counts("r") == {"unchanged": 20_000}
        entry = journal.lookup("r", records[:1])["2"]
        assert (entry.state, entry.remote_id, entry.line, entry.attempts) == (
            State.UNCHANGED, "2", 2, 0)
    assert path.stat().st_size / 20_000 < 40


def test_outcomes_keep_the_batch_remote_id_and_their_own(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        a, b, c = _records(3)
        batch = Batch("b1", [Item(r, None) for r in (a, b, c)], remote_id="job-1")
        journal.claim("r", [batch])
        journal.record_outcomes(
            "r",
            [(b, Outcome.succeeded("3", remote_id="contact-9")),
             (c, Outcome.failed("4", "REFUSED", "no", remote_id="job-1", attempts=2))],
            succeeded=[a],
        )
        entries = {e.key: e for e in journal.entries("r")}
    assert [(e.state, e.remote_id, e.attempts) for e in entries.values()] == [
        (State.SUCCEEDED, "job-1", 1), (State.SUCCEEDED, "contact-9", 1),
        (State.FAILED, "job-1", 2),
    ]
    assert entries["4"].batch_id == "b1" and entries["4"].error_code == "REFUSED"


def test_outcomes_with_and_without_an_error_are_journaled_in_their_order(
    tmp_path: Path,
) -> None:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "update", "h", "in.csv", {}, 0.0)
        a, b = _records(2)
        unclaimed = Record("c-7", 9, {}, ())  # its key is not its line: both are kept
        journal.claim("r", [Batch("b1", [Item(a, None)]), Batch("b2", [Item(b, None)])])
        journal.record_outcomes("r", [
            (a, Outcome.failed("2", "BUSY", "later", retryable=True)),
            (a, Outcome.succeeded("2", remote_id="contact-2")),  # the later one holds
            (b, Outcome.succeeded("3", remote_id="contact-3")),
            (b, Outcome.failed("3", "REFUSED", "no", field="email")),
            (unclaimed, Outcome.skipped("c-7", "screened out")),
        ])
        entries = {e.key: e for e in journal.entries("r")}
    assert (entries["2"].state, entries["2"].remote_id, entries["2"].error_code,
            entries["2"].retryable) == (State.SUCCEEDED, "contact-2", None, False)
    assert (entries["3"].state, entries["3"].remote_id, entries["3"].field) == (
        State.FAILED, "contact-3", "email")
    assert (entries["c-7"].state, entries["c-7"].line) == (State.SKIPPED, 9)


def test_keys_that_are_not_line_numbers_are_kept_as_they_are(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "update", "h", "in", {}, 0.0)
        records = [Record("c-1", 2, {}, ()), Record("007", 3, {}, ()), Record("9", 4, {}, ())]
        journal.claim("r", [Batch("b", [Item(r, None) for r in records])])
        found = journal.lookup("r", records)
        by_line = journal.states_by_line("r", [2, 3, 4])
    assert sorted(found) == ["007", "9", "c-1"]
    assert {line: state for line, (state, _) in by_line.items()} == {
        2: State.IN_FLIGHT, 3: State.IN_FLIGHT, 4: State.IN_FLIGHT,
    }


def test_a_journal_of_the_first_schema_is_moved_and_still_resumes(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(_FIRST_SCHEMA)
        db.execute("INSERT INTO runs VALUES ('r', 'import', 'h', 'in', '{}', 0, NULL,"
                   " 'interrupted', '{}', 1)")
        db.executemany(
            "INSERT INTO records (run_id, key, line, state, attempts, batch_id, remote_id)"
            " VALUES ('r', ?, ?, ?, 1, ?, ?)",
            [("2", 2, "succeeded", "b0", "job-0"), ("3", 3, "in-flight", "b1", "job-1"),
             ("4", 4, "in-flight", "b1", "job-1")],
        )
    db.close()
    with Journal(path) as journal:
        assert journal.counts("r") == {"succeeded": 1, "in-flight": 2}
        assert journal.in_flight_batches("r") == {"b1": ("job-1", ["3", "4"])}
    with sqlite3.connect(path) as db:  # the old table's shape, as a view
        rows = db.execute("SELECT key, state, batch_id, remote_id FROM records ORDER BY line")
        assert rows.fetchall()[0] == ("2", "succeeded", "b0", "job-0")
    db.close()


def test_unchanged_records_whose_keys_are_not_their_lines_keep_their_keys(
    tmp_path: Path,
) -> None:
    with Journal(tmp_path / "journal.sqlite3") as journal:
        journal.create_run("r", "update", "h", "in", {}, 0.0)
        records = [Record("2", 2, {}, ()), Record("c-1", 3, {}, ()), Record("007", 4, {}, ()),
                   Record("9", 5, {}, ())]
        journal.record_outcomes("r", [], unchanged=[(r, f"id{r.line}") for r in records])
        found = journal.lookup("r", records)
    assert {key: (e.state, e.line, e.remote_id) for key, e in found.items()} == {
        "2": (State.UNCHANGED, 2, "id2"), "c-1": (State.UNCHANGED, 3, "id3"),
        "007": (State.UNCHANGED, 4, "id4"), "9": (State.UNCHANGED, 5, "id5"),
    }
