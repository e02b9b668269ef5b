"""`cxo dnc compile|info|check`: refusals reported by line, counts, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CxoRunner


def _sources(tmp_path: Path) -> tuple[Path, Path]:
    federal = tmp_path / "ftc.txt"
    federal.write_bytes(b"2125550101\r\n212,5550102\r\nsee attached\r\n\r\n# end\r\n")
    internal = tmp_path / "optouts.txt"
    internal.write_text("+442079460000\n2125550101\n1125550101\n")
    return federal, internal


def test_compile_reports_each_refused_line_and_exits_1(cxo: CxoRunner, tmp_path: Path) -> None:
    federal, internal = _sources(tmp_path)
    out = tmp_path / "dnc.bin"
    refused = tmp_path / "refused.csv"
    run = cxo("--json", "dnc", "compile", f"federal={federal}", str(internal), "--output",
              str(out), "--refused", str(refused))
    assert run.code == 1
    assert "federal:3: 'see attached': not a phone number" in run.stderr
    assert "optouts:3: '1125550101': a US area code starts with 2-9" in run.stderr
    document = run.json()
    assert isinstance(document, dict)
    assert document["count"] == 3 and document["refused"] == 2
    assert [(s["name"], s["numbers"], s["refused"], s["unique"])
            for s in document["sources"]] == [("federal", 2, 1, 2), ("optouts", 2, 1, 1)]
    with refused.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["source"], r["line"]) for r in rows] == [("federal", "3"), ("optouts", "3")]
    assert (refused.stat().st_mode & 0o077) == 0 and (out.stat().st_mode & 0o077) == 0


def test_compile_of_clean_sources_exits_0_and_info_shows_them(
    cxo: CxoRunner, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("2125550101\n2125550102\n")
    out = tmp_path / "dnc.bin"
    assert cxo("dnc", "compile", str(clean), "-o", str(out)).code == 0
    info = cxo("--json", "dnc", "info", str(out))
    document = info.json()
    assert isinstance(document, dict)
    assert info.code == 0 and document["count"] == 2
    assert document["sources"][0]["name"] == "clean"


def test_check_names_the_source_and_exits_1_when_a_number_is_listed(
    cxo: CxoRunner, tmp_path: Path
) -> None:
    federal, internal = _sources(tmp_path)
    out = tmp_path / "dnc.bin"
    cxo("dnc", "compile", f"federal={federal}", f"internal={internal}", "-o", str(out))
    listed = cxo("--json", "dnc", "check", str(out), "(212) 555-0101", "+442079460000")
    assert listed.code == 1
    document = listed.json()
    assert isinstance(document, dict)
    assert [r["source"] for r in document["results"]] == ["federal", "internal"]
    assert cxo("dnc", "check", str(out), "+13125550100").code == 0
    assert cxo("dnc", "check", str(out), "not a phone").code == 2


def test_a_missing_source_or_a_bad_file_is_a_usage_error(cxo: CxoRunner, tmp_path: Path) -> None:
    missing = cxo("dnc", "compile", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "d.bin"))
    assert missing.code == 2 and "no such file" in missing.stderr
    assert not (tmp_path / "d.bin").exists()
    (tmp_path / "plain.txt").write_text("2125550101\n")
    bad = cxo("dnc", "info", str(tmp_path / "plain.txt"))
    assert bad.code == 2 and "not a compiled DNC file" in bad.stderr
