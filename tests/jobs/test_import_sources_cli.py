"""`cxo import` from every kind of source gives the CSV's result against the sandbox.

The same workload (with a bad phone every 40 rows) is imported once from CSV and once from the
other source into two lists; the contacts, counts and row errors must match.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.engine import source_workload as w
from tests.engine.postgres import postgres_server
from tests.jobs.conftest import Cxo

from cxone_outbound.client import CXoneClient
from cxone_outbound.config import Settings
from cxone_outbound.engine.accounting import accounting_of
from cxone_outbound.sandbox.control import SandboxControl

ROWS = [
    ("12345", *row[1:]) if i % 40 == 7 else row for i, row in enumerate(w.contacts(240, seed=5))
]
ATTRIBUTES = ["score", "balance", "joined", "vip", "notes"]


def write(kind: str, directory: Path) -> list[str]:
    """The workload as `kind`; the command-line arguments that read it."""
    if kind == "sqlite":
        db = w.write_sqlite(directory / "crm.db", ROWS)
        return ["--source-sql", w.SELECT, "--dsn", f"sqlite:///{db}"]
    writer = {"csv": w.write_csv, "xlsx": w.write_xlsx, "parquet": w.write_parquet,
              "arrow": w.write_arrow, "jsonl": w.write_jsonl}[kind]
    path = writer(directory / f"contacts.{kind}", ROWS)
    return [str(path), "--sheet", "Contacts"] if kind == "xlsx" else [str(path)]


def contacts_of(settings: Settings, list_id: str) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        async with CXoneClient(settings) as client:
            return sorted([
                (c.phone, c.first_name, c.last_name, c.email,
                 tuple(sorted((k, str(v)) for k, v in c.attributes.items())))
                async for c in client.iter_contacts(list_id)
            ])

    return asyncio.run(read())


def import_(cxo: Cxo, control: SandboxControl, args: list[str]) -> tuple[str, dict[str, Any]]:
    list_id = control.create_list(
        "sources", [{"name": name, "type": "string"} for name in ATTRIBUTES]
    )
    code, out, err = cxo("--json", "import", *args, "--list", list_id, "--progress", "none")
    assert code == 1, err  # the bad phones failed, the rest succeeded
    return list_id, orjson.loads(out)


def failures(summary: dict[str, Any]) -> list[str]:
    with Path(summary["files"]["failed.csv"]).open(newline="") as fh:
        return [f"{row['error_code']} {row['Phone']}" for row in csv.DictReader(fh)]


@pytest.mark.parametrize("kind", ["xlsx", "parquet", "arrow", "jsonl", "sqlite"])
def test_an_import_from_any_source_gives_the_csv_result(
    kind: str, cxo: Cxo, sandbox_control: SandboxControl, settings: Settings, tmp_path: Path
) -> None:
    csv_list, csv_summary = import_(cxo, sandbox_control, write("csv", tmp_path))
    other_list, other_summary = import_(cxo, sandbox_control, write(kind, tmp_path))
    assert other_summary["counts"] == csv_summary["counts"] == {"succeeded": 234, "failed": 6}
    assert failures(other_summary) == failures(csv_summary)
    imported = contacts_of(settings, other_list)
    assert imported == contacts_of(settings, csv_list)
    assert len(imported) == 234
    assert {"score", "balance", "joined", "vip"} <= dict(imported[0][4]).keys()


def test_a_dsn_password_never_shows_in_a_run(
    cxo: Cxo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXONE_SOURCE_DSN", "postgresql+psycopg://crm:Sup3rSecretPw@127.0.0.1:1/x")
    code, out, err = cxo("import", "--source-sql", "SELECT 1", "--dry-run")
    assert code == 2
    assert "Sup3rSecretPw" not in out + err
    assert len(err.strip().splitlines()) <= 4  # a usage error box, not a traceback
    assert "crm:***@127.0.0.1:1/x" in err


def test_a_sql_error_is_exit_2_with_one_line(cxo: Cxo, tmp_path: Path) -> None:
    db = w.write_sqlite(tmp_path / "crm.db", ROWS[:2])
    code, _, err = cxo("import", "--source-sql", "SELECT * FROM nope", "--dsn",
                         f"sqlite:///{db}", "--dry-run")
    assert code == 2
    assert "no such table: nope" in err
    assert "Traceback" not in err


def test_a_jsonl_that_is_not_json_fails_its_rows_and_the_run_goes_on(
    cxo: Cxo, tmp_path: Path
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"phone": "+14155550100", "first_name": "A", "last_name": "B"}\n'
                    "{oops\n"
                    '{"phone": "+14155550101", "first_name": "C", "last_name": "D"}\n')
    code, out, err = cxo("--json", "import", str(path), "--dry-run", "--progress", "none")
    assert code == 1, err  # a failed row; the others were read and planned
    summary = orjson.loads(out)
    assert summary["counts"]["failed"] == 1
    with Path(summary["files"]["failed.csv"]).open(newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["line"], row["error_code"]) == ("2", "INVALID_JSON")


def test_an_xlsx_with_an_empty_header_cell_is_refused_before_anything_is_sent(
    cxo: Cxo, tmp_path: Path
) -> None:
    import xlsxwriter

    path = tmp_path / "c.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row(0, 0, ["phone", "first_name", "", "last_name"])
    book.close()
    code, _, err = cxo("import", str(path))
    assert code == 2
    assert "header cell C1 is empty" in err
    assert not (tmp_path / "state" / "runs").exists()


def test_check_reads_a_query_and_a_parquet_file_like_its_csv(cxo: Cxo, tmp_path: Path) -> None:
    now = "2026-12-03T15:00:00Z"
    verdicts = []
    for args in (write("csv", tmp_path), write("parquet", tmp_path), write("sqlite", tmp_path)):
        code, out, err = cxo("--json", "check", *args, "--now", now, "--progress", "none")
        assert code == 0, err
        verdicts.append(orjson.loads(out)["check"]["verdicts"])
    assert verdicts[0] == verdicts[1] == verdicts[2]
    assert sum(verdicts[0].values()) == len(ROWS)


def test_update_reads_contact_ids_from_json_lines(cxo: Cxo, tmp_path: Path) -> None:
    path = tmp_path / "changes.jsonl"
    path.write_text('{"contactId": "c-1", "firstName": "Zoë", "score": 7}\n'
                    '{"contactId": null, "firstName": "Ann"}\n')
    code, out, err = cxo("--json", "update", str(path), "--dry-run", "--progress", "none")
    summary = orjson.loads(out)
    assert code == 1, err
    assert summary["counts"]["failed"] == 1  # the row without an id
    assert summary["planned"]["records"] == 1


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_server() as dsn:
        yield dsn


def _two_leads(dsn: str, table: str) -> str:
    """A table of two leads (one with a bad phone) on the server; the DSN's password."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(dsn)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {table} (id int, phone text, first_name text, "
                             "last_name text)")
        conn.exec_driver_sql(f"INSERT INTO {table} VALUES (1, '+14155550100', 'Zoë', 'Q'), "
                             "(2, '12345', 'Ann', 'B')")
    engine.dispose()
    return str(sqlalchemy.engine.make_url(dsn).password)


