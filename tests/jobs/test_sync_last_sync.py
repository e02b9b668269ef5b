"""Acceptance: `--changed-only --against last-sync` against the sandbox (issue 18).

Rows are compared with what earlier runs verified the list holds (the snapshot under the state
dir), without reading the list: only rows that changed since the last verified sync are sent.
The sandbox's per-contact write counters and per-route request counters say what reached it.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from tests.engine.live import assert_accounted, run_live
from tests.jobs.conftest import Cxo, list_id_for
from tests.jobs.test_changed_only_sandbox import (
    HEADER,
    MAPPING,
    WRITE_ROUTES,
    StopAfter,
    listed,
    tiers_of,
)

from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig, Runner, RunSummary
from cxone_outbound.jobs.enrich import parse_mapping
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.sync import Against
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob, compared_fields

V2_READ_ROUTE = "GET /api/v2/campaigns/contactlists/{listId}"


def nightly(path: Path, contacts: list[dict[str, Any]], tiers: dict[int, str],
            header: list[str] = HEADER) -> Path:
    """Every contact as `listed` made it (tier gold, score i), but `tiers` moved; only the
    columns of `header`."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i, c in enumerate(contacts):
            row = {"contactId": c["id"], "firstName": f"Ann{i}", "tier": tiers.get(i, "gold"),
                   "score": str(i)}
            writer.writerow([row[name] for name in header])
    return path


def updater(settings: Settings, control: Any, list_id: str, path: Path,
            against: Against = "last-sync") -> UpdateJob:
    return UpdateJob(list_id=list_id_for(settings, control, list_id),
                     capabilities=capabilities_for(settings.dialect),
                     changed_only=compared_fields(CsvSource(path, aliases=CONTACT_FIELDS).columns),
                     against=against)


async def sync(settings: Settings, job: UpdateJob | EnrichJob, path: Path,
               state: Path, **config: Any) -> RunSummary:
    aliases = CONTACT_FIELDS if isinstance(job, UpdateJob) else None
    source = job.with_look_ahead(CsvSource(path, aliases=aliases))
    return await run_live(job, source, settings, state, **config)  # type: ignore[arg-type]


async def night(settings: Settings, control: Any, list_id: str, path: Path, state: Path,
                **config: Any) -> RunSummary:
    """One night's last-sync update of the list from `path`."""
    return await sync(settings, updater(settings, control, list_id, path), path, state, **config)


def written(control: Any, list_id: str, before: dict[str, int],
            contacts: list[dict[str, Any]]) -> set[int]:
    after = control.writes(list_id)
    return {i for i, c in enumerate(contacts) if after[c["id"]] > before[c["id"]]}


def snapshot_docs(state: Path) -> dict[str, dict[str, Any]]:
    """Contact id -> verified values, every scope of every snapshot under `state`."""
    docs: dict[str, dict[str, Any]] = {}
    for path in (state / "sync").glob("*.sqlite3"):
        with sqlite3.connect(path) as db:
            docs.update((cid, orjson.loads(doc))
                        for cid, doc in db.execute("SELECT id, doc FROM verified"))
    return docs


async def test_last_sync_sends_only_what_changed_since_the_last_verified_sync(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 20)
    one = nightly(tmp_path / "one.csv", contacts, {1: "silver", 2: "silver"})
    first = await night(settings, sandbox_control, list_id, one, state)
    assert first.sections["sync"]["against"] == "list"  # no snapshot yet: the list is read
    assert first.counts == {"succeeded": 2, "unchanged": 18}
    two = nightly(tmp_path / "two.csv", contacts, {1: "silver", 2: "silver", 7: "bronze"})
    before = sandbox_control.writes(list_id)
    sandbox_control.reset_counters()
    second = await night(settings, sandbox_control, list_id, two, state)
    assert second.sections["sync"]["against"] == "last-sync"
    assert second.sections["sync"]["contactsRead"] == 0
    assert second.counts == {"succeeded": 1, "unchanged": 19}
    assert written(sandbox_control, list_id, before, contacts) == {7}
    assert sandbox_control.requests_to(WRITE_ROUTES[settings.dialect]) == 1
    if settings.dialect == "v2":
        assert sandbox_control.requests_to(V2_READ_ROUTE) == 0  # the list was not read
    assert (await tiers_of(settings, list_id))[contacts[7]["id"]] == "bronze"


async def test_a_row_that_failed_last_time_is_sent_again(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    state = tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 6)
    one = nightly(tmp_path / "one.csv", contacts, {})
    await night(settings, sandbox_control, list_id, one, state)
    # night 2 moves contact 3 to silver, but every write answers 503: nothing is verified
    two = nightly(tmp_path / "two.csv", contacts, {3: "silver"})
    sandbox_control.set_faults("error@PATCH:*=1.0:503")
    failing = settings.model_copy(update={"max_attempts": 1})
    second = await sync(failing, updater(settings, sandbox_control, list_id, two), two, state)
    assert second.counts == {"failed": 1, "unchanged": 5}
    sandbox_control.set_faults("")
    before = sandbox_control.writes(list_id)
    third = await night(settings, sandbox_control, list_id, two, state)
    assert third.sections["sync"]["against"] == "last-sync"
    assert third.counts == {"succeeded": 1, "unchanged": 5}
    assert written(sandbox_control, list_id, before, contacts) == {3}


