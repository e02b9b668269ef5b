"""`cxo import FILE`: validate and bulk-import contacts in gzip CSV chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.dnc import ScrubDncOpt, scrubbing
from cxone_outbound.cli.commands.mirror import MaxRemoveOpt, MirrorOpt, execute_mirrored
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.jobs.import_ import (
    DEFAULT_REQUIRED,
    IMPORT_FIELDS,
    MAX_CHUNK_ROWS,
    ImportJob,
    ImportOptions,
    parse_required,
)
from cxone_outbound.jobs.mirror import DEFAULT_MAX_REMOVE


def import_contacts(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV, .xlsx, .parquet, .arrow, .jsonl: phone_number, first_name, ..."),
    ] = None,
    list_id: Annotated[
        str | None, typer.Option("--list", help="Contact list id (default: the tenant's).")
    ] = None,
    default_region: Annotated[
        str | None,
        typer.Option("--default-region", help="Region (e.g. US) to read national numbers."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, max=MAX_CHUNK_ROWS, help="Rows per upload.")
    ] = 1000,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Chunks in flight at once.")
    ] = 4,
    poll_deadline: Annotated[
        float, typer.Option("--poll-deadline", min=1, help="Seconds to wait for one job.")
    ] = 900.0,
    require: Annotated[
        list[str] | None,
        typer.Option(
            "--require",
            help="Fields a row must fill (comma-separated or repeated; the phone always). "
            f"Default: {','.join(DEFAULT_REQUIRED)}.",
        ),
    ] = None,
    encoding: runs.EncodingOpt = "utf-8",
    delimiter: runs.DelimiterOpt = ",",
    mapping: runs.MapOpt = None,
    source_sql: runs.SourceSqlOpt = None,
    dsn: runs.DsnOpt = None,
    sheet: runs.SheetOpt = None,
    state_dir: runs.StateDirOpt = None,
    resume: runs.ResumeOpt = None,
    dry_run: runs.DryRunOpt = False,
    progress: runs.ProgressOpt = "auto",
    scrub_dnc: ScrubDncOpt = None,
    mirror: MirrorOpt = False,
    max_remove: MaxRemoveOpt = DEFAULT_MAX_REMOVE,
) -> None:
    """Import contacts, resumable, each row once; see docs/import.md."""
    source = runs.open_source(
        ctx, file, sql=source_sql, dsn=dsn, sheet=sheet, encoding=encoding, delimiter=delimiter,
        mappings=mapping, aliases=IMPORT_FIELDS,
    )
    if "phone_number" not in source.columns:
        runs.usage_error(f"{source.description}: no phone_number column "
                         f"(header: {', '.join(source.header)})")
    dialect = runs.cli_state(ctx).settings().dialect
    if not list_id and dialect == "admin":
        runs.usage_error("on the admin dialect an import goes into a named calling list: "
                         "pass --list (docs/real-tenant.md)")
    try:
        required = parse_required(require) if require else DEFAULT_REQUIRED
    except ValueError as exc:
        runs.usage_error(str(exc))
    options = ImportOptions(
        list_id=list_id,
        default_region=default_region.upper() if default_region else None,
        chunk_size=chunk_size,
        concurrency=concurrency,
        poll_deadline_s=poll_deadline,
        required=required,
    )
    attributes = [c for c in source.columns if c not in IMPORT_FIELDS]
    try:
        importer = ImportJob(options, attributes, capabilities_for(dialect))
    except ValueError as exc:
        runs.usage_error(f"{file}: {exc}")
    phone = importer.columns.index("phone_number")
    with scrubbing(ctx, importer, scrub_dnc, source.header, lambda i: i.payload[phone],
                   dry_run=dry_run, default_region=options.default_region) as job:
        if mirror:
            execute_mirrored(ctx, job, source, importer, list_id=list_id, max_remove=max_remove,
                             state_dir=state_dir, resume=resume, dry_run=dry_run,
                             progress=progress)
        runs.execute(ctx, job, source, state_dir=state_dir, resume=resume, dry_run=dry_run,
                     progress=progress)
