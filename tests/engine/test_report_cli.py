"""`cxo runs report RUN`: finds the run, writes the page, opens it on request, fails clearly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from tests.engine.report_runs import busy_run, cxo, isolate_cli

from cxone_outbound.cli.commands import report as report_cmd


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_cli(monkeypatch, tmp_path)


def test_report_of_a_run_id_is_written_into_its_run_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "state" / "runs" / "20240101-000000-aaaaaa")
    code, out, _ = cxo(
        capsys, "--json", "runs", "report", run_dir.name, "--state-dir", str(tmp_path / "state")
    )
    assert code == 0
    assert orjson.loads(out) == {"report": str(run_dir / "report.html"), "opened": None}
    assert (run_dir / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_report_goes_where_out_says(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = busy_run(tmp_path / "run")
    target = tmp_path / "elsewhere" / "r.html"
    code, _, err = cxo(capsys, "runs", "report", str(run_dir), "--out", str(target))
    assert code == 0
    assert target.exists() and not (run_dir / "report.html").exists()
    assert f"report: {target}" in err


def test_an_unknown_run_is_a_usage_error_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cxo(capsys, "runs", "report", "nope", "--state-dir", str(tmp_path))
    assert code == 2
    assert out == ""
    assert "no run 'nope'" in err and "Traceback" not in err


def test_a_run_id_cannot_climb_out_of_the_runs_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    busy_run(tmp_path / "state")  # a folder that looks like a run, above runs/
    code, _, _ = cxo(capsys, "runs", "report", "..", "--state-dir", str(tmp_path / "state"))
    assert code == 2
    assert not (tmp_path / "state" / "report.html").exists()


def test_open_hands_the_file_uri_to_the_browser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(report_cmd.webbrowser, "open", lambda uri: opened.append(uri) or True)
    run_dir = busy_run(tmp_path / "run")
    code, out, _ = cxo(capsys, "--json", "runs", "report", str(run_dir), "--open")
    assert code == 0
    assert opened == [(run_dir / "report.html").resolve().as_uri()]
    assert orjson.loads(out)["opened"] is True


def test_no_browser_to_open_is_reported_not_raised(tmp_path: Path) -> None:
    def broken(uri: str) -> bool:
        raise report_cmd.webbrowser.Error("no runnable browser")

    assert report_cmd.open_report(tmp_path / "r.html", broken) is False