async def test_a_contact_another_field_set_wrote_is_not_taken_for_unchanged(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    # the snapshot of (tier, score) says contact 0 is gold; a run of (tier) alone moves it to
    # silver; a last-sync run of (tier, score) with gold must send it back
    state = tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 4)
    full = nightly(tmp_path / "full.csv", contacts, {})
    await night(settings, sandbox_control, list_id, full, state)
    tier_only = nightly(tmp_path / "tier.csv", contacts, {0: "silver"}, ["contactId", "tier"])
    other = await sync(settings, updater(settings, sandbox_control, list_id, tier_only),
                       tier_only, state)
    assert other.counts == {"succeeded": 1, "unchanged": 3}
    again = await night(settings, sandbox_control, list_id, full, state)
    assert again.sections["sync"]["against"] == "last-sync"
    assert again.counts == {"succeeded": 1, "unchanged": 3}
    assert (await tiers_of(settings, list_id))[contacts[0]["id"]] == "gold"


async def test_a_run_without_changed_only_makes_the_next_last_sync_read_the_list(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    state = tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 4)
    full = nightly(tmp_path / "full.csv", contacts, {})
    await night(settings, sandbox_control, list_id, full, state)
    moved = nightly(tmp_path / "moved.csv", contacts, {2: "silver"})
    plain = UpdateJob(list_id=list_id, capabilities=capabilities_for("v2"))  # a full run
    assert (await sync(settings, plain, moved, state)).counts == {"succeeded": 4}
    again = await night(settings, sandbox_control, list_id, full, state)
    assert again.sections["sync"]["against"] == "list"  # the full run dropped the snapshot
    assert again.counts == {"succeeded": 1, "unchanged": 3}
    assert (await tiers_of(settings, list_id))[contacts[2]["id"]] == "gold"


async def test_the_last_of_several_rows_of_one_contact_wins_against_the_last_sync(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    # rows 1 and 3 write silver, row 2 bronze: row 3 must not be taken for unchanged because
    # row 1's write was verified while row 2 was on its way
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 2)
    full = nightly(tmp_path / "full.csv", contacts, {})
    await night(settings, sandbox_control, list_id, full, state)
    cid = contacts[0]["id"]
    path = tmp_path / "thrice.csv"
    path.write_text(f"contactId,tier\n{cid},silver\n{cid},bronze\n{cid},silver\n")
    job = updater(settings, sandbox_control, list_id, path)
    job.batch_size = 1
    summary = await sync(settings, job, path, state, claim_records=1)
    assert summary.counts == {"succeeded": 3}
    assert (await tiers_of(settings, list_id))[cid] == "silver"
    again = await night(settings, sandbox_control, list_id, path, state)
    assert (await tiers_of(settings, list_id))[cid] == "silver"
    assert again.counts.get("failed", 0) == 0


async def test_a_changed_field_set_falls_back_to_the_list_read(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    state = tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 5)
    full = nightly(tmp_path / "full.csv", contacts, {})
    await night(settings, sandbox_control, list_id, full, state)
    fewer = nightly(tmp_path / "fewer.csv", contacts, {2: "silver"}, ["contactId", "tier"])
    sandbox_control.reset_counters()
    summary = await sync(settings, updater(settings, sandbox_control, list_id, fewer), fewer,
                         state)
    assert summary.sections["sync"]["against"] == "list"
    assert summary.sections["sync"]["contactsRead"] == 5
    assert sandbox_control.requests_to(V2_READ_ROUTE) >= 1
    assert summary.counts == {"succeeded": 1, "unchanged": 4}


async def test_a_snapshot_older_than_relist_days_is_read_again(
    tmp_path: Path, settings: Settings, sandbox_control: Any
) -> None:
    state = tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 3)
    path = nightly(tmp_path / "one.csv", contacts, {})
    job = updater(settings, sandbox_control, list_id, path)
    assert job.changed_only is not None
    job.changed_only.now = lambda: 1_000_000.0
    await sync(settings, job, path, state)
    later = UpdateJob(list_id=list_id, capabilities=capabilities_for("v2"),
                      changed_only=compared_fields(HEADER), against="last-sync", relist_days=7)
    assert later.changed_only is not None
    later.changed_only.now = lambda: 1_000_000.0 + 6 * 86_400
    assert (await sync(settings, later, path, state)).sections["sync"]["against"] == "last-sync"
    late = UpdateJob(list_id=list_id, capabilities=capabilities_for("v2"),
                     changed_only=compared_fields(HEADER), against="last-sync", relist_days=7)
    assert late.changed_only is not None
    late.changed_only.now = lambda: 1_000_000.0 + 8 * 86_400
    assert (await sync(settings, late, path, state)).sections["sync"]["against"] == "list"


