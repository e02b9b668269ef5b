"""Acceptance (issue 14): a run is answered about what it sent, never with an earlier run's
replayed answer, and a resumed run still applies nothing twice. Against the real sandbox, v2."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.engine.live import run_live

from cxone_outbound.client import Conflict, CXoneClient, IdempotencyKeyReused
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, Item, RunContext
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.records import Batch
from cxone_outbound.engine.runner import journal_path
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.enrich.mapping import parse_mapping
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions
from cxone_outbound.sandbox.control import SandboxControl

PHONES = ["+14155550100", "+14155550101"]


def contacts_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name"])
        writer.writerows([phone, f"F{i}", f"L{i}"] for i, phone in enumerate(PHONES))
    return path


async def import_into(list_id: str, path: Path, settings: Settings, state: Path) -> dict[str, int]:
    job = ImportJob(ImportOptions(list_id=list_id, poll_initial_s=0.02))
    summary = await run_live(job, CsvSource(path, aliases=IMPORT_FIELDS), settings, state)
    return summary.counts


async def phones_in(settings: Settings, list_id: str) -> list[str]:
    async with CXoneClient(settings) as client:
        return sorted([c.phone async for c in client.iter_contacts(list_id)])


async def test_the_same_file_imported_into_two_lists_lands_in_both(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    path = contacts_file(tmp_path)
    first, second = sandbox_control.create_list("first"), sandbox_control.create_list("second")
    assert await import_into(first, path, settings, tmp_path / "s") == {"succeeded": 2}
    assert await import_into(second, path, settings, tmp_path / "s") == {"succeeded": 2}
    assert await phones_in(settings, first) == PHONES
    assert await phones_in(settings, second) == PHONES


async def test_a_reimport_after_the_contacts_were_deleted_brings_them_back(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    path = contacts_file(tmp_path)
    list_id = sandbox_control.create_list("people")
    await import_into(list_id, path, settings, tmp_path / "s")
    async with CXoneClient(settings) as client:
        for contact in [c async for c in client.iter_contacts(list_id)]:
            await client.delete_contact(contact.id)
    assert await phones_in(settings, list_id) == []
    assert await import_into(list_id, path, settings, tmp_path / "s") == {"succeeded": 2}
    assert await phones_in(settings, list_id) == PHONES


async def test_an_import_into_a_mistyped_list_does_not_spoil_the_right_one(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    path = contacts_file(tmp_path)
    list_id = sandbox_control.create_list("people")
    assert await import_into(list_id + "x", path, settings, tmp_path / "s") == {"failed": 2}
    assert await import_into(list_id, path, settings, tmp_path / "s") == {"succeeded": 2}
    assert await phones_in(settings, list_id) == PHONES


async def test_an_enrich_rerun_restores_a_value_changed_in_between(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("people", [{"name": "tier", "type": "string"}])
    (contact,) = sandbox_control.add_contacts(list_id, [{"phone": PHONES[0], "firstName": "A"}])
    extract = tmp_path / "crm.csv"
    extract.write_text(f"id,tier\n{contact['id']},gold\n")
    mapping = parse_mapping('[key]\ncolumn = "id"\n\n[[field]]\ncolumn = "tier"\n')

    async def enrich() -> dict[str, int]:
        job = EnrichJob(mapping, list_id=list_id, campaign_id="c", batch_size=10, refresh=False)
        return (await run_live(job, CsvSource(extract), settings, tmp_path / "s")).counts

    assert await enrich() == {"succeeded": 1}
    async with CXoneClient(settings) as client:
        await client.update_contact(contact["id"], {"attributes": {"tier": "bronze"}})
        assert await enrich() == {"succeeded": 1}
        restored = await client.get_contact(contact["id"])
    assert restored.attributes["tier"] == "gold"


@pytest.mark.parametrize("other", ["body", "list"])
async def test_a_key_reused_for_another_request_is_an_error_not_a_success(
    other: str, settings: Settings, sandbox_control: SandboxControl
) -> None:
    list_id = sandbox_control.create_list("people")
    body = b"phone_number,first_name,last_name\n+14155550100,A,B\n"
    async with CXoneClient(settings) as client:
        await client.start_import(body, list_id=list_id, gzipped=False, idempotency_key="op")
        if other == "body":
            call = client.start_import(body + b"+14155550101,C,D\n", list_id=list_id,
                                       gzipped=False, idempotency_key="op")
        else:  # the client binds a key to its list: only a raw request can reuse one
            sent = client._scoped_key("op", "POST", "/api/v2/contacts/import",
                                      {"contactListId": list_id})
            call = client.request("POST", "/api/v2/contacts/import",
                                  params={"contactListId": sandbox_control.create_list("b")},
                                  content=body, headers={"Content-Type": "text/csv"},
                                  idempotency_key=sent)
        with pytest.raises(IdempotencyKeyReused) as caught:
            await call
    assert (caught.value.status, caught.value.code) == (409, "IDEMPOTENCY_KEY_REUSED")


async def test_a_phone_already_suppressed_is_a_conflict_not_a_reused_key(
    settings: Settings,
) -> None:
    async with CXoneClient(settings) as client:
        await client.create_suppression("+14155550199")
        with pytest.raises(Conflict) as caught:  # a fresh key: the 409 is about the phone
            await client.create_suppression("+14155550199")
    assert not isinstance(caught.value, IdempotencyKeyReused)
    assert caught.value.status == 409


async def test_a_resumed_import_resends_its_in_flight_chunk_under_the_same_key(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    path = contacts_file(tmp_path)
    list_id = sandbox_control.create_list("people")
    state = tmp_path / "s"
    source = CsvSource(path, aliases=IMPORT_FIELDS)
    job = ImportJob(ImportOptions(list_id=list_id, poll_initial_s=0.02))
    summary = await run_live(job, source, settings, state)
    # as if the process died after the upload, before the answer came back: in-flight again
    items = [job.prepare(record) for record in CsvSource(path, aliases=IMPORT_FIELDS)]
    batch = Batch(job.batch_id(items, 1), items)  # type: ignore[arg-type]
    with Journal(journal_path(state)) as journal:
        journal.claim(summary.run_id, [batch])
        journal.set_status(summary.run_id, "interrupted")
    resumed = await run_live(
        ImportJob(ImportOptions(list_id=list_id, poll_initial_s=0.02)),
        CsvSource(path, aliases=IMPORT_FIELDS), settings, state, resume=summary.run_id,
    )
    assert resumed.counts == {"succeeded": 2}
    assert sorted(sandbox_control.writes(list_id).values()) == [1, 1]  # applied once
    assert sandbox_control.requests_to("POST /api/v2/contacts/import", 201) == 2  # one replayed


async def test_an_import_chunk_whose_key_was_used_for_another_request_fails_with_that_code(
    tmp_path: Path, settings: Settings, sandbox_control: SandboxControl
) -> None:
    class OneKeyImport(ImportJob):
        """Every upload under one key: what a key derived from too little would do."""

        def _key(self, batch: Batch, items: Sequence[Item], attempt: int, ctx: RunContext) -> str:
            return "one-key"

    list_id = sandbox_control.create_list("people")
    async with CXoneClient(settings) as client:  # another request took the key first
        await client.start_import(b"phone_number\n+14155550199\n", list_id=list_id,
                                  gzipped=False, idempotency_key="one-key")
    job = OneKeyImport(ImportOptions(list_id=list_id, poll_initial_s=0.02))
    path = contacts_file(tmp_path)
    summary = await run_live(job, CsvSource(path, aliases=IMPORT_FIELDS), settings, tmp_path / "s")
    assert summary.counts == {"failed": 2}
    with (summary.run_dir / "failed.csv").open(newline="") as fh:
        assert {row["error_code"] for row in csv.DictReader(fh)} == {"IDEMPOTENCY_KEY_REUSED"}
    assert await phones_in(settings, list_id) == ["+14155550199"]
