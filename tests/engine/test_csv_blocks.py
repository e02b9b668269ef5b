"""The fast way through a CSV file (`csv_blocks`) reads every file as the full grammar does."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cxone_outbound.engine.records import Record
from cxone_outbound.engine.sources.csv_source import CsvOptions, CsvSource

PIECES = ["a", "bc", "é", " ", ",", ";", "\n", "\r\n", "\r", '"', '""', "\x00", "\xff", "\ufeff"]


def seen(records: list[Record]) -> list[tuple[object, ...]]:
    return [(r.key, r.line, dict(r.fields), list(r.raw), r.error) for r in records]


def both_ways(path: Path, options: CsvOptions, block_bytes: int) -> tuple[list[Record], ...]:
    fast = CsvSource(path, options)
    fast.block_bytes = block_bytes
    grammar = CsvSource(path, options)
    return list(fast), list(grammar._parsed(0, 0))


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(st.sampled_from(PIECES), max_size=60),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252"]),
    block_bytes=st.integers(1, 64),
    crlf_header=st.booleans(),
)
def test_any_file_reads_the_same_the_fast_way_and_by_the_grammar(
    tmp_path_factory: object, body: list[str], delimiter: str, encoding: str,
    block_bytes: int, crlf_header: bool,
) -> None:
    folder = tmp_path_factory.mktemp("blocks")  # type: ignore[attr-defined]
    path = folder / "a.csv"
    header = delimiter.join(["id", "name", "note"]) + ("\r\n" if crlf_header else "\n")
    text = header + "".join(body)
    data = text.encode("utf-8", "surrogateescape") if encoding.startswith("utf") else (
        text.encode("latin-1", "replace"))
    path.write_bytes(data)
    fast, grammar = both_ways(path, CsvOptions(encoding=encoding, delimiter=delimiter), block_bytes)
    assert seen(fast) == seen(grammar)


def test_a_quote_after_plain_blocks_is_read_by_the_grammar_from_its_block_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.csv"
    rows = [f"{n},Name{n}" for n in range(200)]
    rows[150] = '150,"Name, with a comma\nand a line"'
    path.write_text("id,name\n" + "\n".join(rows) + "\n1,\"open\n")
    fast, grammar = both_ways(path, CsvOptions(), 256)
    assert seen(fast) == seen(grammar)
    assert fast[150].fields["name"] == "Name, with a comma\nand a line"
    assert fast[-1].error is not None and fast[-1].error.code == "UNTERMINATED_QUOTE"


def test_an_over_long_line_in_a_plain_file_is_its_row_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,blob\n1,a\n2," + "x" * 500 + "\n3,c\n")
    fast, grammar = both_ways(path, CsvOptions(record_limit=100), 8)
    assert seen(fast) == seen(grammar)
    assert [r.error.code if r.error else None for r in fast] == [None, "LINE_TOO_LONG", None]


def test_progress_moves_a_block_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id,name\n" + "".join(f"{n},x\n" for n in range(1000)))
    source = CsvSource(path)
    source.block_bytes = 1000
    fractions = []
    for record in source:
        fractions.append(source.progress())
        assert record.error is None
    assert fractions == sorted(fractions) and 0 < fractions[0] < 0.2 and fractions[-1] == 1.0
