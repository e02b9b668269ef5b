"""The scope's row digests held in memory for a nightly sync: the same answers as the file's,
a contact this run wrote looked up in the file again, another process's write seen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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
