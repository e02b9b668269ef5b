"""Acceptance: an import scrubbed against DNC files and the tenant's DNC groups (sandbox)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.engine.live import run_live
from tests.jobs.conftest import list_id_for

from cxone_outbound.cli.main import invoke
from cxone_outbound.client import CXoneClient
from cxone_outbound.client.dialect import open_api
from cxone_outbound.config import Settings
from cxone_outbound.dnc import DncFile, DncScreen, DncSource, compile_dnc
from cxone_outbound.engine import CsvSource
from cxone_outbound.jobs.import_ import IMPORT_FIELDS, ImportJob, ImportOptions
from cxone_outbound.jobs.screening import ScreeningJob, read_tenant_dnc


def _contacts(path: Path, n: int) -> list[str]:
    phones = [f"+1415234{i:04d}" for i in range(n)]
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["phone_number", "first_name", "last_name"])
        writer.writerows([p, f"F{i}", f"L{i}"] for i, p in enumerate(phones))
    return phones


def _dnc(tmp_path: Path, federal: list[str], internal: list[str]) -> Path:
    (tmp_path / "federal.txt").write_text("".join(f"{p[2:]}\n" for p in federal))  # 10-digit
    (tmp_path / "internal.txt").write_text("# opt-outs\r\n" + "".join(f"{p}\r\n" for p in internal))
    out = tmp_path / "dnc.bin"
    compile_dnc([DncSource("federal", tmp_path / "federal.txt"),
                 DncSource("internal", tmp_path / "internal.txt")], out)
    return out


def _scrubbed(run_dir: Path) -> dict[str, str]:
    with (run_dir / "scrubbed.csv").open(newline="") as fh:
        # cells starting with + are neutralised with a ' like every result file's (formulas)
        return {row["phone_e164"].removeprefix("'"): row["dnc_source"]
                for row in csv.DictReader(fh)}


async def test_dnc_matches_are_skipped_with_their_source_and_never_uploaded(
    tmp_path: Path, dialect_settings: Settings, sandbox_control, settings: Settings
) -> None:
    phones = _contacts(tmp_path / "c.csv", 300)
    federal, internal, tenant = phones[0:40], phones[30:60], phones[100:110]
    dnc_path = _dnc(tmp_path, federal, internal)
    async with CXoneClient(settings) as client:
        for phone in tenant:
            await client.create_suppression(phone, reason="asked not to be called")
    async with open_api(dialect_settings) as api:
        index = await read_tenant_dnc(api, now=datetime.now(UTC))
    list_id = sandbox_control.default_list_id()
    target = list_id_for(dialect_settings, sandbox_control, list_id)
    screen = DncScreen([DncFile(dnc_path)], index)
    job = ScreeningJob(
        ImportJob(ImportOptions(list_id=target, chunk_size=50, poll_initial_s=0.05)),
        lambda item: item.payload[0],
        header=["phone_number", "first_name", "last_name"],
        screen=screen,
    )
    try:
        summary = await run_live(job, CsvSource(tmp_path / "c.csv", aliases=IMPORT_FIELDS),
                                 dialect_settings, tmp_path / "state")
    finally:
        screen.close()
    listed = {*federal, *internal, *tenant}
    assert summary.counts == {"succeeded": 300 - len(listed), "skipped": len(listed)}
    assert sum(summary.counts.values()) == 300  # every line read has one outcome
    expected = {p: "federal" for p in federal} | {p: "internal" for p in phones[40:60]}
    expected |= {p: "tenant" for p in tenant}
    assert _scrubbed(summary.run_dir) == expected
    uploaded = set(sandbox_control.writes(list_id))
    assert len(uploaded) == 300 - len(listed)
    document = json.loads((summary.run_dir / "summary.json").read_text())
    assert document["dnc"]["by_source"] == {"federal": 40, "internal": 20, "tenant": 10}


def test_cxo_import_scrub_dnc_counts_matches_in_the_summary(
    tmp_path: Path, settings: Settings, sandbox_control, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CXONE_CLIENT_ID", settings.client_id)
    monkeypatch.setenv("CXONE_CLIENT_SECRET", settings.client_secret.get_secret_value())
    phones = _contacts(tmp_path / "c.csv", 20)
    dnc_path = _dnc(tmp_path, phones[:3], phones[3:5])
    code = invoke(["--base-url", settings.base_url, "--json", "import", str(tmp_path / "c.csv"),
                   "--scrub-dnc", str(dnc_path), "--state-dir", str(tmp_path / "state"),
                   "--progress", "none"])
    out = capsys.readouterr()
    assert code == 0, out.err
    document = json.loads(out.out)
    assert document["counts"] == {"succeeded": 15, "skipped": 5}
    assert document["dnc"]["scrubbed"] == 5
    assert document["dnc"]["by_source"] == {"federal": 3, "internal": 2}


def test_an_unreadable_dnc_file_is_a_usage_error_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_STATE_DIR", str(tmp_path / "state"))
    _contacts(tmp_path / "c.csv", 2)
    (tmp_path / "dnc.txt").write_text("2125550101\n")
    code = invoke(["import", str(tmp_path / "c.csv"), "--scrub-dnc", str(tmp_path / "dnc.txt")])
    assert code == 2
    assert "not a compiled DNC file" in capsys.readouterr().err
    assert not (tmp_path / "state" / "runs").exists()


@pytest.mark.parametrize("grouped", [False, True], ids=["per-contact", "batch-patch"])
def test_cxo_update_skips_a_row_that_would_write_a_listed_phone(
    tmp_path: Path, settings: Settings, sandbox_control, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], grouped: bool,
) -> None:
    monkeypatch.setenv("CXONE_CLIENT_ID", settings.client_id)
    monkeypatch.setenv("CXONE_CLIENT_SECRET", settings.client_secret.get_secret_value())
    list_id = sandbox_control.default_list_id()
    contacts = sandbox_control.add_contacts(
        list_id, [{"phone": f"+1415234{i:04d}", "firstName": "A", "lastName": "B"}
                  for i in range(4)])
    listed = "+13125550142"
    dnc_path = _dnc(tmp_path, [listed], [])
    before = [sandbox_control.contact_writes(c["id"]) for c in contacts]
    with (tmp_path / "u.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["contactId", "phone", "first_name"])
        writer.writerow([contacts[0]["id"], "(312) 555-0142", "X"])  # listed, written nationally
        writer.writerow([contacts[1]["id"], "+13125550143", "Y"])
        writer.writerow([contacts[2]["id"], "", "Z"])  # no phone written: nothing to scrub
    code = invoke(["--base-url", settings.base_url, "--json", "update", str(tmp_path / "u.csv"),
                   "--scrub-dnc", str(dnc_path), "--state-dir", str(tmp_path / "state"),
                   "--progress", "none", *(["--list", list_id] if grouped else [])])
    out = capsys.readouterr()
    assert code == 0, out.err
    document = json.loads(out.out)
    assert document["counts"] == {"succeeded": 2, "skipped": 1}
    assert document["dnc"]["by_source"] == {"federal": 1}
    after = [sandbox_control.contact_writes(c["id"]) for c in contacts]
    assert [a - b for a, b in zip(after, before, strict=True)] == [0, 1, 1, 0]
