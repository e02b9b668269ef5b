"""`cxo tenant probe`: does the tenant reply in the shapes the client reads? (tenant-probe.md)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.cli.output import RedactingFilter
from cxone_outbound.cli.state import CliState
from cxone_outbound.client.admin.probe import ProbeReport, run_probe, write_shape_file
from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.engine.launch import default_state_dir

tenant_app = typer.Typer(help="Check a real tenant against what the client expects.",
                         no_args_is_help=True)

_STYLES = {"ok": "green", "drift": "bold red", "refused": "bold red", "unavailable": "yellow",
           "skipped": "dim"}


def default_shape_path(now: datetime) -> Path:
    """A new file per probe in the state dir, so an earlier report is never overwritten."""
    return default_state_dir() / "probes" / f"tenant-probe-{now:%Y%m%dT%H%M%SZ}.json"


def probe_exit_code(report: ProbeReport) -> ExitCode:
    """Refused (3) over unavailable (4) over drift (5): the first says the others are unsure."""
    if report.having("refused"):
        return ExitCode.AUTH
    if report.having("unavailable"):
        return ExitCode.UNAVAILABLE
    if report.having("drift"):
        return ExitCode.SCHEMA_DRIFT
    return ExitCode.OK


def _render(report: ProbeReport, path: Path, redactor: RedactingFilter, console: Console) -> None:
    table = Table(title=f"admin API at {report.api_host or '(configured host)'}")
    for column in ("endpoint", "HTTP", "shape", "missing keys", "unknown keys / note"):
        table.add_column(column, overflow="fold")
    for result in report.results:
        note = ", ".join(result.unknown) if result.ok else redactor.redact(result.reason or "")
        table.add_row(
            Text(result.endpoint), Text("-" if result.status is None else str(result.status)),
            Text(result.verdict, style=_STYLES[result.verdict]), Text(", ".join(result.missing)),
            Text(note),
        )
    console.print(table)
    console.print(f"shape file (keys and JSON types only, for a bug report): {path}",
                  markup=False, soft_wrap=True)
    bad = [*report.having("refused"), *report.having("unavailable"), *report.having("drift")]
    if bad:
        console.print(f"not as published: {', '.join(bad)}", markup=False, soft_wrap=True)
    else:
        console.print("every reply has the published shape", markup=False)


@tenant_app.command("probe")
def probe(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the redacted shape file (default: a new "
                     "file under the state dir's probes/)."),
    ] = None,
) -> None:
    """Call each read endpoint the jobs use, once, and compare its reply with the contract.

    Read-only; admin dialect only. Prints a table (endpoint, HTTP status, shape verdict, missing
    and unknown keys) and writes the replies' shapes, keys and JSON types only, to a file for a
    bug report. Exit 0: every shape as published; 5: a shape drifted; 3: refused; 4: unavailable.
    """
    state = ctx.ensure_object(CliState)
    settings = state.settings()
    if settings.dialect != "admin":
        raise ConfigurationError(
            "`cxo tenant probe` probes the admin dialect only (a real tenant's Admin API): "
            "add --dialect admin or use a profile with dialect = \"admin\" (docs/tenant-probe.md)"
        )
    report = asyncio.run(run_probe(settings))
    path = write_shape_file(report, out or default_shape_path(datetime.now(UTC)))
    document = report.to_json() | {"shapeFile": str(path)}
    for entry in document["endpoints"]:  # a server's error text could echo anything
        if entry["reason"]:
            entry["reason"] = state.redactor.redact(entry["reason"])
    state.output.result(document,
                        lambda console: _render(report, path, state.redactor, console))
    code = probe_exit_code(report)
    if code != ExitCode.OK:
        raise typer.Exit(code)
