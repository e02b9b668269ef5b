"""The scope's row digests held in memory for a nightly sync: the same answers as the file's,
a contact this run wrote looked up in the file again, another process's write seen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from cxone_outbound.jobs.sync import snapshot as snapshot_module
from cxone_outbound.jobs.sync.digests import DigestIndex
from cxone_outbound.jobs.sync.snapshot import Snapshot, snapshot_path

WRITES = {"tier": "gold"}


def _digest(n: int) -> bytes:
    return n.to_bytes(4, "big") + b"\x07" * 11 + b"\x00"  # a trailing NUL, as 1 in 256 has


def test_the_index_finds_each_digest_and_nothing_else() -> None:
    index = DigestIndex.read((f"c{n}", _digest(n)) for n in range(1000))
    assert len(index) == 1000
    assert index.find(["c5", "nope", "c999"]) == [_digest(5), None, _digest(999)]
    assert index.find([]) == []
    assert DigestIndex.read([]).find(["c1"]) == [None]


def test_ids_sharing_a_first_hash_are_left_out_not_confused() -> None:
    first = np.array([7, 7, 9], dtype=np.int64)
    second = np.array([1, 2, 3], dtype=np.int64)
    index = DigestIndex(first, second, np.array([b"a" * 16, b"b" * 16, b"c" * 16], dtype="S16"))
    assert len(index) == 1  # both ids of first hash 7 are found absent: compared the slow way


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
    first = snapshot.raws(ids[:20])  # 20 looked up: the index is read for what follows
    assert snapshot._index is not None
    assert first == {f"c{n}": _digest(n) for n in range(20)}
    assert snapshot.raws(ids) == {f"c{n}": _digest(n) for n in range(50)}


def test_a_contact_this_run_wrote_is_answered_by_the_file(snapshot: Snapshot) -> None:
    snapshot.raws([f"c{n}" for n in range(20)])
    snapshot.forget(["c3", "c4"])  # about to be sent
    snapshot.record([("c3", WRITES)], {"c3": _digest(333)})  # c3 verified, c4 not answered
    assert snapshot.raws(["c2", "c3", "c4"]) == {"c2": _digest(2), "c3": _digest(333)}


def test_another_process_writing_the_file_sends_the_run_back_to_it(snapshot: Snapshot) -> None:
    snapshot.raws([f"c{n}" for n in range(20)])
    with sqlite3.connect(snapshot.path) as other:
        other.execute("DELETE FROM verified WHERE id = 'c7'")
    assert snapshot.raws(["c6", "c7"]) == {"c6": _digest(6)}
    assert snapshot._index is None


def test_a_short_run_against_a_long_scope_keeps_to_the_file(snapshot: Snapshot) -> None:
    more = range(500)
    snapshot.record([(f"x{n}", WRITES) for n in more], {f"x{n}": _digest(n) for n in more})
    assert snapshot.raws([f"c{n}" for n in range(20)])["c1"] == _digest(1)
    assert snapshot._index is None  # 20 of 550: not worth reading the scope