async def test_an_interrupted_runs_snapshot_holds_only_verified_rows(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 40)
    one = nightly(tmp_path / "one.csv", contacts, {})
    await night(settings, sandbox_control, list_id, one, state)
    changed = {3, 12, 30, 33}
    two = nightly(tmp_path / "two.csv", contacts, dict.fromkeys(changed, "silver"))

    def factory(observer: RequestObserver) -> OpenedApi:
        return open_api(settings, observer=observer)

    job = updater(settings, sandbox_control, list_id, two)
    job.batch_size = 1  # so that rows are written before the stop
    source = StopAfter(job.with_look_ahead(CsvSource(two, aliases=CONTACT_FIELDS)), 15)
    config = RunConfig(state, window=5, claim_records=1)  # batches go as they are made
    runner = Runner(job, source, config, client_factory=factory)  # type: ignore[arg-type]
    source.stop = runner.request_stop
    first = await runner.run()
    assert first.status == "interrupted"
    assert_accounted(first)
    docs = snapshot_docs(state)
    succeeded = {int(r["line"]) - 2 for r in csv.DictReader(
        (first.run_dir / "succeeded.csv").open())}
    assert changed & succeeded  # some changed rows were written before the stop
    tiers = await tiers_of(settings, list_id)
    assert docs and all(doc["attributes"]["tier"] == tiers[cid] for cid, doc in docs.items())
    written_first = {contacts[i]["id"] for i in changed & succeeded}
    assert written_first <= docs.keys()  # a row the server answered written goes in

    resumed_job = updater(settings, sandbox_control, list_id, two)
    before = sandbox_control.writes(list_id)
    resumed = await sync(settings, resumed_job, two, state, resume=first.run_id)
    assert resumed.status == "completed"
    assert resumed.counts == {"succeeded": 4, "unchanged": 36}
    assert written(sandbox_control, list_id, before, contacts) == changed - succeeded
    tiers = await tiers_of(settings, list_id)
    assert {i for i, c in enumerate(contacts) if tiers[c["id"]] == "silver"} == changed


async def test_an_enrichment_against_the_last_sync_sends_only_changed_contacts(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 10)
    target = list_id_for(settings, sandbox_control, list_id)

    def enricher(mapping: str = MAPPING) -> EnrichJob:
        return EnrichJob(parse_mapping(mapping), list_id=target, campaign_id="c",
                         batch_size=50, changed_only=True, against="last-sync")

    one = nightly(tmp_path / "one.csv", contacts, {4: "silver"})
    first = await sync(settings, enricher(), one, state)
    assert first.sections["sync"]["against"] == "list"
    assert first.counts == {"succeeded": 1, "unchanged": 9}
    two = nightly(tmp_path / "two.csv", contacts, {4: "silver", 8: "bronze"})
    before = sandbox_control.writes(list_id)
    second = await sync(settings, enricher(), two, state)
    assert second.sections["sync"] == {"list": target, "against": "last-sync",
                                       "contactsRead": 0, "rowsCompared": 10, "unchanged": 9,
                                       "sent": 1}
    assert written(sandbox_control, list_id, before, contacts) == {8}
    # another mapping (score cast as text) is another scope: compared with the list again
    text_score = MAPPING.replace('type = "integer"', 'type = "string"')
    third = await sync(settings, enricher(text_score), two, state)
    assert third.sections["sync"]["against"] == "list"
    assert third.counts == {"unchanged": 10}


def test_against_without_changed_only_is_a_usage_error(
    tmp_path: Path, cxo: Cxo, sandbox_control: Any
) -> None:
    list_id, contacts = listed(sandbox_control, 1)
    path = nightly(tmp_path / "nightly.csv", contacts, {})
    code, _, err = cxo("update", str(path), "--list", list_id, "--against", "last-sync",
                       "--progress", "none")
    assert code == 2
    assert "--changed-only" in err


def test_the_cli_says_when_last_sync_has_no_snapshot_and_reads_the_list(
    tmp_path: Path, cxo: Cxo, sandbox_control: Any
) -> None:
    list_id, contacts = listed(sandbox_control, 3)
    path = nightly(tmp_path / "nightly.csv", contacts, {0: "silver"})
    args = ("update", str(path), "--list", list_id, "--changed-only", "--against", "last-sync",
            "--progress", "plain", "--state-dir", str(tmp_path / "state"))
    code, out, err = cxo(*args)
    assert code == 0, err
    assert "no complete snapshot" in " ".join(err.split())
    code, out, err = cxo(*args)
    assert code == 0, err
    text = " ".join((out + err).split())
    assert "comparing with the last sync" in text
    assert "0 succeeded, 0 failed, 0 skipped, 3 unchanged" in text
