"""Acceptance: the import job against the real sandbox (exactly-once, faults, bad rows)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from pydantic import SecretStr
from tests.engine.live import run_live
from tests.jobs.conftest import SANDBOX_LIST_COLUMNS, list_id_for

from cxone_outbound.config import Settings
from cxone_outbound.engine import CsvSource
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions

BAD_KINDS = ("12345", "", "not-an-email")


def make_file(path: Path, n: int, bad_every: int = 10) -> tuple[set[str], dict[int, str]]:
    """`n` rows, every `bad_every`-th one bad; the good phones, and bad line -> expected code."""
    good: set[str] = set()
    bad: dict[int, str] = {}
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name", "email", "tier"])
        for i in range(n):
            phone, first, email = f"+1415{i:07d}", f"F{i}", f"u{i}@example.com"
            line = i + 2
            if i % bad_every == 0:
                kind = (i // bad_every) % 3
                if kind == 0:
                    phone, bad[line] = "12345", "INVALID_E164"
                elif kind == 1:
                    first, bad[line] = "", "MISSING_FIRST_NAME"
                else:
                    email, bad[line] = "not-an-email", "INVALID_EMAIL"
            else:
                good.add(phone)
            writer.writerow([phone, first, f"L{i}", email, random.choice("ab")])
    return good, bad


def failed_rows(run_dir: Path) -> dict[int, str]:
    with (run_dir / "failed.csv").open(newline="") as fh:
        return {int(r["line"]): r["error_code"] for r in csv.DictReader(fh)}


async def imported_phones_once(sandbox_control, list_id: str, good: set[str]) -> None:
    writes = sandbox_control.writes(list_id)
    assert len(writes) == len(good)
    assert set(writes.values()) == {1}


async def test_10k_import_with_10_percent_bad_rows(
    tmp_path: Path, dialect_settings: Settings, sandbox_control
) -> None:
    good, bad = make_file(tmp_path / "c.csv", 10_000)
    list_id = sandbox_control.default_list_id()
    target = list_id_for(dialect_settings, sandbox_control, list_id)
    job = ImportJob(ImportOptions(list_id=target, chunk_size=1000, poll_initial_s=0.05), ["tier"])
    summary = await run_live(
        job, CsvSource(tmp_path / "c.csv", aliases=IMPORT_FIELDS), dialect_settings,
        tmp_path / "state",
    )
    assert summary.counts == {"succeeded": 9000, "failed": 1000}
    assert failed_rows(summary.run_dir) == bad
    await imported_phones_once(sandbox_control, list_id, good)


@pytest.mark.slow
async def test_import_under_faults_loses_nothing_and_writes_nothing_twice(
    tmp_path: Path, sandbox_factory, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sandbox_factory(faults="error=0.1:503,drop=0.02,storm=2s@15,revoke_after=25,seed=3")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    settings = Settings(
        base_url=server.base_url,
        client_id=server.client_id,
        client_secret=SecretStr(server.client_secret),
        max_attempts=12,
        dialect=dialect,
        list_columns=SANDBOX_LIST_COLUMNS,
        access_key_id=server.access_key_id,
        access_key_secret=SecretStr(server.access_key_secret),
    )
    _, bad = make_file(tmp_path / "c.csv", 3000)
    list_id = server.control.default_list_id()
    target = list_id_for(settings, server.control, list_id)
    job = ImportJob(ImportOptions(list_id=target, chunk_size=100, poll_initial_s=0.05), ["tier"])
    summary = await run_live(
        job, CsvSource(tmp_path / "c.csv", aliases=IMPORT_FIELDS), settings, tmp_path / "state"
    )
    failed = failed_rows(summary.run_dir)
    assert summary.counts.get("in-flight", 0) == 0
    assert sum(summary.counts.values()) == 3000
    assert failed == bad  # every bad row with its reason, and no good row lost to the faults
    writes = server.control.writes(list_id)
    assert set(writes.values()) <= {1}  # nothing written twice
    assert len(writes) == summary.counts["succeeded"]
    assert summary.metrics["throttled_429"] > 0 and summary.metrics["retries"] > 0
