"""The mirror plan and its removal step, without a server: which records are absent, and how an
interrupted removal resumes (never twice, the restore file kept)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from cxone_outbound.client import errors
from cxone_outbound.client.capabilities import V2_CAPABILITIES
from cxone_outbound.client.clock import FakeClock
from cxone_outbound.client.models import Contact
from cxone_outbound.engine.accounting import Accounting, Removals
from cxone_outbound.engine.job import BaseJob, Deferred, RunContext
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import Batch, Item, Outcome, Record
from cxone_outbound.jobs.list_snapshot import ListSnapshot
from cxone_outbound.jobs.mirror import MirrorJob, MirrorOptions
from cxone_outbound.jobs.mirror.plan import RemovalPlan, RemovalState, SourceKeys
from cxone_outbound.phones import PhoneNormalizer


def _snapshot(*records: tuple[str, str]) -> ListSnapshot:
    return ListSnapshot.of(Contact(id=cid, phone=phone) for cid, phone in records)


def _keys(*rows: Sequence[str]) -> SourceKeys:
    keys = SourceKeys()
    for line, row in enumerate(rows, start=2):
        keys.add(line, row)
    return keys


def _absent(snapshot: ListSnapshot, keys: SourceKeys, *, digits_only: bool = False) -> list[str]:
    plan = RemovalPlan()
    plan.build(snapshot, keys, PhoneNormalizer("US"), digits_only=digits_only)
    return [cid for cid, *_ in plan.rows(RemovalState.PLANNED)]


def test_a_record_is_present_when_its_phone_is_a_source_row_s() -> None:
    snapshot = _snapshot(("c1", "+14155550100"), ("c2", "+14155550101"))
    assert _absent(snapshot, _keys(["+14155550100"])) == ["c2"]


def test_a_record_is_present_when_its_external_id_is_a_source_row_s_phone() -> None:
    snapshot = _snapshot(("+14155550100", "99999"))  # admin: the import's external id
    assert _absent(snapshot, _keys(["+14155550100"]), digits_only=True) == []


def test_a_phone_shown_as_digits_is_matched_as_its_e164_number() -> None:
    snapshot = _snapshot(("x1", "14155550100"), ("x2", "442079460958"))
    keys = _keys(["+14155550100"], ["+442079460958"])
    assert _absent(snapshot, keys, digits_only=True) == []


def test_a_row_without_a_usable_phone_is_counted_with_its_line() -> None:
    keys = _keys(["+14155550100"], [], ["+14155550101"], [])
    assert (keys.rows, keys.unkeyed(), keys.unkeyed_lines()) == (4, 2, [3, 5])


def test_the_plan_counts_every_record_of_the_list_present_or_absent() -> None:
    snapshot = _snapshot(*((f"c{n}", f"+1415555010{n}") for n in range(10)))
    plan = RemovalPlan()
    counts = plan.build(snapshot, _keys(*([f"+1415555010{n}"] for n in range(7))),
                        PhoneNormalizer("US"), digits_only=False)
    assert (counts.list_records, counts.present, counts.absent) == (10, 7, 3)
    assert plan.total() == 3


class FakeApi:
    """Removes what it holds; answers not found for the rest. Records every call."""

    capabilities = dataclasses.replace(V2_CAPABILITIES, max_delete_batch=10)

    def __init__(self, held: set[str], listed: Sequence[Contact] = ()) -> None:
        self.held = held
        self.listed = list(listed)
        self.calls: list[list[str]] = []

    async def iter_contact_pages(
        self, list_id: str, *, page_size: int = 1000
    ) -> AsyncIterator[list[Contact]]:
        yield self.listed

    async def delete_contacts(
        self, list_id: str, ids: Sequence[str]
    ) -> dict[str, errors.CXoneError | None]:
        self.calls.append(list(ids))
        answers: dict[str, errors.CXoneError | None] = {}
        for cid in ids:
            if cid in self.held:
                self.held.discard(cid)
                answers[cid] = None
            else:
                answers[cid] = errors.NotFound(f"no contact {cid}", status=404)
        return answers


def _ctx(run_dir: Path, client: FakeApi) -> RunContext:
    return RunContext(run_id="r1", run_dir=run_dir, client=client, clock=FakeClock(),
                      rng=random.Random(1), metrics=RunMetrics())


async def test_a_resumed_removal_sends_only_what_has_no_answer_and_keeps_the_restore_file(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    plan = RemovalPlan(run_dir / "mirror.sqlite3")
    snapshot = _snapshot(("a", "+14155550100"), ("b", "+14155550101"), ("c", "+14155550102"),
                         ("k", "+14155550109"))
    plan.build(snapshot, _keys(["+14155550109"]), PhoneNormalizer("US"), digits_only=False)
    plan.seal()
    # the session before: `c` removed and answered; `a` sent, then the process died
    plan.mark([("c", RemovalState.REMOVED, None, None), ("a", RemovalState.SENDING, None, None)])
    plan.close()
    (run_dir / "restore.csv").write_text("written by the first session\n")
    api = FakeApi(held={"b", "k"})  # `a` went with the lost call

    job = MirrorJob(BaseJob(), SourceKeys(), MirrorOptions("L1"), tmp_path / "work")
    await job.finish(_ctx(run_dir, api))

    assert api.calls == [["a", "b"]]  # `c` never again
    removals = job.removals()
    assert removals is not None and not removals.problems
    assert (removals.removed, removals.already_gone, removals.failed) == (3, 0, 0)
    assert (run_dir / "restore.csv").read_text() == "written by the first session\n"


async def test_a_record_gone_before_its_removal_was_sent_is_already_gone(
    tmp_path: Path,
) -> None:
    listed = [Contact(id="a", phone="+14155550100"), Contact(id="b", phone="+14155550101")]
    api = FakeApi(held={"b"}, listed=listed)  # `a` was removed by someone else since
    job = MirrorJob(BaseJob(), _keys(["+14155550199"]), MirrorOptions("L1"), tmp_path / "w")
    (tmp_path / "w").mkdir()
    await job.finish(_ctx(tmp_path / "run", api))
    removals = job.removals()
    assert removals is not None
    assert (removals.absent, removals.removed, removals.already_gone) == (2, 1, 1)
    assert (tmp_path / "run" / "restore.csv").read_text().count("\n") == 3  # header + 2


async def test_a_server_error_stops_further_removals_and_counts_none(tmp_path: Path) -> None:
    class FailingApi(FakeApi):
        capabilities = dataclasses.replace(V2_CAPABILITIES, max_delete_batch=1)

        async def delete_contacts(
            self, list_id: str, ids: Sequence[str]
        ) -> dict[str, errors.CXoneError | None]:
            self.calls.append(list(ids))
            raise errors.ServerError("unavailable", status=503)

    run_dir = tmp_path / "run"
    plan = RemovalPlan(run_dir / "mirror.sqlite3")
    plan.build(_snapshot(("a", "+14155550100"), ("b", "+14155550101")), _keys(["+1"]),
               PhoneNormalizer("US"), digits_only=False)
    plan.seal()
    plan.close()
    api = FailingApi(held={"a", "b"})
    job = MirrorJob(BaseJob(), SourceKeys(), MirrorOptions("L1"), tmp_path / "work")
    await job.finish(_ctx(run_dir, api))
    assert api.calls == [["a"]]  # the halt keeps `b` from being sent
    removals = job.removals()
    assert removals is not None and (removals.removed, removals.failed) == (0, 2)
    assert job.halted


@pytest.mark.parametrize("held", [set(), {"a"}])
def test_the_removal_states_partition_the_absent_records(held: set[str]) -> None:
    plan = RemovalPlan()
    plan.build(_snapshot(("a", "+14155550100")), _keys(["+14155550101"]),
               PhoneNormalizer("US"), digits_only=False)
    state = RemovalState.REMOVED if held else RemovalState.GONE
    plan.mark([("a", state, None, None)])
    assert sum(plan.count(s) for s in RemovalState) == plan.counts().absent == 1


async def test_rows_still_being_imported_hold_every_removal_back(tmp_path: Path) -> None:
    class StillRunning(BaseJob):
        async def send(self, batch: Batch, ctx: RunContext) -> Sequence[Outcome]:
            raise Deferred("job-1")

    api = FakeApi(held={"a"}, listed=[Contact(id="a", phone="+14155550100")])
    job = MirrorJob(StillRunning(), _keys(["+14155550199"]), MirrorOptions("L1"),
                    tmp_path / "w")
    (tmp_path / "w").mkdir()
    ctx = _ctx(tmp_path / "run", api)
    with pytest.raises(Deferred):
        await job.send(Batch("b1", [Item(Record("2", 2, {}), None)]), ctx)
    await job.finish(ctx)
    assert api.calls == []
    removals = job.removals()
    assert removals is not None and (removals.held_back, removals.removed) == (1, 0)
    assert "still being imported" in job.summary_extra(ctx)["mirror"]["held_back_because"]


def test_an_absent_record_accounted_for_nowhere_unbalances_the_run() -> None:
    ledger = Accounting(read=9, settled={"succeeded": 9})
    checked = ledger.with_removals(Removals(absent=3, removed=2))
    assert not checked.balanced
    assert checked.problems == ("3 list records absent from the source but 2 accounted for",)
    assert "MISMATCH" in checked.render() and "(balanced)" in checked.render().splitlines()[0]
