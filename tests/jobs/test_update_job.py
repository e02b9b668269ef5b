"""The update job on the engine, against an in-memory contacts API (the sandbox tests are apart)."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from cxone_outbound.client import errors
from cxone_outbound.client.capabilities import V2_CAPABILITIES, Capabilities
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.models import BatchUpdateFailure, BatchUpdateResult
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary
from cxone_outbound.engine.records import Batch, Record, RecordError
from cxone_outbound.jobs.update import CONTACT_FIELDS, MAX_GROUP, MISSING_FILE, UpdateJob


class FakeContacts:
    """Knows some contact ids; a PATCH to any other is a 404."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.patched: list[str] = []

    async def update_contact(
        self, contact_id: str, changes: Mapping[str, Any], *, list_id: str | None = None
    ) -> None:
        if contact_id not in self.known:
            raise errors.NotFound("no such contact", status=404, code="NOT_FOUND")
        self.patched.append(contact_id)


async def run_update(api: FakeContacts, path: Path, state: Path, **config: Any) -> RunSummary:
    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeContacts]:
        yield api

    source = CsvSource(path, aliases=CONTACT_FIELDS)
    job = UpdateJob(concurrency=4)
    return await Runner(job, source, RunConfig(state, **config), client_factory=factory).run()


def missing_rows(summary: RunSummary) -> list[list[str]]:
    with (summary.run_dir / MISSING_FILE).open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


async def test_missing_contacts_are_listed_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc1,A\nnope,B\nc2,C\n")
    summary = await run_update(FakeContacts({"c1", "c2"}), path, tmp_path / "s")
    assert summary.counts == {"succeeded": 2, "failed": 1}
    assert missing_rows(summary) == [["line", "contactId"], ["3", "nope"]]


async def test_missing_contacts_file_neutralises_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text('contactId,firstName\n"=HYPERLINK(""http://x"")",A\n')
    summary = await run_update(FakeContacts(set()), path, tmp_path / "s")
    assert missing_rows(summary)[1] == ["2", '\'=HYPERLINK("http://x")']


GROUPING = Capabilities(
    dialect="admin", per_record_update=False, max_update_batch=10_000,
    write_guard="read-compare-write", server_webhooks=False, list_refresh=False,
    list_schema=False,
)


class FakeBatchContacts:
    """Batch updates only (as a re-upload): unknown ids and bad emails fail inside the answer."""

    capabilities = GROUPING

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.calls: list[list[dict[str, Any]]] = []

    async def update_contacts(
        self, list_id: str, contacts: Sequence[Mapping[str, Any]]
    ) -> BatchUpdateResult:
        self.calls.append([dict(c) for c in contacts])
        failed = []
        for c in contacts:
            if c["id"] not in self.known:
                failed.append(BatchUpdateFailure(id=c["id"], error={"code": "NOT_FOUND"}))
            elif "@" not in c.get("email", "@"):
                failed.append(BatchUpdateFailure(id=c["id"], error={
                    "code": "INVALID_EMAIL", "message": "bad email", "field": "email"}))
        return BatchUpdateResult(updated=len(contacts) - len(failed), failed=failed)


async def run_grouped(api: FakeBatchContacts, path: Path, state: Path) -> RunSummary:
    @contextlib.asynccontextmanager
    async def factory(observer: RequestObserver) -> AsyncIterator[FakeBatchContacts]:
        yield api

    job = UpdateJob(concurrency=1, list_id="L", capabilities=GROUPING)
    return await Runner(job, CsvSource(path, aliases=CONTACT_FIELDS), RunConfig(state),
                        client_factory=factory).run()


async def test_grouped_rows_fail_one_by_one_as_they_would_alone(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName,email\nc1,A,a@x.io\nnope,B,\nc2,C,not-an-email\n")
    api = FakeBatchContacts({"c1", "c2"})
    summary = await run_grouped(api, path, tmp_path / "s")
    assert [[c["id"] for c in call] for call in api.calls] == [["c1", "nope", "c2"]]
    assert summary.counts == {"succeeded": 1, "failed": 2}
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert {(f["line"], f["error_code"], f["error_field"]) for f in failed} == {
        ("3", "NOT_FOUND", ""), ("4", "INVALID_EMAIL", "email")}
    assert missing_rows(summary) == [["line", "contactId"], ["3", "nope"]]


async def test_two_rows_for_one_contact_go_in_successive_updates_in_file_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc1,A\nc2,B\nc1,C\n")
    api = FakeBatchContacts({"c1", "c2"})
    summary = await run_grouped(api, path, tmp_path / "s")
    assert [[(c["id"], c["firstName"]) for c in call] for call in api.calls] == [
        [("c1", "A"), ("c2", "B")], [("c1", "C")]]
    assert summary.counts == {"succeeded": 3}


def test_v2_with_a_list_uses_the_batch_patch_unless_per_contact() -> None:
    assert UpdateJob(list_id="L", capabilities=V2_CAPABILITIES).batch_size == 100
    assert not UpdateJob(list_id="L", capabilities=V2_CAPABILITIES, per_contact=True).grouped
    assert not UpdateJob(capabilities=V2_CAPABILITIES).grouped  # no list: nothing to batch in
    assert UpdateJob(list_id="L", capabilities=GROUPING, per_contact=True).grouped  # no PATCH
    assert UpdateJob(list_id="L", capabilities=GROUPING).batch_size == MAX_GROUP
    assert not UpdateJob(capabilities=GROUPING).grouped  # ids are per list: needs the list


async def test_a_batch_answer_that_does_not_account_for_its_rows_proves_no_update(
    tmp_path: Path,
) -> None:
    class SilentBatchContacts(FakeBatchContacts):
        async def update_contacts(
            self, list_id: str, contacts: Sequence[Mapping[str, Any]]
        ) -> BatchUpdateResult:
            await super().update_contacts(list_id, contacts)
            return BatchUpdateResult(updated=0, failed=[])  # an answer about nothing

    path = tmp_path / "u.csv"
    path.write_text("contactId,firstName\nc1,A\nc2,B\n")
    summary = await run_grouped(SilentBatchContacts({"c1", "c2"}), path, tmp_path / "s")
    assert summary.counts == {"failed": 2}
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert {f["error_code"] for f in failed} == {"UNVERIFIED"}


def test_a_batch_answer_accounts_for_its_ids_only_when_every_id_is_told() -> None:
    refused = BatchUpdateFailure(id="b", error={"code": "NOT_FOUND"})
    assert BatchUpdateResult(updated=1, failed=[refused]).accounts_for(["a", "b"])
    assert not BatchUpdateResult(updated=2, failed=[refused]).accounts_for(["a", "b"])
    assert not BatchUpdateResult(updated=0, failed=[]).accounts_for(["a", "b"])
    assert not BatchUpdateResult(updated=1, failed=[BatchUpdateFailure(id="z")]).accounts_for(
        ["a", "b"])
    assert not BatchUpdateResult(updated=1, failed=[BatchUpdateFailure()]).accounts_for(["a", "b"])


def test_a_row_writes_its_contact_as_its_batch_would_say_without_being_prepared() -> None:
    job = UpdateJob(list_id="L", capabilities=V2_CAPABILITIES)
    row = Record("2", 2, {"contactId": " c1 ", "firstName": "Ann"}, [])
    item = job.prepare(row)
    assert not isinstance(item, RecordError)
    assert job.targets_of(row) == tuple(job.writes(Batch("b", [item]))) == ("c1",)
    assert job.targets_of(Record("3", 3, {"contactId": "", "firstName": "x"}, [])) == ()
