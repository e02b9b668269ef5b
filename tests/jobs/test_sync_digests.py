"""The scope's row digests held in memory for a nightly sync: the same answers as the file's,
a contact this run wrote looked up in the file again, another process's write seen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxone_outbound.jobs.sync import snapshot as snapshot_module
from cxone_outbound.jobs.sync.digests import DigestIndex
from cxone_outbound.jobs.sync.snapshot import Snapshot, snapshot_path

WRITES = {"tier": "gold"}


def _digest(n: int) -> bytes:
    return n.to_bytes(4, "big") + b"\x07" * 11 + b"\x00"  # a trailing NUL, as 1 in 256 has


def test_the_index_holds_each_digest_and_nothing_else() -> None:
    index = DigestIndex.read([[_digest(n) for n in range(500)],
                              [_digest(n) for n in range(500, 1000)]])
    assert len(index) == 1000
    assert index.holding([_digest(5), _digest(1000), _digest(999)]) == [True, False, True]
    assert index.holding([b"\x00" * 4 + b"\x07" * 11 + b"\x01"]) == [False]  # first word held
    assert index.holding([]) == []
    assert DigestIndex.read([]).holding([_digest(1)]) == [False]


def held(snapshot: Snapshot, ids: list[str], digest_of: dict[str, bytes]) -> set[str]:
    """The contacts whose row of digest `digest_of[id]` is their verified row."""
    rows = [(cid, digest_of.get(cid, b"\x01" * 16)) for cid in ids]
    answers = snapshot.verified_rows(ids).holding(rows)
    return {cid for (cid, _), holds in zip(rows, answers, strict=True) if holds}


DIGESTS = {f"c{n}": _digest(n) for n in range(60)}


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Snapshot:
    monkeypatch.setattr(snapshot_module, "INDEX_AFTER", 10)
    opened = Snapshot(snapshot_path(tmp_path, ["http://127.0.0.1:1", "d", "", "v2"], "L1"), "s")
    opened.record([(f"c{n}", WRITES) for n in range(50)], {f"c{n}": _digest(n) for n in range(50)})
    return opened


def test_once_a_run_has_looked_up_enough_the_answers_come_from_memory_unchanged(
    snapshot: Snapshot,
) -> None:
    ids = [f"c{n}" for n in range(60)]
    first = held(snapshot, ids[:20], DIGESTS)  # 20 looked up: the index is read for what follows
    assert snapshot._index is not None
    assert first == set(ids[:20])
    assert held(snapshot, ids, DIGESTS) == set(ids[:50])


def test_a_contact_this_run_wrote_is_answered_by_the_file(snapshot: Snapshot) -> None:
    held(snapshot, [f"c{n}" for n in range(20)], DIGESTS)
    snapshot.forget(["c3", "c4"])  # about to be sent
    snapshot.record([("c3", WRITES)], {"c3": _digest(333)})  # c3 verified, c4 not answered
    ids = ["c2", "c3", "c4"]
    assert held(snapshot, ids, DIGESTS) == {"c2"}  # the index still holds c3's, c4's old rows
    assert held(snapshot, ids, {**DIGESTS, "c3": _digest(333)}) == {"c2", "c3"}


def test_another_process_writing_the_file_sends_the_run_back_to_it(snapshot: Snapshot) -> None:
    held(snapshot, [f"c{n}" for n in range(20)], DIGESTS)
    with sqlite3.connect(snapshot.path) as other:
        other.execute("DELETE FROM verified WHERE id = 'c7'")
    assert held(snapshot, ["c6", "c7"], DIGESTS) == {"c6"}
    assert snapshot._index is None


def test_a_short_run_against_a_long_scope_keeps_to_the_file(snapshot: Snapshot) -> None:
    more = range(500)
    snapshot.record([(f"x{n}", WRITES) for n in more], {f"x{n}": _digest(n) for n in more})
    assert held(snapshot, [f"c{n}" for n in range(20)], DIGESTS) == {f"c{n}" for n in range(20)}
    assert snapshot._index is None  # 20 of 550: not worth reading the scope


def test_a_row_of_a_contact_dropped_in_the_window_never_holds(snapshot: Snapshot) -> None:
    verified = snapshot.verified_rows(["c1", "c2"])
    verified.drop("c1")  # an earlier row of c1 is on its way
    assert verified.holding([("c1", _digest(1)), ("c2", _digest(2))]) == [False, True]


def _reopened(snapshot: Snapshot) -> Snapshot:
    snapshot.close()
    return Snapshot(snapshot.path, snapshot.scope)


def _scanned(snapshot: Snapshot) -> list[bytes]:
    with sqlite3.connect(snapshot.path) as db:
        return sorted(bytes(raw) for (raw,) in db.execute(
            "SELECT raw FROM verified WHERE scope = ? AND raw IS NOT NULL", (snapshot.scope,)))


def _held(index: DigestIndex) -> list[bytes]:
    digests = index.sorted_digests()
    return sorted(digests[at : at + 16] for at in range(0, len(digests), 16))


def test_the_next_run_takes_the_digests_the_last_one_kept_at_once(snapshot: Snapshot) -> None:
    held(snapshot, [f"c{n}" for n in range(20)], DIGESTS)  # the index read: kept at close
    snapshot.forget(["c3", "c4"])
    snapshot.record([("c3", WRITES)], {"c3": _digest(333)})
    again = _reopened(snapshot)
    assert held(again, ["c2"], DIGESTS) == {"c2"}  # one contact looked up: taken at once
    assert again._index is not None
    assert _held(again._index) == _scanned(again)  # c3's new row, c4's old one gone
    assert held(again, ["c2", "c3", "c4"], {**DIGESTS, "c3": _digest(333)}) == {"c2", "c3"}
    again.close()


@pytest.mark.parametrize("write", [
    "DELETE FROM verified WHERE id = 'c7'",
    "UPDATE verified SET raw = x'00' WHERE id = 'c7'",
    "INSERT INTO verified (scope, id, doc, raw) VALUES ('s', 'c99', x'7b7d', x'00')",
])
def test_digests_kept_are_not_taken_once_anything_wrote_the_file_since(
    snapshot: Snapshot, write: str
) -> None:
    """Any writer (another version of this tool, a person with sqlite3) moves the generation
    on, by trigger: the kept set is then stale, and the next run reads the file."""
    held(snapshot, [f"c{n}" for n in range(20)], DIGESTS)
    snapshot.close()
    with sqlite3.connect(snapshot.path) as other:
        other.execute(write)
    again = Snapshot(snapshot.path, snapshot.scope)
    assert held(again, ["c2"], DIGESTS) == {"c2"}
    assert again._index is None  # one contact looked up: the file, not the kept set
    again.close()


def test_digests_are_not_kept_when_another_process_wrote_during_the_run(
    snapshot: Snapshot,
) -> None:
    held(snapshot, [f"c{n}" for n in range(20)], DIGESTS)
    with sqlite3.connect(snapshot.path) as other:
        other.execute("DELETE FROM verified WHERE id = 'c7'")
    again = _reopened(snapshot)
    with sqlite3.connect(snapshot.path) as db:
        assert db.execute("SELECT count(*) FROM digest_sets").fetchone() == (0,)
    again.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(0, 70), max_size=6),
                          st.integers(0, 3)), max_size=12))
def test_the_kept_digests_are_exactly_the_files_whatever_the_run_wrote(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[bool, list[int], int]]
) -> None:
    """Forgets and records in any order, a contact written several times or never before:
    what the next run takes is what a scan of the file gives."""
    path = snapshot_path(tmp_path_factory.mktemp("s"), ["http://127.0.0.1:1", "d", "", "v2"], "L")
    snapshot = Snapshot(path, "s")
    snapshot.record([(f"c{n}", WRITES) for n in range(50)],
                    {f"c{n}": _digest(n) for n in range(50)})
    assert snapshot._index_for(10**6) is not None
    for forgetting, numbers, variant in steps:
        ids = [f"c{n}" for n in numbers]
        if forgetting:
            snapshot.forget(ids)
        else:
            snapshot.record([(cid, WRITES) for cid in ids],
                            {f"c{n}": _digest(n + 100 * variant) for n in numbers})
    again = _reopened(snapshot)
    assert again._index_for(1) is not None
    assert _held(again._index_for(1)) == _scanned(again)  # type: ignore[arg-type]
    again.close()


def test_a_completed_list_read_keeps_the_digests_for_the_next_run(snapshot: Snapshot) -> None:
    snapshot.listed(0.0)  # a run that read the list went through all its rows
    again = _reopened(snapshot)
    assert held(again, ["c2"], DIGESTS) == {"c2"}
    assert again._index is not None
    assert _held(again._index) == _scanned(again)
    again.close()


def test_a_change_to_the_index_is_exact_when_first_words_tie() -> None:
    tie = [b"\x01" * 8 + bytes([k]) * 8 for k in range(5)]  # one first word, five digests
    index = DigestIndex(b"".join(tie))
    new = index.changed([tie[3], tie[0], b"\x05" * 16], [b"\x01" * 8 + b"\x09" * 8, b"\x00" * 16])
    assert _held(new) == sorted([tie[1], tie[2], tie[4], b"\x01" * 8 + b"\x09" * 8, b"\x00" * 16])
    assert _held(DigestIndex.of_sorted(new.sorted_digests())) == _held(new)
