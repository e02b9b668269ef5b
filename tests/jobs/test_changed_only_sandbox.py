"""Acceptance: `--changed-only` against the sandbox, in both dialects (issue 18).

The list's current values are read once; a row whose every value already holds ends
`unchanged` and is never sent; the others are sent as in a full run. The sandbox's per-contact
write counters and per-route request counters say what reached the server.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.engine.live import assert_accounted, run_live
from tests.jobs.conftest import Cxo, list_id_for

from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, Record, RunConfig, Runner, Source
from cxone_outbound.jobs.enrich import parse_mapping
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob, compared_fields

WRITE_ROUTES = {
    "v2": "PATCH /api/v2/campaigns/contactlists/{listId}/contacts",
    "admin": "POST /inContactAPI/services/vNN.0/lists/call-lists/{listId}/upload",
}
SCHEMA = [{"name": "tier", "type": "string"}, {"name": "score", "type": "integer"}]
HEADER = ["contactId", "firstName", "tier", "score"]


def listed(control: Any, n: int) -> tuple[str, list[dict[str, Any]]]:
    """A list of `n` contacts: firstName Ann<i>, tier gold, score i (an integer attribute)."""
    list_id = control.create_list("sync", SCHEMA)
    contacts = control.add_contacts(list_id, [
        {"phone": f"+1212555{i:04d}", "firstName": f"Ann{i}",
         "attributes": {"tier": "gold", "score": i}} for i in range(n)])
    return list_id, contacts


def extract(path: Path, contacts: Sequence[dict[str, Any]], changed: set[int]) -> Path:
    """Every contact as the list holds it, but rows `changed` moved to tier silver."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, c in enumerate(contacts):
            tier = "silver" if i in changed else "gold"
            writer.writerow([c["id"], f"Ann{i}", tier, str(i)])
    return path


def sync_job(settings: Settings, control: Any, list_id: str, path: Path) -> UpdateJob:
    return UpdateJob(list_id=list_id_for(settings, control, list_id),
                     capabilities=capabilities_for(settings.dialect),
                     changed_only=compared_fields(CsvSource(path, aliases=CONTACT_FIELDS).columns))


def source_for(job: UpdateJob, path: Path) -> Source:
    return job.with_look_ahead(CsvSource(path, aliases=CONTACT_FIELDS))


async def tiers_of(settings: Settings, list_id: str) -> dict[str, Any]:
    """Contact id -> tier, as the list holds it now (read through v2: one store for both)."""
    async with open_api(settings.model_copy(update={"dialect": "v2"})) as client:
        return {c.id: c.attributes.get("tier") async for c in client.iter_contacts(list_id)}


async def test_an_update_sends_only_the_rows_whose_values_do_not_hold(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 12)
    path = extract(tmp_path / "nightly.csv", contacts, changed={2, 5, 9})
    before = sandbox_control.writes(list_id)
    sandbox_control.reset_counters()
    job = sync_job(settings, sandbox_control, list_id, path)
    summary = await run_live(job, source_for(job, path), settings, tmp_path / "s")
    assert summary.counts == {"succeeded": 3, "unchanged": 9}
    after = sandbox_control.writes(list_id)
    written = {c["id"] for c in contacts if after[c["id"]] > before[c["id"]]}
    assert written == {contacts[i]["id"] for i in (2, 5, 9)}
    assert sandbox_control.requests_to(WRITE_ROUTES[settings.dialect]) == 1  # one group of 3
    unchanged = list(csv.DictReader((summary.run_dir / "unchanged.csv").open()))
    assert sorted(int(r["line"]) for r in unchanged) == [i + 2 for i in range(12)
                                                        if i not in (2, 5, 9)]
    assert summary.sections["sync"]["unchanged"] == 9
    assert not (summary.run_dir / "scratch" / "current-values.sqlite3").exists()  # dropped


