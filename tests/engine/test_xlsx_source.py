"""The streamed .xlsx reader: cells by type, sparse rows, shared and inline strings (issue 18).

Sheets this small are read by python-calamine unless told otherwise: `stream_above=0` makes
the reader stream them, and each path must read any workbook to the same records.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from tests.engine import source_workload as w

from cxone_outbound.engine.sources.csv_source import SourceError
from cxone_outbound.engine.sources.xlsx_source import XlsxSource

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(path: Path, sheet_data: str, *, shared: list[str] | None = None,
             dimension: str | None = None, styles: str | None = None, prefix: str = "") -> Path:
    """A minimal workbook around hand-written `<sheetData>` (in the main namespace, `prefix`ed
    if given), as writers other than Excel produce them."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
                   '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{RELS}">'
                   '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml",
                   f"<{p}worksheet {ns}>{dim}<{p}sheetData>{sheet_data}</{p}sheetData>"
                   f"</{p}worksheet>")
        if shared is not None:
            items = "".join(f"<si><t>{s}</t></si>" for s in shared)
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{items}</sst>')
        if styles is not None:
            z.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
    return path


HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c>' \
         '<c r="B1" t="inlineStr"><is><t>name</t></is></c>' \
         '<c r="C1" t="inlineStr"><is><t>zip</t></is></c></row>'


def rows(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    return [(r.line, r.raw) for r in XlsxSource(path, stream_above=0)]


def test_a_phone_stored_as_a_number_reads_as_its_digits(tmp_path: Path) -> None:
    path = workbook(tmp_path / "p.xlsx", HEADER
                    + '<row r="2"><c r="A2"><v>4155550100</v></c><c r="C2"><v>94110</v></c></row>'
                    + '<row r="3"><c r="A3"><v>4.1555501E9</v></c><c r="C3"><v>2134.0</v></c>'
                    + '</row><row r="4"><c r="A4"><v>14155550100</v></c></row>')
    assert rows(path) == [(2, ("4155550100", "", "94110")), (3, ("4155550100", "", "2134")),
                          (4, ("14155550100", "", ""))]  # no ".0", no exponent


def test_a_sparse_row_puts_each_cell_in_its_column_and_keeps_its_sheet_row(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path / "s.xlsx", HEADER
                    + '<row r="4"><c r="C4" t="inlineStr"><is><t>02134</t></is></c></row>'
                    + '<row r="9"><c r="B9" t="inlineStr"><is><t>Ann</t></is></c>'
                    + '<c r="C9" s="0"/></row>')
    assert rows(path) == [(4, ("", "", "02134")), (9, ("", "Ann", ""))]


def test_shared_and_inline_strings_read_alike(tmp_path: Path) -> None:
    shared = workbook(tmp_path / "s.xlsx", HEADER + '<row r="2"><c r="B2" t="s"><v>1</v></c>'
                      '<c r="C2" t="s"><v>0</v></c></row>', shared=["x &amp; y", "Zoë"])
    inline = workbook(tmp_path / "i.xlsx", HEADER + '<row r="2">'
                      '<c r="B2" t="inlineStr"><is><r><t>Z</t></r><r><t>oë</t></r></is></c>'
                      '<c r="C2" t="inlineStr"><is><t>x &amp; y</t></is></c></row>')
    assert rows(shared) == rows(inline) == [(2, ("", "Zoë", "x & y"))]


def test_phonetic_runs_are_left_out_of_a_string(tmp_path: Path) -> None:
    path = workbook(tmp_path / "j.xlsx", HEADER + '<row r="2"><c r="B2" t="inlineStr"><is>'
                    '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh></is></c></row>')
    assert rows(path) == [(2, ("", "東京", ""))]


def test_a_namespace_prefix_and_cells_without_references_are_read(tmp_path: Path) -> None:
    path = workbook(tmp_path / "x.xlsx", '<x:row><x:c t="inlineStr"><x:is><x:t>phone</x:t>'
                    '</x:is></x:c></x:row><x:row><x:c><x:v>15</x:v></x:c></x:row>', prefix="x")
    assert rows(path) == [(2, ("15",))]


def test_a_sheet_starting_right_of_column_a_starts_at_its_dimension(tmp_path: Path) -> None:
    path = workbook(tmp_path / "d.xlsx", '<row r="1"><c r="C1" t="inlineStr"><is><t>phone</t>'
                    '</is></c></row><row r="2"><c r="C2"><v>7</v></c></row>', dimension="C1:C2")
    source = XlsxSource(path, stream_above=0)
    assert source.header == ["phone"] and [r.raw for r in source] == [("7",)]


def test_numbers_in_date_time_and_duration_formats_read_as_iso_text(tmp_path: Path) -> None:
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
              '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="5">'
              '<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="22"/><xf numFmtId="20"/>'
              '<xf numFmtId="46"/></cellXfs>')
    path = workbook(tmp_path / "t.xlsx", HEADER + '<row r="2"><c r="A2" s="1"><v>44259</v></c>'
                    '<c r="B2" s="2"><v>44259.21258101852</v></c><c r="C2" s="3"><v>0.5</v></c>'
                    '</row><row r="3"><c r="A3" s="4"><v>1.5</v></c><c r="B3" t="b"><v>1</v>'
                    '</c><c r="C3" s="0"><v>0.25</v></c></row>', styles=styles)
    assert rows(path) == [
        (2, (dt.date(2021, 3, 4).isoformat(), "2021-03-04T05:06:07", "12:00:00")),
        (3, ("1 day, 12:00:00", "true", "0.25")),
    ]


