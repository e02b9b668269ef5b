"""CsvSource: streaming, dialects, aliases, and bad rows as records with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.engine.fakes import write_csv

from cxone_outbound.engine.csv_source import CsvOptions, CsvSource, SourceError, parse_mappings


def records(path: Path, **kw: object) -> list:
    return list(CsvSource(path, **kw))  # type: ignore[arg-type]


def test_bom_and_crlf_are_read_transparently(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "\ufeffid,name\r\n1,Ann\r\n")
    source = CsvSource(path)
    assert source.header == ["id", "name"]
    assert [r.fields for r in source] == [{"id": "1", "name": "Ann"}]


def test_quoted_newline_keeps_the_line_the_record_starts_on(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 'id,note\n1,"two\nlines"\n2,x\n')
    got = records(path)
    assert [(r.line, r.fields["note"]) for r in got] == [(2, "two\nlines"), (4, "x")]


def test_ragged_row_becomes_an_error_record_and_reading_goes_on(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id,name\n1\n2,b\n")
    bad, good = records(path)
    assert bad.error is not None and bad.error.code == "RAGGED_ROW" and bad.line == 2
    assert good.fields == {"id": "2", "name": "b"}


def test_undecodable_bytes_become_an_error_record(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,name\n1,caf\xe9\n2,ok\n")
    bad, good = records(path)
    assert bad.error is not None and bad.error.code == "UNDECODABLE_ROW" and bad.line == 2
    assert good.error is None


def test_latin1_encoding_reads_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,name\n1,caf\xe9\n")
    (record,) = records(path, options=CsvOptions(encoding="latin-1"))
    assert record.fields["name"] == "café"


def test_delimiter_option(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id;name\n1;a\n")
    (record,) = records(path, options=CsvOptions(delimiter=";"))
    assert record.fields == {"id": "1", "name": "a"}


def test_over_long_field_is_a_row_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id,blob\n1," + "x" * 200 + "\n2,y\n")
    bad, good = records(path, options=CsvOptions(field_limit=100))
    assert bad.error is not None and bad.error.code == "UNREADABLE_ROW"
    assert good.fields == {"id": "2", "blob": "y"}


def test_aliases_and_map_name_the_fields(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "Contact ID,First-Name,cell\n1,a,+1\n")
    source = CsvSource(
        path,
        CsvOptions(mappings=parse_mappings(["cell=phone"])),
        aliases={"contactId": ["contact_id"], "firstName": ["first_name"]},
    )
    assert source.columns == ["contactId", "firstName", "phone"]


def test_map_naming_an_unknown_column_is_a_usage_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id\n1\n")
    with pytest.raises(SourceError, match="not in the header"):
        CsvSource(path, CsvOptions(mappings={"nope": "x"}))


def test_empty_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no header"):
        CsvSource(write_csv(tmp_path / "a.csv", ""))


def test_unknown_encoding_is_a_usage_error() -> None:
    with pytest.raises(SourceError, match="unsupported encoding"):
        CsvOptions(encoding="ebcdic")


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    a = CsvSource(write_csv(tmp_path / "a.csv", "id\n1\n")).fingerprint()
    b = CsvSource(write_csv(tmp_path / "b.csv", "id\n2\n")).fingerprint()
    assert a != b


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=8))
def test_any_written_csv_reads_back_cell_for_cell(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str]]
) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    path = write_csv(tmp_path_factory.mktemp("h") / "x.csv", buffer.getvalue())
    got = [(r.fields["a"], r.fields["b"]) for r in CsvSource(path)]
    assert got == rows