async def test_a_second_sync_of_the_same_file_sends_nothing(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 8)
    path = extract(tmp_path / "nightly.csv", contacts, changed={0, 1, 2, 3})
    first = await run_live(sync_job(settings, sandbox_control, list_id, path),
                           CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s")
    assert first.counts == {"succeeded": 4, "unchanged": 4}
    sandbox_control.reset_counters()
    second = await run_live(sync_job(settings, sandbox_control, list_id, path),
                            CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s")
    assert second.counts == {"unchanged": 8}
    assert sandbox_control.requests_to(WRITE_ROUTES[settings.dialect]) == 0


async def test_a_row_of_an_unknown_contact_is_sent_and_fails_as_in_a_full_run(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 3)
    path = extract(tmp_path / "nightly.csv", contacts, changed=set())
    with path.open("a", newline="") as fh:
        csv.writer(fh).writerow(["no-such-contact", "Bob", "gold", "1"])
    summary = await run_live(sync_job(settings, sandbox_control, list_id, path),
                             CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s")
    assert summary.counts == {"unchanged": 3, "failed": 1}
    (row,) = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert (row["line"], row["error_code"]) == ("5", "NOT_FOUND")


async def test_a_later_row_of_a_contact_an_earlier_row_changes_is_sent_too(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    # row 2 moves contact 0 to silver; row 3 puts it back to gold, which the list held when it
    # was read: compared with that, row 3 would be "unchanged" and the list would end silver
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 2)
    path = tmp_path / "twice.csv"
    path.write_text(f"contactId,tier\n{contacts[0]['id']},silver\n{contacts[0]['id']},gold\n"
                    f"{contacts[1]['id']},gold\n")
    summary = await run_live(sync_job(settings, sandbox_control, list_id, path),
                             CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s")
    assert summary.counts == {"succeeded": 2, "unchanged": 1}
    assert (await tiers_of(settings, list_id))[contacts[0]["id"]] == "gold"


class ChangedMeanwhile:
    """The extract, but before its first row is read (the list already read into the index),
    another writer changes the list (`change`)."""

    def __init__(self, source: CsvSource, change: Callable[[], None]) -> None:
        self.source, self.change = source, change
        self.header = source.header
        self.description = source.description

    def fingerprint(self) -> str:
        return self.source.fingerprint()

    def progress(self) -> float | None:
        return self.source.progress()

    def __iter__(self) -> Iterator[Record]:
        change, self.change = self.change, lambda: None  # once: the accounting reads it again
        change()
        yield from self.source


async def test_a_change_made_after_the_list_was_read_is_not_seen_by_the_run(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    """What happens when the list changes between the read and the comparison: a row that held
    at the read ends unchanged and the other writer's value stays (the next sync sends the row);
    a row that did not hold is sent and its value wins, as in a full run."""
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 4)
    path = extract(tmp_path / "nightly.csv", contacts, changed={1})

    def other_writer() -> None:  # upserts by phone: contacts 0 and 1 become bronze
        sandbox_control.add_contacts(list_id, [
            {"phone": contacts[i]["phone"], "attributes": {"tier": "bronze"}} for i in (0, 1)])

    job = sync_job(settings, sandbox_control, list_id, path)
    source = ChangedMeanwhile(CsvSource(path, aliases=CONTACT_FIELDS), other_writer)
    summary = await run_live(job, source, settings, tmp_path / "s")  # type: ignore[arg-type]
    assert summary.counts == {"succeeded": 1, "unchanged": 3}
    tiers = await tiers_of(settings, list_id)
    assert tiers[contacts[0]["id"]] == "bronze"  # held at the read: not sent, not seen
    assert tiers[contacts[1]["id"]] == "silver"  # sent: the row's value
    again = await run_live(sync_job(settings, sandbox_control, list_id, path),
                           CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s2")
    assert again.counts == {"succeeded": 1, "unchanged": 3}  # the next sync puts it right
    assert (await tiers_of(settings, list_id))[contacts[0]["id"]] == "gold"


class StopAfter:
    """The extract, asking the runner to stop once `n` rows were read."""

    def __init__(self, source: Source, n: int) -> None:
        self.source, self.n = source, n
        self.header = source.header
        self.description = source.description
        self.stop: Callable[[], None] = lambda: None

    def fingerprint(self) -> str:
        return self.source.fingerprint()

    def progress(self) -> float | None:
        return self.source.progress()

    def __iter__(self) -> Iterator[Record]:
        for count, record in enumerate(self.source, start=1):
            yield record
            if count == self.n:
                self.stop()


async def test_a_resumed_sync_neither_compares_nor_sends_what_the_first_session_settled(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 30)
    changed = {3, 17, 25}
    path = extract(tmp_path / "nightly.csv", contacts, changed)
    before = sandbox_control.writes(list_id)

    def factory(observer: RequestObserver) -> OpenedApi:
        return open_api(settings, observer=observer)

    job = sync_job(settings, sandbox_control, list_id, path)
    source = StopAfter(source_for(job, path), 10)
    runner = Runner(job, source, RunConfig(tmp_path / "s", window=5),  # type: ignore[arg-type]
                    client_factory=factory)
    source.stop = runner.request_stop
    first = await runner.run()
    assert first.status == "interrupted"
    assert_accounted(first)
    settled_first = first.counts.get("unchanged", 0) + first.counts.get("succeeded", 0)
    assert 0 < settled_first < 30

    job = sync_job(settings, sandbox_control, list_id, path)
    resumed = await run_live(job, source_for(job, path), settings, tmp_path / "s",
                             resume=first.run_id)
    assert resumed.status == "completed"
    assert resumed.counts == {"succeeded": 3, "unchanged": 27}
    assert resumed.metrics["previously_done"] == settled_first
    assert resumed.sections["sync"]["rowsCompared"] == 30 - settled_first
    after = sandbox_control.writes(list_id)
    assert {c["id"] for c in contacts if after[c["id"]] > before[c["id"]]} == {
        contacts[i]["id"] for i in changed}
    assert all(after[c["id"]] - before[c["id"]] <= 1 for c in contacts)  # none sent twice


MAPPING = """
[[field]]
column = "tier"
attribute = "tier"

[[field]]
column = "score"
attribute = "score"
type = "integer"
"""


async def test_an_enrichment_sends_only_contacts_whose_attributes_differ(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, contacts = listed(sandbox_control, 10)
    path = extract(tmp_path / "crm.csv", contacts, changed={4, 7})
    target = list_id_for(settings, sandbox_control, list_id)
    before = sandbox_control.writes(list_id)
    job = EnrichJob(parse_mapping(MAPPING), list_id=target, campaign_id="c", batch_size=50,
                    changed_only=True)
    summary = await run_live(job, job.with_look_ahead(CsvSource(path)), settings,
                             tmp_path / "s")
    assert summary.counts == {"succeeded": 2, "unchanged": 8}
    after = sandbox_control.writes(list_id)
    assert {c["id"] for c in contacts if after[c["id"]] > before[c["id"]]} == {
        contacts[4]["id"], contacts[7]["id"]}
    assert summary.sections["sync"] == {"list": target, "against": "list", "contactsRead": 10,
                                        "rowsCompared": 10,
                                        "unchanged": 8, "sent": 2}


def test_the_cli_prints_unchanged_in_the_summary_and_the_accounting(
    tmp_path: Path, cxo: Cxo, sandbox_control: Any
) -> None:
    list_id, contacts = listed(sandbox_control, 5)
    path = extract(tmp_path / "nightly.csv", contacts, changed={0})
    code, out, err = cxo("update", str(path), "--list", list_id, "--changed-only",
                         "--progress", "none")
    assert code == 0, err
    text = " ".join((out + err).split())  # the console wraps long lines
    assert "1 succeeded, 0 failed, 0 skipped, 4 unchanged" in text
    assert "accounting: 5 read = 1 succeeded + 0 failed + 0 skipped + 4 unchanged (balanced)" \
        in text


def test_changed_only_without_a_list_is_a_usage_error(
    tmp_path: Path, cxo: Cxo, sandbox_control: Any
) -> None:
    _, contacts = listed(sandbox_control, 1)
    path = extract(tmp_path / "nightly.csv", contacts, changed=set())
    code, _, err = cxo("update", str(path), "--changed-only", "--progress", "none")
    assert code == 2
    assert "--changed-only" in err and "--list" in err