def test_a_run_from_postgresql_never_writes_the_password_anywhere(
    cxo: Cxo, postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = _two_leads(postgres, "leads")
    monkeypatch.setenv("CXONE_SOURCE_DSN", postgres)
    code, out, err = cxo("--json", "import", "--source-sql", "SELECT * FROM leads ORDER BY id",
                         "--dry-run", "--progress", "none")
    assert code == 1, err  # the bad phone
    summary = orjson.loads(out)
    assert summary["counts"] == {"failed": 1}
    assert summary["input"].startswith("sql postgresql+psycopg://cxo:***@127.0.0.1:")
    shown = cxo("--json", "runs", "show", summary["run_id"])[1]
    assert orjson.loads(shown)["input"] == summary["input"]
    listed = cxo("--json", "runs", "list")[1] + shown
    state = tmp_path / "state"
    written = b"".join(p.read_bytes() for p in state.rglob("*") if p.is_file())
    assert password.encode() not in written
    assert password not in out + err + listed


def test_a_password_dsn_on_the_command_line_is_warned_about_and_never_written(
    cxo: Cxo, postgres: str, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    password = _two_leads(postgres, "flagged")
    list_id = sandbox_control.create_list("flagged")
    code, out, err = cxo("--json", "import", "--source-sql", "SELECT * FROM flagged ORDER BY id",
                         "--dsn", postgres, "--list", list_id, "--progress", "none")
    assert code == 1, err  # a real run: one row imported, the bad phone failed
    summary = orjson.loads(out)
    assert summary["counts"] == {"succeeded": 1, "failed": 1}
    (warning,) = [line for line in err.splitlines() if "--dsn holds a password" in line]
    assert "CXONE_SOURCE_DSN" in warning and "127.0.0.1" not in warning
    state = tmp_path / "state"
    files = [p for p in state.rglob("*") if p.is_file()]
    assert {"audit.jsonl", "summary.json", "failed.csv"} <= {p.name for p in files}
    written = b"".join(p.read_bytes() for p in files)
    assert password.encode() not in written
    assert password not in out + err


def test_a_dsn_from_the_environment_is_not_warned_about(
    cxo: Cxo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = w.write_sqlite(tmp_path / "crm.db", ROWS[:2])
    monkeypatch.setenv("CXONE_SOURCE_DSN", f"sqlite:///{db}")
    code, _, err = cxo("import", "--source-sql", w.SELECT, "--dry-run", "--progress", "none")
    assert code == 0, err
    assert "--dsn holds a password" not in err


def test_a_dsn_password_is_kept_out_of_a_refused_connection_message(
    cxo: Cxo, tmp_path: Path
) -> None:
    dsn = "postgresql+psycopg://crm:Fl4gPassw0rd@127.0.0.1:1/x?sslpassword=Second%2FSecret"
    code, out, err = cxo("import", "--source-sql", "SELECT 1", "--dsn", dsn, "--dry-run")
    assert code == 2
    assert "--dsn holds a password" in err
    for secret in ("Fl4gPassw0rd", "Second%2FSecret", "Second/Secret"):
        assert secret not in out + err
        assert not any(secret.encode() in p.read_bytes()
                       for p in (tmp_path / "state").rglob("*") if p.is_file())


def test_a_file_that_breaks_part_way_exits_2_and_its_summary_says_the_input_was_not_all_read(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    rows = w.contacts(10_000, seed=3)  # groups of 1000 rows, read 8192 (BATCH_ROWS) at a time
    path = tmp_path / "c.parquet"
    pq.write_table(w.arrow_table(rows), path, row_group_size=1000, compression="snappy")
    data = bytearray(path.read_bytes())
    start = pq.read_metadata(path).row_group(9).column(1).data_page_offset
    data[start + 8 : start + 200] = b"\xff" * 192  # the last group: the second batch breaks
    path.write_bytes(bytes(data))
    list_id = sandbox_control.create_list(
        "broken", [{"name": name, "type": "string"} for name in ATTRIBUTES])
    code, out, err = cxo("--json", "import", str(path), "--list", list_id, "--progress", "none")
    assert code == 2, err  # bad input, not "finished with failed records"
    summary = orjson.loads(out)
    assert summary["status"] == "failed"
    accounting = summary["accounting"]
    assert accounting["input_complete"] is False
    assert 0 < accounting["read"] < len(rows)
    assert accounting["balanced"] is True  # every line read is accounted for, none sent twice
    assert accounting["read"] == 8192 == sum(
        accounting[k] for k in ("succeeded", "failed", "skipped", "in_flight", "not_sent"))
    assert accounting["succeeded"] > 0  # the chunks sent before the break were answered
    assert "unreadable after row 8192" in summary["fatal_error"]
    assert "NOT read to its end" in accounting_of(summary).render()
    assert "Traceback" not in err
