"""`cxo import`: each row's time zone sent and read back, `--check POLICY` inline, dry runs."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest
from tests.jobs.conftest import Cxo, list_id_for

from cxone_outbound.client.dialect import open_api
from cxone_outbound.config import Settings
from cxone_outbound.report import load_run, render_report
from cxone_outbound.sandbox.control import SandboxControl

NOW = "2026-12-03T15:00:00Z"  # 10:00 in New York, 07:00 in San Francisco


@pytest.fixture
def cxo_in(cxo: Cxo, dialect_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Cxo:
    """`cxo` in the test's dialect (admin: the access key and the list's mapping)."""
    if dialect_settings.dialect == "admin":
        assert dialect_settings.access_key_secret is not None
        monkeypatch.setenv("CXONE_DIALECT", "admin")
        monkeypatch.setenv("CXONE_ACCESS_KEY_ID", str(dialect_settings.access_key_id))
        monkeypatch.setenv("CXONE_ACCESS_KEY_SECRET",
                           dialect_settings.access_key_secret.get_secret_value())
        monkeypatch.setenv("CXONE_LIST_COLUMNS", str(dialect_settings.list_columns))
    return cxo


def _file(tmp_path: Path, rows: list[list[str]],
          header: str = "phone,first_name,last_name,zip") -> Path:
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        writer.writerows(rows)
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _zones(settings: Settings, list_id: str) -> dict[str, object]:
    """Phone -> the `timeZone` the list holds for it, read through the dialect's own API."""
    async def read() -> dict[str, object]:
        async with open_api(settings) as api:
            return {(c.phone or "").lstrip("+"): c.attributes.get("timeZone")
                    async for c in api.iter_contacts(list_id)}

    return asyncio.run(read())


def test_each_row_is_imported_with_its_zone_and_a_row_without_one_is_listed(
    cxo_in: Cxo, dialect_settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id = list_id_for(dialect_settings, sandbox_control, sandbox_control.default_list_id())
    path = _file(tmp_path, [["+12125550101", "A", "B", "94105"],  # ZIP: San Francisco
                            ["+12125550102", "C", "D", ""],  # phone: New York
                            ["+16055550103", "E", "F", ""]])  # South Dakota: two zones
    code, out, err = cxo_in("--json", "import", str(path), "--list", list_id,
                            "--progress", "none")
    assert code == 0, err
    document = json.loads(out)
    assert document["counts"] == {"succeeded": 3}
    assert document["time_zone"]["filled_by_source"] == {"phone": 1, "zip": 1}
    assert document["time_zone"]["left_empty_by_reason"] == {"ambiguous": 1}
    (gap,) = _csv(Path(document["run_dir"]) / "no-time-zone.csv")
    assert (gap["line"], gap["reason"]) == ("4", "ambiguous")
    zones = _zones(dialect_settings, list_id)
    assert zones["12125550101"] == "America/Los_Angeles"
    assert zones["12125550102"] == "America/New_York"
    assert zones["16055550103"] in (None, "")


def test_a_rows_own_zone_wins_and_a_bad_one_fails_that_row_alone(
    cxo: Cxo, tmp_path: Path
) -> None:
    path = _file(tmp_path, [["+12125550101", "A", "B", "America/Phoenix"],
                            ["+12125550102", "C", "D", "Eastern"]], "phone,first_name,last_name,tz")
    code, out, _ = cxo("--json", "import", str(path), "--progress", "none")
    document = json.loads(out)
    assert code == 1 and document["counts"] == {"succeeded": 1, "failed": 1}
    (failed,) = _csv(Path(document["run_dir"]) / "failed.csv")
    assert failed["error_code"] == "INVALID_TIME_ZONE" and failed["line"] == "3"
    assert document["time_zone"]["filled_by_source"] == {"column": 1}


def test_no_time_zone_sends_none(
    cxo: Cxo, settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    path = _file(tmp_path, [["+12125550101", "A", "B", ""]])
    code, out, _ = cxo("--json", "import", str(path), "--no-time-zone", "--progress", "none")
    assert code == 0 and "time_zone" not in json.loads(out)
    zones = _zones(settings, sandbox_control.default_list_id())
    assert zones["12125550101"] is None


def test_check_skips_blocked_rows_imports_not_now_ones_and_lists_both(
    cxo_in: Cxo, dialect_settings: Settings, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id = list_id_for(dialect_settings, sandbox_control, sandbox_control.default_list_id())
    policy = tmp_path / "policy.toml"
    policy.write_text('[regions.US-TX]\nhours = "closed"\n', encoding="utf-8")
    path = _file(tmp_path, [["+12125550111", "A", "B", ""],  # New York, 10:00: dialable
                            ["+14155550112", "C", "D", ""],  # San Francisco, 07:00: not now
                            ["+12145550113", "E", "F", ""]])  # Dallas: never open, blocked
    code, out, err = cxo_in("--json", "import", str(path), "--list", list_id, "--check",
                            str(policy), "--now", NOW, "--progress", "none")
    assert code == 0, err
    document = json.loads(out)
    assert document["counts"] == {"succeeded": 2, "skipped": 1}
    assert document["accounting"]["balanced"] is True
    rows = {r["line"]: r for r in _csv(Path(document["run_dir"]) / "dialability.csv")}
    assert sorted(rows) == ["3", "4"]
    assert (rows["3"]["verdict"], rows["3"]["callable_at"]) == ("not_now", "2026-12-03T16:00:00Z")
    assert rows["4"]["verdict"] == "blocked"
    audit = (Path(document["run_dir"]) / "audit.jsonl").read_text().splitlines()
    (skipped,) = [e for e in map(json.loads, audit) if e.get("state") == "skipped"]
    assert skipped["line"] == 4 and skipped["message"].startswith("BLOCKED: no_window")
    assert rows["4"]["reasons"].startswith("no_window")
    assert "12145550113" not in _zones(dialect_settings, list_id)
    page = render_report(load_run(Path(document["run_dir"]), now=0.0))
    for title in ("Verdicts", "Reasons"):
        assert title in page, title


def test_a_dry_run_counts_screened_rows_as_skipped_not_as_would_send(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    registry = tmp_path / "registry.txt"
    registry.write_text("2125550101\n", encoding="utf-8")
    dnc = tmp_path / "dnc.bin"
    assert cxo("dnc", "compile", f"national={registry}", "-o", str(dnc))[0] == 0
    path = _file(tmp_path, [["+12125550101", "A", "B", ""], ["+12125550102", "C", "D", ""]])
    sandbox_control.reset_counters()
    code, out, err = cxo("--json", "import", str(path), "--scrub-dnc", str(dnc), "--dry-run",
                         "--progress", "none")
    assert code == 0, err
    document = json.loads(out)
    assert document["planned"]["records"] == 1
    assert document["counts"].get("skipped") == 1
    assert document["accounting"]["balanced"] is True
    assert len(_csv(Path(document["run_dir"]) / "scrubbed.csv")) == 1
