"""Acceptance: the update job against the real sandbox (outcomes, faults, SIGKILL and resume)."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from tests.engine.live import run_live
from tests.jobs.conftest import SANDBOX_LIST_COLUMNS, list_id_for

from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource
from cxone_outbound.jobs.update import CONTACT_FIELDS, MISSING_FILE, UpdateJob

CXO = str(Path(sys.executable).parent / "cxo")


def update_file(path: Path, ids: list[str], extra_rows: Sequence[list[str]] = ()) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "firstName", "tier"])
        for n, contact_id in enumerate(ids):
            writer.writerow([contact_id, f"Updated{n}", "gold"])
        writer.writerows(extra_rows)
    return path


def seeded(control: Any, n: int) -> tuple[str, list[str]]:
    list_id = control.create_list("u", [{"name": "tier", "type": "string"}])
    control.seed_contacts(list_id, n)
    return list_id, sorted(control.writes(list_id))


async def test_update_applies_rows_and_reports_not_found_and_bad_fields(
    tmp_path: Path, dialect_settings: Settings, sandbox_control: Any
) -> None:
    settings = dialect_settings
    list_id, ids = seeded(sandbox_control, 20)
    target = list_id_for(settings, sandbox_control, list_id)
    caps = capabilities_for(settings.dialect)  # admin: rows grouped into re-uploads
    before = sandbox_control.writes(list_id)
    path = update_file(
        tmp_path / "u.csv",
        ids,
        [["no-such-contact", "X", "gold"], [ids[0], "", ""]],
    )
    with path.open("a", newline="") as fh:
        csv.writer(fh).writerow([ids[1], "Y", "gold"])
    bad_email = tmp_path / "e.csv"
    bad_email.write_text(f"contactId,email\n{ids[2]},not-an-email\n")
    summary = await run_live(
        UpdateJob(list_id=target, capabilities=caps), CsvSource(path, aliases=CONTACT_FIELDS),
        settings, tmp_path / "s",
    )
    assert summary.counts == {"succeeded": 21, "failed": 2}
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert {(f["line"], f["error_code"]) for f in failed} == {
        ("22", "NOT_FOUND"),
        ("23", "NO_CHANGES"),
    }
    missing = (summary.run_dir / MISSING_FILE).read_text()
    assert "22,no-such-contact" in missing
    after = sandbox_control.writes(list_id)
    assert all(after[i] > before[i] for i in ids)
    email_summary = await run_live(
        UpdateJob(list_id=target, capabilities=caps),
        CsvSource(bad_email, aliases=CONTACT_FIELDS), settings, tmp_path / "s",
    )
    (row,) = list(csv.DictReader((email_summary.run_dir / "failed.csv").open()))
    if settings.dialect == "admin":
        # an upload job names no row and no field: the row is failed from the list read back
        # (counted invalid there), never reported done
        assert (row["line"], row["error_code"]) == ("2", "REJECTED")
    else:
        assert (row["line"], row["error_field"]) == ("2", "email")


async def test_a_grouped_update_resumes_only_the_upload_that_failed(
    tmp_path: Path, sandbox_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # three uploads of 1000 rows: the first passes (draw 0.97), the second meets a 503 (0.01)
    # that is not retried (max_attempts=1), the third passes (0.74)
    server = sandbox_factory(
        faults="error@POST:/inContactAPI/services/*/lists/call-lists/*/upload=0.5:503,seed=15"
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    settings = Settings(
        base_url=server.base_url, dialect="admin", max_attempts=1,
        list_columns=SANDBOX_LIST_COLUMNS,
        access_key_id=server.access_key_id,
        access_key_secret=SecretStr(server.access_key_secret),
    )
    list_id, ids = seeded(server.control, 2500)
    target = list_id_for(settings, server.control, list_id)
    path = update_file(tmp_path / "u.csv", ids)
    before = server.control.writes(list_id)

    def job() -> UpdateJob:
        return UpdateJob(concurrency=1, list_id=target, capabilities=capabilities_for("admin"))

    first = await run_live(job(), CsvSource(path, aliases=CONTACT_FIELDS), settings,
                           tmp_path / "s")
    assert first.counts == {"succeeded": 1500, "failed": 1000}
    middle = set(ids[1000:2000])  # the second upload's rows, in file order
    failed = list(csv.DictReader((first.run_dir / "failed.csv").open()))
    assert {ids[int(f["line"]) - 2] for f in failed} == middle
    at_failure = server.control.writes(list_id)
    assert [i for i in ids if at_failure[i] > before[i]] == ids[:1000] + ids[2000:]

    server.control.clear_faults()
    resumed = await run_live(job(), CsvSource(path, aliases=CONTACT_FIELDS), settings,
                             tmp_path / "s", resume=first.run_id)
    assert resumed.run_id == first.run_id
    after = server.control.writes(list_id)
    assert all(after[i] == at_failure[i] + 1 for i in middle)  # sent once more, once
    assert all(after[i] == at_failure[i] for i in ids if i not in middle)  # never resent
    assert journal_counts(tmp_path / "s") == {"succeeded": 2500}


@pytest.mark.slow
async def test_update_under_faults_ends_every_record_with_a_state(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    server = sandbox_factory(faults="error=0.1:503,drop=0.02,storm=1s@150,revoke_after=300,seed=5")
    settings = Settings(
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=SecretStr(server.client_secret),
        max_attempts=12,
    )
    list_id, ids = seeded(server.control, 500)
    before = server.control.writes(list_id)
    path = update_file(tmp_path / "u.csv", ids)
    summary = await run_live(
        UpdateJob(), CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s"
    )
    assert sum(summary.counts.values()) == 500
    assert summary.counts.get("in-flight", 0) == 0
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert all(f["error_code"] for f in failed)  # failed always with a reason
    after = server.control.writes(list_id)
    applied = sum(1 for i in ids if after[i] > before[i])
    assert applied >= summary.counts.get("succeeded", 0)
    assert summary.metrics["throttled_429"] > 0
    assert summary.metrics["server_or_connection_errors"] > 0


def journal_counts(state_dir: Path) -> dict[str, int]:
    db = state_dir / "journal.sqlite3"
    if not db.exists():
        return {}
    with sqlite3.connect(db, timeout=10) as conn:
        try:
            rows = conn.execute("SELECT state, COUNT(*) FROM records GROUP BY state").fetchall()
        except sqlite3.OperationalError:
            return {}
    return dict(rows)


def succeeded_lines(state_dir: Path) -> set[int]:
    with sqlite3.connect(state_dir / "journal.sqlite3") as conn:
        rows = conn.execute("SELECT line FROM records WHERE state = 'succeeded'").fetchall()
    return {line for (line,) in rows}


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["v2", "admin"])
def test_sigkill_then_resume_applies_every_row_and_resends_no_success(
    tmp_path: Path, sandbox_factory: Any, dialect: str
) -> None:
    server = sandbox_factory(rate_limit=150, burst=150)
    list_id, ids = seeded(server.control, 1200)
    path = update_file(tmp_path / "u.csv", ids)
    state = tmp_path / "state"
    argv = [
        CXO, "--base-url", server.base_url, "--dialect", dialect, "update", str(path),
        "--state-dir", str(state), "--progress", "none",
    ]
    env = dict(os.environ)
    if dialect == "admin":  # rows go in re-uploads of 1000: one at a time, slowly enough to
        # kill the run between the first and the second
        admin_list = str(server.control.admin_ids(list_id=list_id)["listId"])
        argv += ["--list", admin_list, "--concurrency", "1", "--max-rate", "2"]
        env |= {"CXONE_ACCESS_KEY_ID": server.access_key_id,
                "CXONE_LIST_COLUMNS": SANDBOX_LIST_COLUMNS,
                "CXONE_ACCESS_KEY_SECRET": server.access_key_secret,
                "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    before = server.control.writes(list_id)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while journal_counts(state).get("succeeded", 0) < 300:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the update made no progress"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    done_before_kill = succeeded_lines(state)
    assert len(done_before_kill) < 1200  # killed mid-run, not after it
    at_kill = server.control.writes(list_id)
    resumed = subprocess.run(
        [*argv, "--resume", "auto"], capture_output=True, text=True, timeout=120, env=env
    )
    assert resumed.returncode == 0, resumed.stderr
    after = server.control.writes(list_id)
    assert all(after[i] > before[i] for i in ids)  # every row applied
    for line in done_before_kill:  # nothing that had succeeded was sent again
        contact_id = ids[line - 2]
        assert after[contact_id] == at_kill[contact_id]
    assert journal_counts(state) == {"succeeded": 1200}


BATCH_ROUTE = "PATCH /api/v2/campaigns/contactlists/{listId}/contacts"


async def test_a_batch_patch_gives_each_row_its_own_outcome(
    tmp_path: Path, sandbox: Any, sandbox_control: Any, settings: Settings
) -> None:
    list_id, ids = seeded(sandbox_control, 3)
    other_list = sandbox_control.create_list("other")
    sandbox_control.seed_contacts(other_list, 1)
    (stranger,) = sandbox_control.writes(other_list)
    path = tmp_path / "u.csv"
    path.write_text(
        "contactId,firstName,email\n"
        f"{ids[0]},Ann,\nno-such-contact,Bob,\n{stranger},Cy,\n{ids[1]},,not-an-email\n"
        f"{ids[2]},Dee,\n"
    )
    before = sandbox_control.writes(list_id)
    sandbox_control.reset_counters()
    summary = await run_live(
        UpdateJob(list_id=list_id, capabilities=capabilities_for("v2")),
        CsvSource(path, aliases=CONTACT_FIELDS), settings, tmp_path / "s",
    )
    assert sandbox_control.requests_to(BATCH_ROUTE) == 1  # five rows, one request
    assert summary.counts == {"succeeded": 2, "failed": 3}
    failed = list(csv.DictReader((summary.run_dir / "failed.csv").open()))
    assert {(f["line"], f["error_code"], f["error_field"]) for f in failed} == {
        ("3", "NOT_FOUND", ""), ("4", "NOT_FOUND", ""), ("5", "INVALID_EMAIL", "email")}
    missing = list(csv.reader((summary.run_dir / MISSING_FILE).open()))
    assert missing[1:] == [["3", "no-such-contact"], ["4", stranger]]
    after = sandbox_control.writes(list_id)
    assert [after[i] - before[i] for i in ids] == [1, 0, 1]
    assert sandbox_control.writes(other_list)[stranger] == 1  # seeded, not updated


async def test_a_batch_patch_update_resumes_only_the_batches_that_failed(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    server = sandbox_factory(
        faults="error@PATCH:/api/v2/campaigns/contactlists/*/contacts=0.5:503,seed=3"
    )
    settings = Settings(
        base_url=server.base_url, client_id=server.client_id,
        client_secret=SecretStr(server.client_secret), max_attempts=1,
    )
    list_id, ids = seeded(server.control, 500)
    path = update_file(tmp_path / "u.csv", ids)
    before = server.control.writes(list_id)

    def job() -> UpdateJob:
        return UpdateJob(concurrency=1, list_id=list_id, capabilities=capabilities_for("v2"))

    first = await run_live(job(), CsvSource(path, aliases=CONTACT_FIELDS), settings,
                           tmp_path / "s")
    assert first.counts.get("failed", 0) and first.counts.get("succeeded", 0), first.counts
    failed = {ids[int(f["line"]) - 2]
              for f in csv.DictReader((first.run_dir / "failed.csv").open())}
    assert len(failed) % 100 == 0  # whole batches of 100, retryable
    at_failure = server.control.writes(list_id)
    assert {i for i in ids if at_failure[i] == before[i]} == failed

    server.control.clear_faults()
    resumed = await run_live(job(), CsvSource(path, aliases=CONTACT_FIELDS), settings,
                             tmp_path / "s", resume=first.run_id)
    assert resumed.run_id == first.run_id
    after = server.control.writes(list_id)
    assert all(after[i] == at_failure[i] + 1 for i in failed)  # sent once more
    assert all(after[i] == at_failure[i] for i in ids if i not in failed)  # never resent
    assert journal_counts(tmp_path / "s") == {"succeeded": 500}
