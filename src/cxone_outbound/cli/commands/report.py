"""`cxo runs report RUN`: write a run's self-contained HTML report, and optionally open it."""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cxone_outbound.cli.commands import runs
from cxone_outbound.engine.launch import default_state_dir
from cxone_outbound.engine.runner import run_dir_for
from cxone_outbound.private_files import UnsafeTarget
from cxone_outbound.report import REPORT_FILE, write_report

Opener = Callable[[str], bool]


def resolve_run_dir(run: str, state_dir: Path | None) -> Path:
    """The run folder of `run`: a run id in the state dir, or a path to a run folder."""
    by_id = run_dir_for(state_dir or default_state_dir(), run)
    is_id = run and Path(run).name == run and run not in (".", "..")
    if is_id and _is_run_folder(by_id):
        return by_id
    as_path = Path(run).expanduser()
    if _is_run_folder(as_path):
        return as_path
    runs.usage_error(f"no run {run!r}: no run folder {by_id} (see `cxo runs list`)")


def _is_run_folder(path: Path) -> bool:
    return path.is_dir() and any((path / n).is_file() for n in ("audit.jsonl", "summary.json"))


def report_run(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="A run id (see `cxo runs list`) or a run folder.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help=f"Where to write the page (default: the run's {REPORT_FILE})."),
    ] = None,
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the report in the default web browser.")
    ] = False,
    state_dir: runs.StateDirOpt = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a --out that is not a regular file (symlink, FIFO)."),
    ] = False,
) -> None:
    """Write a self-contained HTML report of a run (charts, breakdowns, first failures)."""
    state = runs.cli_state(ctx)
    run_dir = resolve_run_dir(run, state_dir)
    try:
        path = write_report(run_dir, out, force=force).resolve()
    except UnsafeTarget as exc:
        runs.usage_error(str(exc))
    except OSError as exc:
        runs.usage_error(f"cannot write the report: {exc}")
    opened = open_report(path, webbrowser.open) if open_it else None

    def render(console: Console) -> None:
        console.print(f"report: {path}", markup=False, highlight=False, soft_wrap=True)
        if opened is False:
            console.print("could not open a browser; open the file above", markup=False)

    state.output.result({"report": str(path), "opened": opened}, render)


def open_report(path: Path, opener: Opener) -> bool:
    """Ask the desktop's browser to show the report; False when there is none to ask."""
    try:
        return bool(opener(path.as_uri()))
    except webbrowser.Error:
        return False
