"""`cxo runs report` over damaged audit lines, and `--out` that is not a regular file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tests.engine.report_runs import busy_run, cxo, isolate_cli, outcome, write_run

from cxone_outbound.report import load_run, render_report

DAMAGED = [
    '{"type":"request","ts":1e308,"status":200,"elapsed_ms":5}',
    '{"type":"request","ts":-1e308,"status":200}',
    '{"type":"run","event":"started","ts":-1e308}',
    '{"type":"request","ts":1.0,"status":200,"elapsed_ms":1e308}',
    '{"type":"request","ts":1e20,"status":200}',
    '{"type":"outcome","ts":"yesterday","state":"failed"}',
]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_cli(monkeypatch, tmp_path)


@pytest.mark.parametrize("line", DAMAGED)
def test_a_damaged_audit_line_is_skipped_counted_and_mentioned(tmp_path: Path, line: str) -> None:
    run_dir = write_run(tmp_path / "r", audit=[outcome(1000.0), outcome(1001.0, "failed", "X")])
    with (run_dir / "audit.jsonl").open("a") as fh:
        fh.write(line + "\n")
    data = load_run(run_dir, now=0.0)
    page = render_report(data)
    assert data.audit.unreadable_lines == 1
    assert "1 unreadable line(s) were skipped" in page


def test_report_of_a_damaged_audit_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    with (run_dir / "audit.jsonl").open("a") as fh:
        fh.write("\n".join(DAMAGED) + "\n")
    code, _, err = cxo(capsys, "runs", "report", str(run_dir))
    assert code == 0, err
    assert "Traceback" not in err


def test_report_refuses_to_write_into_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = cxo(capsys, "runs", "report", str(run_dir), "--out", str(fifo))
    assert code == 2 and "FIFO" in err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_report_refuses_to_replace_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    link = tmp_path / "link.html"
    link.symlink_to(precious)
    code, _, err = cxo(capsys, "runs", "report", str(run_dir), "--out", str(link))
    assert code == 2 and "symbolic link" in err
    assert link.is_symlink() and precious.read_text() == "keep"


def test_force_replaces_a_symlink_with_the_report_and_leaves_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    link = tmp_path / "link.html"
    link.symlink_to(precious)
    code, _, _ = cxo(capsys, "runs", "report", str(run_dir), "--out", str(link), "--force")
    assert code == 0
    assert not link.is_symlink() and link.read_text().startswith("<!DOCTYPE html>")
    assert precious.read_text() == "keep"


def test_the_report_file_is_readable_by_its_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    code, _, _ = cxo(capsys, "runs", "report", str(run_dir))
    assert code == 0
    assert stat.S_IMODE((run_dir / "report.html").stat().st_mode) == 0o600


def test_report_refuses_to_replace_a_device_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = busy_run(tmp_path / "run")
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    code, _, err = cxo(capsys, "runs", "report", str(run_dir), "--out", str(device))
    assert code == 2 and "device" in err
    assert stat.S_ISCHR(device.lstat().st_mode)
