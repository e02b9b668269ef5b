"""The last-sync snapshot on disk: private, one scope apart from another, a contact dropped
from every scope before it is written, complete only once a run built it, memory flat."""

from __future__ import annotations

import stat
import tracemalloc
from pathlib import Path

import orjson

from cxone_outbound.engine.records import Item, Outcome, Record
from cxone_outbound.jobs.sync import ChangedOnly, Compared
from cxone_outbound.jobs.sync.snapshot import ScopeState, Snapshot, scope_of, snapshot_path

WRITES = {"firstName": "Ann", "attributes": {"tier": "gold", "score": "7"}}


def opened(tmp_path: Path, scope: str = "a") -> Snapshot:
    return Snapshot(snapshot_path(tmp_path, ["http://127.0.0.1:1", "demo", "", "v2"], "L1"),
                    scope)


def test_the_snapshot_is_a_private_file_in_a_private_folder(tmp_path: Path) -> None:
    snapshot = opened(tmp_path)
    snapshot.record([("c1", WRITES)])
    assert stat.S_IMODE(snapshot.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(snapshot.path.parent.stat().st_mode) == 0o700
    assert "L1" not in snapshot.path.name


def test_a_recorded_row_is_kept_as_the_bytes_of_its_writes(tmp_path: Path) -> None:
    snapshot = opened(tmp_path)
    snapshot.record([("c1", WRITES)])
    assert snapshot.get("c1") == orjson.dumps(WRITES)
    assert snapshot.get_many(["c1", "c2"]) == {"c1": orjson.dumps(WRITES)}


def test_scopes_are_apart_but_a_contact_about_to_be_sent_leaves_every_scope(
    tmp_path: Path,
) -> None:
    first, second = opened(tmp_path, "a"), opened(tmp_path, "b")
    first.begin()
    second.begin()
    first.record([("c1", WRITES), ("c2", WRITES)])
    second.record([("c1", {"attributes": {"tier": "gold"}})])
    assert second.get("c2") is None
    second.forget(["c1"])
    assert first.get("c1") is None and second.get("c1") is None
    assert first.get("c2") is not None


def test_a_scope_is_complete_only_once_a_run_built_it(tmp_path: Path) -> None:
    snapshot = opened(tmp_path)
    assert not snapshot.state().complete
    snapshot.begin()
    snapshot.record([("c1", WRITES)])
    assert not snapshot.state().complete
    snapshot.listed(123.0)
    assert snapshot.state() == ScopeState(True, 123.0)
    snapshot.clear()  # a new read starts over
    assert not snapshot.state().complete and snapshot.get("c1") is None


def test_invalidating_drops_every_scope(tmp_path: Path) -> None:
    first, second = opened(tmp_path, "a"), opened(tmp_path, "b")
    for snapshot in (first, second):
        snapshot.begin()
        snapshot.record([("c1", WRITES)])
        snapshot.listed(1.0)
    opened(tmp_path, "").invalidate()
    assert not first.state().complete and not second.state().complete
    assert first.get("c1") is None and second.get("c1") is None


def test_a_scope_is_named_by_the_job_and_what_it_writes() -> None:
    assert scope_of("update", [["firstName"], ["tier"]]) == scope_of(
        "update", [["firstName"], ["tier"]])
    assert scope_of("update", [["firstName"], ["tier"]]) != scope_of("enrich", [[], ["tier"]])
    assert scope_of("update", [[], ["tier"]]) != scope_of("update", [[], ["tier", "score"]])


def test_keeping_a_large_list_takes_memory_for_a_window_not_for_the_list(
    tmp_path: Path,
) -> None:
    peaks = []
    for n in (5_000, 50_000):
        snapshot = opened(tmp_path, f"s{n}")
        snapshot.begin()
        tracemalloc.start()
        for start in range(0, n, 1000):
            snapshot.record((f"c{i}", WRITES) for i in range(start, start + 1000))
            snapshot.get_many([f"c{i}" for i in range(start, start + 1000)])
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        snapshot.close()
    assert peaks[1] < 2 * peaks[0]  # ten times the contacts, not ten times the memory


def test_a_contact_with_two_rows_on_their_way_is_neither_compared_nor_kept(
    tmp_path: Path,
) -> None:
    # rows A (silver) and B (bronze) of one contact are both sent; A is answered first; row C
    # (silver, a later window) must be sent, and neither answer kept: which landed last is
    # not known
    sync = ChangedOnly("L1", Compared(attributes=frozenset({"tier"})), against="last-sync")
    snapshot = opened(tmp_path, sync.scope)
    snapshot.record([("c1", {"attributes": {"tier": "gold"}})])
    sync.snapshot = sync.index = snapshot
    sync.baseline = "last-sync"
    silver, bronze = {"attributes": {"tier": "silver"}}, {"attributes": {"tier": "bronze"}}
    items = [Item(Record(str(n), n, {}, []), ("c1", w)) for n, w in ((1, silver), (2, bronze))]
    assert sync.settle("1", "c1", silver) is None and sync.settle("2", "c1", bronze) is None
    sync.look_ahead(["c1"])  # the next window
    sync.sending(["c1"])
    sync.answered(items[:1], [Outcome.succeeded("1")], lambda item: item.payload)
    sync.look_ahead(["c1"])  # the next window
    assert sync.settle("3", "c1", silver) is None  # B is on its way: C is sent
    sync.answered(items[1:], [Outcome.succeeded("2")], lambda item: item.payload)
    assert snapshot.get("c1") is None
