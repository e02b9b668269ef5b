"""Early settling against the last sync (issue 18): a row whose cells equal those of the row
the server verified for its contact, under the same fingerprint, ends `unchanged` before
`prepare`; any other row is compared (or sent) exactly as before."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.engine.live import assert_accounted
from tests.jobs.test_changed_only_sandbox import StopAfter, listed, tiers_of
from tests.jobs.test_dnc_scrub_sandbox import _dnc
from tests.jobs.test_sync_last_sync import night, nightly, updater, written
from tests.jobs.test_sync_snapshot import opened

from cxone_outbound.cli.main import invoke
from cxone_outbound.client.dialect import OpenedApi, open_api
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource, RunConfig, Runner
from cxone_outbound.engine.records import Item, Outcome, Record, RecordError
from cxone_outbound.jobs.sync import ChangedOnly, Compared
from cxone_outbound.jobs.sync import snapshot as snapshot_module
from cxone_outbound.jobs.sync.snapshot import Snapshot
from cxone_outbound.jobs.update import CONTACT_FIELDS

GOLD = {"attributes": {"tier": "gold"}}


def against_last_sync(tmp_path: Path, fingerprint: Any) -> ChangedOnly:
    sync = ChangedOnly("L1", Compared(attributes=frozenset({"tier"})), against="last-sync",
                       fingerprint=fingerprint)
    sync.snapshot = sync.index = opened(tmp_path, sync.scope)
    sync.baseline = "last-sync"
    return sync


def row(key: int, tier: str, contact_id: str = "c1") -> Record:
    return Record(str(key), key, {"contactId": contact_id, "tier": tier}, [contact_id, tier])


def test_a_row_equal_to_the_verified_one_settles_early_and_another_does_not(
    tmp_path: Path,
) -> None:
    sync = against_last_sync(tmp_path, ["update", 1])
    verified = row(1, "gold")
    sync.sending(["c1"])
    sync.settle("1", "c1", GOLD)  # sent: pending until answered
    sync.answered([Item(verified, ("c1", GOLD))], [Outcome.succeeded("1")],
                  lambda item: item.payload)
    sync.look_ahead(["c1"])
    assert sync.settles_early(row(2, "gold"), "c1")
    assert not sync.settles_early(row(3, "silver"), "c1")
    assert not sync.settles_early(row(4, "gold", "c2"), "c2")  # nothing verified of c2


def test_another_fingerprint_disables_early_settling(tmp_path: Path) -> None:
    first = against_last_sync(tmp_path, ["update", 1])
    first.settle("1", "c1", GOLD)
    first.answered([Item(row(1, "gold"), ("c1", GOLD))], [Outcome.succeeded("1")],
                   lambda item: item.payload)
    first.close()
    other = against_last_sync(tmp_path, ["update", 2])  # e.g. another record limit
    other.look_ahead(["c1"])
    assert not other.settles_early(row(2, "gold"), "c1")
    assert other.settle("2", "c1", GOLD) is not None  # the full comparison still holds it


def test_a_later_row_of_a_contact_on_its_way_is_not_settled_early(tmp_path: Path) -> None:
    sync = against_last_sync(tmp_path, ["update", 1])
    sync.settle("1", "c1", GOLD)
    sync.answered([Item(row(1, "gold"), ("c1", GOLD))], [Outcome.succeeded("1")],
                  lambda item: item.payload)
    sync.look_ahead(["c1", "c1"])
    assert sync.settle("2", "c1", {"attributes": {"tier": "silver"}}) is None  # on its way
    assert not sync.settles_early(row(3, "gold"), "c1")


@pytest.mark.parametrize("in_memory", [False, True], ids=["file", "digests-in-memory"])
def test_a_window_settles_together_the_rows_no_earlier_row_of_their_contact_holds_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool,
) -> None:
    if in_memory:  # as a nightly sync of a long list does after its first 20,000 rows
        monkeypatch.setattr(snapshot_module, "INDEX_AFTER", 1)
    sync = against_last_sync(tmp_path, ["update", 1])
    for n, cid in enumerate(["c1", "c2", "c3"], 1):
        sync.settle(str(n), cid, GOLD)
        sync.answered([Item(row(n, "gold", cid), (cid, GOLD))], [Outcome.succeeded(str(n))],
                      lambda item: item.payload)
    sync.look_ahead(["c1", "c2", "c1", "c3", "c4"])
    compared = sync.rows_compared
    window = [
        row(10, "silver", "c1"),  # changed: left to the row-by-row way
        row(11, "gold", "c2"),
        row(12, "gold", "c1"),  # as verified, but after a changed row of c1: not settled here
        row(13, "gold", "c3"),
        row(14, "gold", "c4"),  # nothing verified of c4 (its cells are c1's but for the id)
        Record("15", 15, {}, [], RecordError("RAGGED_ROW", "expected 2 columns")),
    ]
    assert sync.settle_window(window, lambda r: r.fields.get("contactId", "")) == [
        (1, "c2"), (3, "c3")]
    assert (sync.settled_early, sync.unchanged, sync.rows_compared - compared) == (2, 2, 2)
    assert isinstance(sync.index, Snapshot) and (sync.index._index is not None) == in_memory


async def test_a_verified_row_after_its_contacts_changed_row_in_one_window_is_sent_and_wins(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 6)
    one = nightly(tmp_path / "one.csv", contacts, {})
    await night(settings, sandbox_control, list_id, one, state)
    lines = one.read_text().splitlines()
    cid = contacts[2]["id"]
    bronze = next(line for line in lines if cid in line).replace("gold", "bronze")
    two = tmp_path / "two.csv"
    two.write_text("\n".join([*lines[:3], bronze, *lines[3:]]) + "\n")  # bronze, then gold
    before = sandbox_control.writes(list_id)
    second = await night(settings, sandbox_control, list_id, two, state)
    assert second.counts == {"succeeded": 2, "unchanged": 5}
    assert second.sections["sync"]["settledEarly"] == 5
    assert written(sandbox_control, list_id, before, contacts) == {2}
    assert (await tiers_of(settings, list_id))[cid] == "gold"
    assert_accounted(second)


async def test_a_nightly_sync_settles_early_exactly_the_rows_whose_cells_equal_the_verified(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings, state = dialect_settings, tmp_path / "state"
    list_id, contacts = listed(sandbox_control, 20)
    one = nightly(tmp_path / "one.csv", contacts, {1: "silver"})
    await night(settings, sandbox_control, list_id, one, state)
    two = nightly(tmp_path / "two.csv", contacts, {1: "silver", 7: "bronze"})
    lines = two.read_text().splitlines()
    lines[1 + 4] = lines[1 + 4].replace(contacts[4]["id"], f" {contacts[4]['id']} ")
    two.write_text("\n".join(lines) + "\n")  # row 4: other cells, the same writes
    before = sandbox_control.writes(list_id)
    second = await night(settings, sandbox_control, list_id, two, state)
    assert second.counts == {"succeeded": 1, "unchanged": 19}
    assert second.sections["sync"]["settledEarly"] == 18  # all but the sent row and row 4
    assert written(sandbox_control, list_id, before, contacts) == {7}
    assert_accounted(second)


async def test_a_resume_after_a_stop_within_a_window_neither_resends_nor_counts_twice(
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
    job.batch_size = 1
    source = StopAfter(job.with_look_ahead(CsvSource(two, aliases=CONTACT_FIELDS)), 15)
    runner = Runner(job, source, RunConfig(state, window=5, claim_records=1),
                    client_factory=factory)  # type: ignore[arg-type]
    source.stop = runner.request_stop
    before = sandbox_control.writes(list_id)
    first = await runner.run()
    assert first.status == "interrupted"
    assert_accounted(first)
    assert first.sections["sync"]["settledEarly"] > 0  # the stop came within a window
    resumed = await night(settings, sandbox_control, list_id, two, state,
                         resume=first.run_id)
    assert resumed.status == "completed"
    assert resumed.counts == {"succeeded": 4, "unchanged": 36}
    assert_accounted(resumed)
    assert written(sandbox_control, list_id, before, contacts) == changed
    after = sandbox_control.writes(list_id)
    assert all(after[c["id"]] - before[c["id"]] <= 1 for c in contacts)  # none sent twice
    unchanged = [r["line"] for r in csv.DictReader((resumed.run_dir / "unchanged.csv").open())]
    assert sorted(unchanged, key=int) == sorted(
        {str(i + 2) for i in range(40)} - {str(i + 2) for i in changed}, key=int)


def test_a_row_screened_out_by_a_dnc_file_is_skipped_not_settled_early(
    tmp_path: Path, settings: Settings, sandbox_control: Any,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CXONE_CLIENT_ID", settings.client_id)
    monkeypatch.setenv("CXONE_CLIENT_SECRET", settings.client_secret.get_secret_value())
    list_id = sandbox_control.default_list_id()
    contacts = sandbox_control.add_contacts(
        list_id, [{"phone": f"+1415234{i:04d}", "firstName": "A", "lastName": "B"}
                  for i in range(2)])
    path = tmp_path / "u.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "phone", "first_name"])
        writer.writerow([contacts[0]["id"], "+13125550142", "X"])
        writer.writerow([contacts[1]["id"], "+13125550143", "Y"])
    args = ["--base-url", settings.base_url, "--json", "update", str(path), "--list", list_id,
            "--changed-only", "--against", "last-sync", "--state-dir", str(tmp_path / "state"),
            "--progress", "none"]
    assert invoke(args) == 0
    capsys.readouterr()
    assert invoke(args) == 0
    assert json.loads(capsys.readouterr().out)["sync"]["settledEarly"] == 2  # without a screen
    dnc_path = _dnc(tmp_path, ["+13125550142"], [])
    code = invoke([*args, "--scrub-dnc", str(dnc_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    document = json.loads(out.out)
    assert document["counts"] == {"skipped": 1, "unchanged": 1}  # as a full run screens it
    assert document["sync"]["settledEarly"] == 0


def test_an_edit_to_the_code_of_prepare_changes_the_fingerprint(tmp_path: Path) -> None:
    import importlib.util

    from cxone_outbound.jobs.update import _code_digest

    path = tmp_path / "prepare_like.py"
    path.write_text("def build_changes(fields):\n    return dict(fields)\n")
    spec = importlib.util.spec_from_file_location("prepare_like", path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    before = _code_digest(module)
    path.write_text("def build_changes(fields):\n    return {k: v.strip() for k, v in fields}\n")
    assert _code_digest(module) != before
