"""`cxo dnc`: compile DNC registry downloads and internal lists; inspect and query the file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.exit_codes import ExitCode
from cxone_outbound.config import Settings
from cxone_outbound.dnc import (
    DncCompileError,
    DncFile,
    DncFileError,
    DncScreen,
    RefusedLine,
    compile_dnc,
    parse_source_arg,
)
from cxone_outbound.jobs.preview.eligibility import SuppressionIndex
from cxone_outbound.jobs.screening import read_tenant_dnc
from cxone_outbound.phones import normalize_phone
from cxone_outbound.private_files import open_private

app = typer.Typer(help="Compile and query do-not-call files (docs/dnc.md).",
                  no_args_is_help=True)

SHOWN_REFUSALS = 20


@app.command("compile")
def compile_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(help="Files, one number a line (10-digit US or E.164); NAME=FILE names "
                       "the source a match reports (default: the file's stem)."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The compiled file.")],
    refused_file: Annotated[
        Path | None,
        typer.Option("--refused", help="Write every refused line here (CSV: source, line, "
                     "text, reason)."),
    ] = None,
) -> None:
    """Compile DNC lists into one sorted file of numbers; refused lines are reported."""
    out = runs.cli_state(ctx).output
    shown: list[RefusedLine] = []
    handle = None
    try:
        if refused_file is not None:
            handle = open_private(refused_file, "w", encoding="utf-8", newline="")
            handle.write("source,line,text,reason\n")
    except OSError as exc:
        runs.usage_error(f"cannot write {refused_file}: {exc.strerror}")

    def on_refused(line: RefusedLine) -> None:
        if len(shown) < SHOWN_REFUSALS:
            shown.append(line)
        if handle is not None:
            text = line.text.replace('"', '""')
            handle.write(f'{line.source},{line.line},"{text}",{line.reason}\n')

    try:
        report = compile_dnc([parse_source_arg(s) for s in sources], output,
                             on_refused=on_refused)
    except DncCompileError as exc:
        runs.usage_error(str(exc))
    except OSError as exc:
        runs.usage_error(f"cannot write {output}: {exc.strerror}")
    finally:
        if handle is not None:
            handle.close()
    for line in shown:
        out.warn(f"{line.source}:{line.line}: {line.text!r}: {line.reason}")
    if report.refused > len(shown):
        where = f" (all in {refused_file})" if refused_file else " (--refused FILE lists all)"
        out.warn(f"... {report.refused - len(shown):,} more refused lines{where}")

    def render(console: Console) -> None:
        table = Table("source", "file", "lines", "numbers", "refused", "unique")
        for s in report.sources:
            table.add_row(s.name, s.file, f"{s.lines:,}", f"{s.numbers:,}", f"{s.refused:,}",
                          f"{s.unique:,}")
        console.print(table)
        console.print(f"{report.count:,} numbers in {output}", markup=False)

    out.result(report.to_json(), render)
    raise typer.Exit(ExitCode.FAILED_RECORDS if report.refused else ExitCode.OK)


def _open(path: Path) -> DncFile:
    try:
        return DncFile(path)
    except DncFileError as exc:
        runs.usage_error(str(exc))


@app.command("info")
def info_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A compiled DNC file.")],
) -> None:
    """Show a compiled file's sources and counts."""
    with _open(file) as dnc:
        document = dnc.describe()

    def render(console: Console) -> None:
        table = Table("source", "file", "lines", "numbers", "refused", "unique")
        for s in document["sources"]:
            table.add_row(s["name"], s["file"], f"{s['lines']:,}", f"{s['numbers']:,}",
                          f"{s['refused']:,}", f"{s['unique']:,}")
        console.print(table)
        console.print(f"{document['count']:,} numbers", markup=False)

    runs.cli_state(ctx).output.result(document, render)


@app.command("check")
def check_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A compiled DNC file.")],
    numbers: Annotated[list[str], typer.Argument(help="Phone numbers to look up.")],
    default_region: Annotated[
        str, typer.Option("--default-region", help="Region of national numbers.")
    ] = "US",
) -> None:
    """Say which source, if any, lists each number (exit 1 when one is listed)."""
    results: list[dict[str, str | None]] = []
    with _open(file) as dnc:
        for raw in numbers:
            phone = normalize_phone(raw, default_region)
            source = dnc.match(phone.e164) if phone.e164 else None
            results.append({"number": raw, "e164": phone.e164, "source": source,
                            "error": None if phone.e164 else phone.detail or "unreadable"})

    def render(console: Console) -> None:
        for r in results:
            verdict = r["error"] or (f"listed ({r['source']})" if r["source"] else "not listed")
            console.print(f"{r['number']}\t{r['e164'] or '-'}\t{verdict}", markup=False)

    runs.cli_state(ctx).output.result({"results": results}, render)
    listed = any(r["source"] for r in results)
    unreadable = any(r["error"] for r in results)
    raise typer.Exit(ExitCode.BAD_INPUT if unreadable else int(listed))


async def _tenant_dnc(settings: Settings, default_region: str | None) -> SuppressionIndex:
    from cxone_outbound.client.dialect import open_api

    async with open_api(settings) as api:  # v2 or admin: the same protocol method
        return await read_tenant_dnc(api, now=datetime.now(UTC), default_region=default_region)


def open_screen(
    ctx: typer.Context, files: list[Path], *, tenant: bool, default_region: str | None
) -> DncScreen:
    """The screen an import scrubs with: the compiled files, then the tenant's DNC groups."""
    opened: list[DncFile] = []
    try:
        for path in files:
            opened.append(_open(path))
        index = None
        if tenant:
            state = runs.cli_state(ctx)
            index = asyncio.run(_tenant_dnc(state.settings(), default_region))
            if index.unreadable:
                state.output.warn(f"{len(index.unreadable):,} tenant DNC entries are not phone "
                                  "numbers and were not used")
    except BaseException:
        for dnc in opened:
            dnc.close()
        raise
    return DncScreen(opened, index)
