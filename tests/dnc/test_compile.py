"""`compile_dnc` and `DncFile`: registry lines in, a sorted deduplicated file out, lookups."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxone_outbound.dnc import (
    DncFile,
    DncFileError,
    DncSource,
    RefusedLine,
    compile_dnc,
    parse_dnc_line,
    parse_source_arg,
)
from cxone_outbound.dnc.compile import _lines
from cxone_outbound.dnc.numbers import LineRefused


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _compile(tmp_path: Path, *sources: tuple[str, str | bytes], **kw: object) -> tuple[
        DncFile, list[RefusedLine]]:
    refused: list[RefusedLine] = []
    files = [DncSource(name, _write(tmp_path / f"{name}.txt", text)) for name, text in sources]
    out = tmp_path / "dnc.bin"
    compile_dnc(files, out, on_refused=refused.append, **kw)  # type: ignore[arg-type]
    return DncFile(out), refused


def test_registry_shapes_are_read_as_e164_keys() -> None:
    assert parse_dnc_line(b"2125550101\r\n") == 12125550101
    assert parse_dnc_line(b"(212) 555-0101") == 12125550101
    assert parse_dnc_line(b"212,5550101") == 12125550101
    assert parse_dnc_line(b"12125550101") == 12125550101
    assert parse_dnc_line(b"+1 212 555 0101") == 12125550101
    assert parse_dnc_line(b"+442079460000") == 442079460000


def test_blank_and_comment_lines_are_not_numbers_nor_refusals() -> None:
    assert parse_dnc_line(b"\r\n") is None
    assert parse_dnc_line(b"   # exported 2026-12-01\n") is None
    assert parse_dnc_line(b"2125550101  # opted out by phone") == 12125550101


@pytest.mark.parametrize(
    "line", [b"hello", b"1125550101", b"2121550101", b"555-0101", b"+0441234567", b"+1212555010",
             b"+12345678901234567", b"\xff\xfe2125550101"],
)
def test_unreadable_lines_are_refused_with_a_reason(line: bytes) -> None:
    result = parse_dnc_line(line)
    assert isinstance(result, LineRefused) and result.reason


def test_malformed_lines_are_reported_with_line_numbers_and_counted(tmp_path: Path) -> None:
    dnc, refused = _compile(
        tmp_path, ("federal", "2125550101\r\nnot a number\r\n\r\n# note\r\n12\r\n3105550199\r\n")
    )
    with dnc:
        assert [(r.source, r.line) for r in refused] == [("federal", 2), ("federal", 5)]
        stats = dnc.sources[0]
        assert (stats.lines, stats.numbers, stats.refused, stats.unique) == (6, 2, 2, 2)
        assert "+12125550101" in dnc and "+13105550199" in dnc


def test_duplicates_are_kept_once(tmp_path: Path) -> None:
    dnc, _ = _compile(tmp_path, ("a", "2125550101\n(212) 555-0101\n+12125550101\n2125550102\n"))
    with dnc:
        assert len(dnc) == 2
        assert dnc.sources[0].numbers == 4 and dnc.sources[0].unique == 2


def test_a_match_names_the_first_source_that_listed_the_number(tmp_path: Path) -> None:
    dnc, _ = _compile(
        tmp_path,
        ("federal", "2125550101\n2125550102\n"),
        ("internal", "2125550102\n+442079460000\n"),
    )
    with dnc:
        assert dnc.match("+12125550101") == "federal"
        assert dnc.match("+12125550102") == "federal"  # in both: the first named wins
        assert dnc.match("+442079460000") == "internal"
        assert dnc.match("+12125550103") is None
        assert [s.unique for s in dnc.sources] == [2, 1]


def test_many_small_runs_merge_to_the_same_file_as_one_run(tmp_path: Path) -> None:
    lines = "".join(f"{2125550000 + (i * 7919) % 5000}\n" for i in range(3000))
    one_dir = tmp_path / "one"
    one_dir.mkdir()
    one, _ = _compile(one_dir, ("a", lines))
    many_dir = tmp_path / "many"
    many_dir.mkdir()
    many, _ = _compile(many_dir, ("a", lines), run_size=97, block=13)
    with one, many:
        assert len(one) == len(many) == 3000
        assert one.path.read_bytes()[4096:] == many.path.read_bytes()[4096:]  # past the header


def test_a_file_that_is_not_compiled_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(DncFileError, match="not a compiled DNC file"):
        DncFile(_write(tmp_path / "plain.txt", "2125550101\n"))


def test_source_arguments_may_name_the_source() -> None:
    assert parse_source_arg("federal=ftc/2026-12.txt") == DncSource(
        "federal", Path("ftc/2026-12.txt"))
    assert parse_source_arg("lists/optouts.txt").name == "optouts"


_keys = st.integers(min_value=2_000_000_000, max_value=9_999_999_999).filter(
    lambda n: str(n)[3] not in "01")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listed=st.lists(_keys, max_size=300), probes=st.lists(_keys, max_size=100))
def test_membership_equals_a_sets(tmp_path_factory: pytest.TempPathFactory, listed: list[int],
                                  probes: list[int]) -> None:
    work = tmp_path_factory.mktemp("prop")
    dnc, _ = _compile(work, ("s", "".join(f"{n}\n" for n in listed)), run_size=37, block=11)
    expected = {f"+1{n}" for n in listed}
    with dnc:
        assert len(dnc) == len(expected)
        for n in [*probes, *listed[:50]]:
            assert (f"+1{n}" in dnc) == (f"+1{n}" in expected)


def test_lookups_cross_page_boundaries(tmp_path: Path) -> None:
    listed = range(2125550000, 2125550000 + 3 * 5000, 3)  # ~10 pages of keys
    dnc, _ = _compile(tmp_path, ("s", "".join(f"{n}\n" for n in listed)), run_size=1000)
    with dnc:
        assert all(f"+1{n}" in dnc for n in listed)
        assert not any(f"+1{n + 1}" in dnc for n in listed)
        assert "+12125549999" not in dnc and "+19999999999" not in dnc


def test_a_line_too_long_for_any_number_is_refused_once_without_being_held(
    tmp_path: Path,
) -> None:
    dnc, refused = _compile(tmp_path, ("s", b"2125550101\n" + b"9" * 5000 + b"\n2125550102\n"))
    with dnc:
        assert [(r.line, r.reason) for r in refused] == [(2, "longer than any phone number line")]
        assert len(dnc) == 2 and dnc.sources[0].lines == 3


def test_an_empty_source_compiles_to_an_empty_file(tmp_path: Path) -> None:
    dnc, refused = _compile(tmp_path, ("empty", ""))
    with dnc:
        assert len(dnc) == 0 and refused == [] and "+12125550101" not in dnc


@given(data=st.binary(max_size=300), block=st.integers(1, 64))
def test_lines_read_in_blocks_are_the_files_lines(data: bytes, block: int) -> None:
    parts = data.split(b"\n")
    expected = parts[:-1] + ([parts[-1]] if parts[-1] else [])
    assert list(_lines(io.BytesIO(data), block)) == expected
