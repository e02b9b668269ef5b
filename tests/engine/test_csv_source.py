"""CsvSource: streaming, dialects, aliases, and bad rows as records with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.engine.fakes import write_csv

from cxone_outbound.engine.sources.csv_source import (
    CsvOptions,
    CsvSource,
    SourceError,
    parse_mappings,
)


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


@pytest.mark.parametrize(("line", "code"), [
    (b"1,caf\xe9,extra", "RAGGED_ROW"),  # ragged first: its bad byte is still replaced
    (b"1,n\x00u\xff", "NUL_BYTE"),
    (b'1,"caf\xe9', "UNTERMINATED_QUOTE"),
])
def test_a_bad_row_holding_an_undecodable_byte_can_be_written_back(
    tmp_path: Path, line: bytes, code: str
) -> None:
    """Whatever the row's error, its cells go to failed.csv: a byte left undecoded (a
    surrogate) would stop the run there, with its outcomes uncommitted."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,name\n" + line + b"\n")
    (bad, *_) = records(path)
    assert bad.error is not None and bad.error.code == code
    assert "\ufffd" in "".join(bad.raw)
    "".join(bad.raw).encode("utf-8")  # no surrogate, no NUL left
    assert "\x00" not in "".join(bad.raw)


def test_latin1_encoding_reads_the_same_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"id,name\n1,caf\xe9\n")
    (record,) = records(path, options=CsvOptions(encoding="latin-1"))
    assert record.fields["name"] == "café"


def test_delimiter_option(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id;name\n1;a\n")
    (record,) = records(path, options=CsvOptions(delimiter=";"))
    assert record.fields == {"id": "1", "name": "a"}


def test_over_long_line_is_a_row_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id,blob\n1," + "x" * 200 + "\n2,y\n")
    bad, good = records(path, options=CsvOptions(record_limit=100))
    assert bad.error is not None and bad.error.code == "LINE_TOO_LONG" and bad.line == 2
    assert good.fields == {"id": "2", "blob": "y"}


def test_unterminated_quote_fails_its_row_and_the_rows_after_it_are_read(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "a.csv", 'id,name\n1,"Ann\n2,Bob\n3,Cy\n')
    got = records(path)
    assert [(r.line, r.error.code if r.error else None) for r in got] == [
        (2, "UNTERMINATED_QUOTE"),
        (3, None),
        (4, None),
    ]
    assert [r.fields for r in got[1:]] == [{"id": "2", "name": "Bob"}, {"id": "3", "name": "Cy"}]


def test_stray_quote_closed_later_does_not_swallow_the_rows_between(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", 'id,name\n1,"Ann\n2,Bob\n3,"Cy"x\n4,Di\n')
    got = records(path)
    assert [r.line for r in got] == [2, 3, 4, 5]
    assert got[0].error is not None and got[0].error.code == "MALFORMED_ROW"
    assert [r.fields["id"] for r in got[1:] if r.error is None] == ["2", "4"]


def test_quoted_value_that_never_closes_within_the_limit_fails_only_its_row(
    tmp_path: Path,
) -> None:
    rows = "".join(f"{i},n{i}\n" for i in range(3, 30))
    path = write_csv(tmp_path / "a.csv", 'id,name\n1,"Ann\n' + rows)
    got = records(path, options=CsvOptions(record_limit=40))
    assert got[0].line == 2 and got[0].error is not None
    assert got[0].error.code == "UNTERMINATED_QUOTE"
    assert all(r.error is None for r in got[1:]) and len(got) == 28


def test_nul_byte_fails_its_row_alone(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "id,name\n1,A\x00n\n2,Bob\n")
    bad, good = records(path)
    assert bad.error is not None and bad.error.code == "NUL_BYTE" and bad.line == 2
    assert good.fields == {"id": "2", "name": "Bob"}


def test_over_long_header_is_a_usage_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "x" * 500 + "\n1\n")
    with pytest.raises(SourceError, match="header is longer than"):
        CsvSource(path, CsvOptions(record_limit=100))


def test_over_long_line_is_skipped_without_reading_it_whole(tmp_path: Path) -> None:
    """A line far past the limit is skipped in pieces; the next line is still line 3."""
    path = tmp_path / "a.csv"
    with path.open("w") as fh:
        fh.write("id,blob\n1,")
        for _ in range(64):
            fh.write("y" * 65536)
        fh.write("\n2,z\n")
    bad, good = records(path, options=CsvOptions(record_limit=1000))
    assert bad.error is not None and bad.error.code == "LINE_TOO_LONG"
    assert (good.line, good.fields) == (3, {"id": "2", "blob": "z"})


def test_a_200k_column_header_is_read_and_its_rows_too(tmp_path: Path) -> None:
    """The header checks are linear: 200,000 columns took minutes when they were not."""
    names = [f"c{i}" for i in range(200_000)]
    path = write_csv(tmp_path / "a.csv", ",".join(names) + "\n" + ",".join(names) + "\n")
    (record,) = records(path)
    assert record.error is None and record.fields["c199999"] == "c199999"


def test_wide_header_duplicate_check_names_the_duplicates(tmp_path: Path) -> None:
    names = [f"c{i}" for i in range(200_000)] + ["c7"]
    path = write_csv(tmp_path / "a.csv", ",".join(names) + "\n")
    with pytest.raises(SourceError, match="'c7'"):
        CsvSource(path)


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


# NUL is never data (the API refuses it): it has its own test
cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)


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
