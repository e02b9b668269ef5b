"""Self-contained HTML reports of runs: `cxo runs report RUN`.

`load_run` reads a run folder (streaming its audit log), `render_report` turns the data into
one HTML page with inline CSS, SVG and script, and `write_report` does both and saves the page
(by default as report.html in the run folder).
"""

from __future__ import annotations

from pathlib import Path

from cxone_outbound.private_files import check_regular_target, replace_private
from cxone_outbound.report.load import RunData, load_run
from cxone_outbound.report.page import render_report

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "RunData", "load_run", "render_report", "write_report"]


def write_report(run_dir: Path, out: Path | None = None, *, force: bool = False) -> Path:
    """Render the report of the run in `run_dir` and write it (atomically, 0600: it shows
    contact data) to `out`; anything there but a regular file is refused unless `force`
    (`private_files.UnsafeTarget`)."""
    target = out if out is not None else run_dir / REPORT_FILE
    check_regular_target(target, force=force)
    page = render_report(load_run(run_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_private(target, page)
    return target