def test_shared_strings_beyond_the_memory_bound_are_read_back_from_a_temporary_file(
    tmp_path: Path,
) -> None:
    import xlsxwriter

    path = tmp_path / "u.xlsx"
    book = xlsxwriter.Workbook(str(path))  # not constant_memory: shared strings
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["phone", "name"])
    names = [f"name {i} ü" for i in range(10_000)]
    for i, name in enumerate(names, start=1):
        sheet.write_row(i, 0, [f"+1415555{i:04d}", name])
    book.close()
    source = XlsxSource(path, memory_strings=100, stream_above=0)
    assert [r.raw[1] for r in source] == names
    assert [r.raw[1] for r in source] == names  # a second pass reads them again


def test_a_part_declaring_a_dtd_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "e.xlsx", "")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", '<!DOCTYPE sst [<!ENTITY a "aaaa">]>'
                   f'<sst xmlns="{MAIN}"><si><t>&a;</t></si></sst>')
    with pytest.raises(SourceError, match="DTD"):
        XlsxSource(path, stream_above=0)


def mixed_cells(path: Path, *, constant_memory: bool) -> Path:
    """Every kind of cell xlsxwriter writes; `constant_memory` writes strings inline."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet("S")
    fmt = {name: book.add_format({"num_format": code}) for name, code in (
        ("date", "yyyy-mm-dd"), ("stamp", "yyyy-mm-dd hh:mm:ss"), ("time", "hh:mm"),
        ("duration", "[h]:mm:ss"), ("percent", "0.00%"))}
    sheet.write_row(0, 0, list("abcdefghijk"))
    sheet.write_number(1, 0, 4155550100)
    sheet.write_number(1, 1, 12345678901234567)
    sheet.write_number(1, 2, 0.1)
    sheet.write_number(1, 3, 1e-7)
    sheet.write_datetime(1, 4, dt.datetime(2021, 3, 4), fmt["date"])
    sheet.write_datetime(1, 5, dt.datetime(2021, 3, 4, 5, 6, 7), fmt["stamp"])
    sheet.write_number(1, 6, 0.5, fmt["time"])
    sheet.write_number(1, 7, 1.5, fmt["duration"])
    sheet.write_number(1, 8, 0.25, fmt["percent"])
    sheet.write_boolean(1, 9, True)
    sheet.write_formula(1, 10, "=1/0")
    sheet.write_string(2, 2, "sparse & <odd>\n line")
    sheet.write_number(2, 5, -3)
    sheet.write_formula(3, 0, '="x"&"y"', None, "xy")
    sheet.write_number(3, 1, 1e20)
    book.close()
    return path


MIXED = [
    ("4155550100", "1.234567890123457e+16", "0.1", "1e-07", "2021-03-04", "2021-03-04T05:06:07",
     "12:00:00", "1 day, 12:00:00", "0.25", "true", "0"),
    ("", "", "sparse & <odd>\n line", "", "", "-3", "", "", "", "", ""),
    ("xy", "1e+20", "", "", "", "", "", "", "", "", ""),
]


@pytest.mark.parametrize("stream_above", [0, 1 << 30], ids=["streamed", "calamine"])
@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared", "inline"])
def test_every_kind_of_cell_reads_the_same_streamed_or_decoded_at_once(
    tmp_path: Path, stream_above: int, constant_memory: bool,
) -> None:
    path = mixed_cells(tmp_path / "m.xlsx", constant_memory=constant_memory)
    records = list(XlsxSource(path, stream_above=stream_above))
    assert [r.raw for r in records] == MIXED
    assert [r.line for r in records] == [2, 3, 4]


def test_the_workload_reads_the_same_streamed_or_decoded_at_once(tmp_path: Path) -> None:
    path = w.write_xlsx(tmp_path / "c.xlsx", w.contacts(300))
    streamed = XlsxSource(path, sheet="Contacts", stream_above=0)
    decoded = XlsxSource(path, sheet="Contacts")
    assert streamed.header == decoded.header == w.HEADER
    assert [(r.line, r.raw) for r in streamed] == [(r.line, r.raw) for r in decoded]
    assert streamed.progress() == 1.0


def test_a_sheet_broken_before_its_header_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "b.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>phone')
    with pytest.raises(SourceError, match="broken"):
        XlsxSource(path, stream_above=0)
