"""Every source reads the same workload to the same records; bad input is refused or a row error.

The workload (tests/engine/source_workload.py) holds ints, whole and fractional floats, dates,
booleans, nulls and unicode, written natively into each format; CSV is the reference.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine import source_workload as w
from tests.engine.postgres import postgres_server

from cxone_outbound.engine.job import Source
from cxone_outbound.engine.records import Record
from cxone_outbound.engine.sources import open_file_source, open_sql_source
from cxone_outbound.engine.sources.csv_source import CsvOptions, SourceError
from cxone_outbound.engine.sources.sql_source import masked_dsn
from cxone_outbound.engine.sources.tabular import render_value
from cxone_outbound.jobs.import_ import IMPORT_FIELDS

ROWS = w.contacts(2000)
EXPECTED = [w.expected_text(row) for row in ROWS]
KINDS = ["csv", "xlsx", "parquet", "arrow", "jsonl", "sqlite", "postgresql"]
FIRST_LINE = {"csv": 2, "xlsx": 2}  # a header line/row comes first; others count rows from 1


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_server() as dsn:
        yield dsn


def _load_postgres(dsn: str, rows: list[tuple[Any, ...]], table: str = "contacts") -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(dsn)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(w.create_table_sql("postgresql").replace("contacts", table))
        marks = ", ".join(["%s"] * (len(w.HEADER) + 1))
        conn.exec_driver_sql(f"INSERT INTO {table} VALUES ({marks})",
                             [(i, *row) for i, row in enumerate(rows)])
    engine.dispose()


Opener = Callable[..., Source]


@pytest.fixture
def open_kind(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Opener]:
    """Write `rows` as a source of `kind` and open it (through the one factory the CLI uses).

    A SQL source holds its connection until read to the end; the ones a test leaves unread are
    closed before the server stops."""
    opened: list[Source] = []

    def make(kind: str, rows: list[tuple[Any, ...]] = ROWS, **kw: Any) -> Source:
        aliases = kw.pop("aliases", IMPORT_FIELDS)
        if kind in ("sqlite", "postgresql"):
            if kind == "sqlite":
                dsn = f"sqlite:///{w.write_sqlite(tmp_path / 'c.db', rows)}"
            else:
                dsn = request.getfixturevalue("postgres")
                _load_postgres(dsn, rows)
            opened.append(open_sql_source(w.SELECT, dsn, aliases=aliases, **kw))
            return opened[-1]
        writer = {"csv": w.write_csv, "xlsx": w.write_xlsx, "parquet": w.write_parquet,
                  "arrow": w.write_arrow, "jsonl": w.write_jsonl}[kind]
        suffix = {"arrow": "feather"}.get(kind, kind)
        path = writer(tmp_path / f"contacts.{suffix}", rows)
        mappings = kw.pop("mappings", {})
        return open_file_source(path, csv_options=CsvOptions(mappings=mappings), aliases=aliases,
                                sheet="Contacts" if kind == "xlsx" else None)

    yield make
    for source in opened:
        source.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
def test_every_source_reads_the_workload_as_the_same_records(kind: str, open_kind: Opener) -> None:
    source = open_kind(kind)
    records = list(source)
    assert source.header == w.HEADER
    assert [list(r.raw) for r in records] == EXPECTED
    assert [dict(r.fields) for r in records] == [dict(zip(w.FIELDS, e, strict=True))
                                                 for e in EXPECTED]
    first = FIRST_LINE.get(kind, 1)
    assert [r.line for r in records] == list(range(first, first + len(ROWS)))
    assert [r.key for r in records] == [str(r.line) for r in records]
    assert all(r.error is None for r in records)
    assert source.progress() in (None, 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_map_names_a_column_as_a_field_in_every_source(kind: str, open_kind: Opener) -> None:
    source = open_kind(kind, ROWS[:3], mappings={"score": "priority", "Phone": "mobile_phone"})
    (record, *_) = list(source)
    assert record.fields["priority"] == EXPECTED[0][4]
    assert record.fields["mobile_phone"] == EXPECTED[0][0]
    assert "phone_number" not in record.fields


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet", "arrow", "jsonl"])
def test_a_file_fingerprint_changes_with_its_content(kind: str, open_kind: Opener) -> None:
    first = open_kind(kind, ROWS[:5]).fingerprint()
    assert open_kind(kind, ROWS[:5]).fingerprint() == first
    assert open_kind(kind, ROWS[:6]).fingerprint() != first


def test_a_format_that_is_not_read_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "contacts.xls"
    path.write_bytes(b"old excel")
    with pytest.raises(SourceError, match=r"\.xls files are not read; save it as \.xlsx"):
        open_file_source(path)


def test_a_file_of_another_extension_reads_as_csv_as_before(tmp_path: Path) -> None:
    path = tmp_path / "contacts.export"
    path.write_text("phone\n+14155550100\n")
    assert [dict(r.fields) for r in open_file_source(path)] == [{"phone": "+14155550100"}]


def test_a_tsv_file_reads_tab_separated(tmp_path: Path) -> None:
    path = tmp_path / "c.tsv"
    path.write_text("phone\tname\n+14155550100\tAnn, Jr\n")
    (record,) = list(open_file_source(path, aliases=IMPORT_FIELDS))
    assert dict(record.fields) == {"phone_number": "+14155550100", "name": "Ann, Jr"}


# ------------------------------------------------------------------ JSON Lines


def test_a_jsonl_line_that_is_not_an_object_is_a_row_error_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"phone": "+1", "n": 1}\n{"phone": \n[1, 2]\n\n{"phone": "+2"}\n'
                    '{"phone": "+3", "extra": true}\n')
    records = list(open_file_source(path, aliases=IMPORT_FIELDS))
    summary = [(r.line, r.error.code if r.error else None) for r in records]
    assert summary == [(1, None), (2, "INVALID_JSON"), (3, "NOT_AN_OBJECT"), (5, None), (6, None)]
    assert records[1].raw == ('{"phone": ',)
    assert dict(records[3].fields) == {"phone_number": "+2", "n": "", "extra": ""}
    assert dict(records[4].fields) == {"phone_number": "+3", "n": "", "extra": "true"}


def test_the_jsonl_header_is_every_key_in_the_order_it_first_appears(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('["not an object"]\n{"phone": "+1"}\n{"email": "a@b.c", "phone": "+2"}\n')
    source = open_file_source(path)
    assert source.header == ["phone", "email"]
    assert [r.error.code if r.error else dict(r.fields) for r in source] == [
        "NOT_AN_OBJECT", {"phone": "+1", "email": ""}, {"phone": "+2", "email": "a@b.c"}]


def test_a_jsonl_file_without_any_object_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('["phone"]\n"+1"\n')
    with pytest.raises(SourceError, match="no line is a JSON object"):
        open_file_source(path)


def test_nested_json_values_are_kept_as_json_text(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"phone": "+1", "tags": ["a", "b"], "meta": {"x": 1.0}}\n')
    (record,) = list(open_file_source(path))
    assert record.fields["tags"] == '["a","b"]'
    assert record.fields["meta"] == '{"x":1.0}'


# ------------------------------------------------------------------ Excel


def test_an_xlsx_with_an_empty_header_cell_is_refused_naming_the_cell(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "c.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["phone", "", "name"])
    sheet.write_row(1, 0, ["+1", "x", "Ann"])
    book.close()
    with pytest.raises(SourceError, match="header cell B1 is empty"):
        open_file_source(path)


def test_an_xlsx_sheet_that_does_not_exist_is_refused_naming_the_sheets(
    open_kind: Opener, tmp_path: Path,
) -> None:
    path = w.write_xlsx(tmp_path / "c.xlsx", ROWS[:2])
    with pytest.raises(SourceError, match=r"no sheet named 'People' \(sheets: Notes, Contacts\)"):
        open_file_source(path, sheet="People")


def test_an_xlsx_reads_its_first_sheet_unless_told(tmp_path: Path) -> None:
    path = w.write_xlsx(tmp_path / "c.xlsx", ROWS[:2])
    assert open_file_source(path).header == ["not", "the", "contacts"]


def test_a_file_that_is_not_what_its_extension_says_is_refused(tmp_path: Path) -> None:
    for name in ("c.xlsx", "c.parquet", "c.arrow"):
        path = tmp_path / name
        path.write_text("phone\n+1\n")
        with pytest.raises(SourceError, match="not a readable"):
            open_file_source(path)


# ------------------------------------------------------------------ SQL


def test_a_sql_error_is_one_line_without_the_password(postgres: str) -> None:
    password = masked_password(postgres)
    with pytest.raises(SourceError) as caught:
        open_sql_source("SELECT * FROM no_such_table", postgres)
    message = str(caught.value)
    assert "no_such_table" in message and "does not exist" in message
    assert "\n" not in message
    assert password not in message
    assert "cxo:***@127.0.0.1" in message


def test_a_wrong_password_is_refused_without_showing_it(postgres: str) -> None:
    wrong = postgres.replace(masked_password(postgres), "Wr0ngHorseBattery")
    with pytest.raises(SourceError) as caught:
        open_sql_source("SELECT 1", wrong)
    assert "Wr0ngHorseBattery" not in str(caught.value)
    assert "password authentication failed" in str(caught.value)


def test_the_description_and_fingerprint_never_hold_the_password(postgres: str) -> None:
    source = open_sql_source("SELECT 1 AS phone", postgres)
    password = masked_password(postgres)
    assert password not in source.description
    assert password not in source.fingerprint()
    assert source.description.startswith("sql postgresql+psycopg://cxo:***@127.0.0.1:")
    assert [r.fields for r in source] == [{"phone": "1"}]


def test_a_sql_fingerprint_names_the_query_and_database_not_the_password(tmp_path: Path) -> None:
    db = w.write_sqlite(tmp_path / "c.db", ROWS[:3])
    same = open_sql_source(w.SELECT, f"sqlite:///{db}").fingerprint()
    assert open_sql_source(w.SELECT, f"sqlite:///{db}").fingerprint() == same
    assert open_sql_source(w.SELECT + " LIMIT 2", f"sqlite:///{db}").fingerprint() != same


def test_masked_dsn_hides_the_password_and_password_parameters() -> None:
    assert (masked_dsn("postgresql+psycopg://u:s3cret@db:5432/crm?sslmode=require&password=p2")
            == "postgresql+psycopg://u:***@db:5432/crm?password=***&sslmode=require")


def test_a_missing_sqlite_database_is_refused_not_created(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such SQLite database"):
        open_sql_source("SELECT 1", f"sqlite:///{tmp_path / 'nope.db'}")
    assert not (tmp_path / "nope.db").exists()


def test_a_statement_that_returns_no_rows_is_refused(tmp_path: Path) -> None:
    db = w.write_sqlite(tmp_path / "c.db", ROWS[:1])
    with pytest.raises(SourceError, match="returns no rows"):
        open_sql_source("DELETE FROM contacts", f"sqlite:///{db}")


def test_a_sql_source_read_twice_runs_the_query_again(tmp_path: Path) -> None:
    db = w.write_sqlite(tmp_path / "c.db", ROWS[:4])
    source = open_sql_source(w.SELECT, f"sqlite:///{db}")
    assert [r.line for r in source] == [1, 2, 3, 4]
    assert [r.line for r in source] == [1, 2, 3, 4]


def test_postgres_streams_from_a_server_side_cursor(postgres: str) -> None:
    _load_postgres(postgres, ROWS[:50], table="contacts_small")
    source = open_sql_source('SELECT "Phone" FROM contacts_small ORDER BY id', postgres)
    source.yield_per = 7  # type: ignore[attr-defined]
    records: list[Record] = list(source)
    assert len(records) == 50
    # a named (server-side) cursor was used: psycopg reports it on the DBAPI cursor
    probe = open_sql_source("SELECT 1 AS x", postgres)
    cursor = probe._result.cursor  # type: ignore[attr-defined]
    assert cursor.name, "expected a named server-side cursor"
    probe.close()  # type: ignore[attr-defined]


def masked_password(dsn: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(dsn).password)


# ------------------------------------------------------------------ rendering


@pytest.mark.parametrize(("value", "text"), [
    (None, ""),
    (4155550100.0, "4155550100"),
    (12.5, "12.5"),
    (float("nan"), ""),
    (7, "7"),
    (True, "true"),
    (decimal.Decimal("12.50"), "12.5"),
    (decimal.Decimal("100.00"), "100"),
    (dt.date(2024, 3, 5), "2024-03-05"),
    (dt.datetime(2024, 3, 5), "2024-03-05"),
    (dt.datetime(2024, 3, 5, 14, 30, tzinfo=dt.UTC), "2024-03-05T14:30:00+00:00"),
    (b"\xff\x00", "ff00"),
    ("Zoë", "Zoë"),
])
def test_values_render_as_the_jobs_read_them(value: Any, text: str) -> None:
    assert render_value(value) == text


def test_a_parquet_file_corrupt_part_way_stops_the_read_with_a_clear_error(
    tmp_path: Path,
) -> None:
    import pyarrow.parquet as pq

    from cxone_outbound.engine.sources.arrow_source import ArrowSource
    from cxone_outbound.engine.sources.tabular import SourceBroken

    path = tmp_path / "c.parquet"
    pq.write_table(w.arrow_table(ROWS), path, row_group_size=500, compression="snappy")
    data = bytearray(path.read_bytes())
    groups = pq.read_metadata(path)
    start = groups.row_group(2).column(1).data_page_offset  # inside the third row group
    data[start + 8 : start + 200] = b"\xff" * 192
    path.write_bytes(bytes(data))
    source = ArrowSource(path, batch_rows=500)  # the footer is intact: the file opens
    read = []
    with pytest.raises(SourceBroken, match="unreadable after row 1000"):
        read.extend(source)
    assert len(read) == 1000


def test_a_connection_lost_mid_query_stops_the_read_as_source_lost(postgres: str) -> None:
    import sqlalchemy

    from cxone_outbound.engine.sources.sql_source import SourceLost, SqlSource

    _load_postgres(postgres, ROWS[:300], table="contacts_lost")
    source = SqlSource('SELECT "Phone" FROM contacts_lost ORDER BY id', postgres, yield_per=10)
    records = iter(source)
    first = [next(records) for _ in range(15)]
    killer = sqlalchemy.create_engine(postgres)
    with killer.begin() as conn:
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                             "WHERE pid <> pg_backend_pid() AND usename = current_user "
                             "AND backend_type = 'client backend'")
    killer.dispose()
    with pytest.raises(SourceLost, match="after row 20") as caught:
        first.extend(records)
    assert masked_password(postgres) not in str(caught.value)
    assert len(first) == 20  # the rows already fetched were read; then the loss was reported


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_percent_sign_in_a_query_is_sent_as_written(kind: str, open_kind: Opener) -> None:
    source = open_kind(kind, ROWS[:40])
    dsn = source._url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    query = ("SELECT \"Phone\", 'a%b' AS pct FROM contacts WHERE \"Phone\" LIKE '%01%' "
             "ORDER BY id")
    records = list(open_sql_source(query, dsn))
    assert [r.fields["Phone"] for r in records] == ["+14155550001", "+14155550010",
                                                     "+14155550011", "+14155550012",
                                                     "+14155550013", "+14155550014",
                                                     "+14155550015", "+14155550016",
                                                     "+14155550017", "+14155550018",
                                                     "+14155550019"]
    assert {r.fields["pct"] for r in records} == {"a%b"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_source_read_twice_gives_the_same_records(kind: str, open_kind: Opener) -> None:
    source = open_kind(kind, ROWS[:30])
    first, second = list(source), list(source)
    assert [(r.line, dict(r.fields)) for r in first] == [(r.line, dict(r.fields)) for r in second]
    assert len(first) == 30
