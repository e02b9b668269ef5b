"""Self-contained HTML reports of runs: `cxo runs report RUN`.

`load_run` reads a run folder (streaming its audit log), `render_report` turns the data into
one HTML page with inline CSS, SVG and script, and `write_report` does both and saves the page
(by default as report.html in the run folder).
"""

from __future__ import annotations

from pathlib import Path

from cxone_outbound.report.load import RunData, load_run
from cxone_outbound.report.page import render_report

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "RunData", "load_run", "render_report", "write_report"]


def write_report(run_dir: Path, out: Path | None = None) -> Path:
    """Render the report of the run in `run_dir` and write it (atomically) to `out`."""
    target = out if out is not None else run_dir / REPORT_FILE
    page = render_report(load_run(run_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target
