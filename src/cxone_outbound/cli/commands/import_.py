"""`cxo import FILE`: validate and bulk-import contacts in gzip CSV chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.job_options.mirror import MaxRemoveOpt, MirrorOpt, execute_mirrored
from cxone_outbound.cli.commands.job_options.screening import (
    CheckOpt,
    NowOpt,
    ScrubDncOpt,
    checker_for,
    screening,
)
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.dialability.zone_fill import TIME_ZONE_ATTRIBUTE, ZoneFill, own_zone_column
from cxone_outbound.jobs.check import fact_columns
from cxone_outbound.jobs.import_ import (
    DEFAULT_REQUIRED,
    IMPORT_FIELDS,
    MAX_CHUNK_ROWS,
    ImportJob,
    ImportOptions,
    parse_required,
)
from cxone_outbound.jobs.mirror import DEFAULT_MAX_REMOVE
from cxone_outbound.jobs.screening import TimeZoneCell


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
    check: CheckOpt = None,
    now: NowOpt = None,
    no_time_zone: Annotated[
        bool,
        typer.Option("--no-time-zone", help="Send no time zone (by default each row's own "
                     "time_zone column, else its ZIP's, else its phone's; docs/import.md)."),
    ] = False,
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
    own_zone = None if no_time_zone else own_zone_column(source.columns)
    attributes = [c for c in source.columns if c not in IMPORT_FIELDS and c != own_zone]
    if not no_time_zone:
        attributes.append(TIME_ZONE_ATTRIBUTE)
    try:
        importer = ImportJob(options, attributes, capabilities_for(dialect))
    except ValueError as exc:
        runs.usage_error(f"{file}: {exc}")
    finder = ZoneFinder()
    checker = checker_for(check, now, finder=finder, default_region=options.default_region)
    facts = fact_columns(source.columns)
    time_zone = None if no_time_zone else TimeZoneCell(
        ZoneFill(finder, own_column=own_zone, zip_column=facts.get("zip_code")),
        importer.columns.index(TIME_ZONE_ATTRIBUTE))
    phone = importer.columns.index("phone_number")
    with screening(ctx, importer, header=source.header, phone_of=lambda i: i.payload[phone],
                   dry_run=dry_run, default_region=options.default_region, dnc_files=scrub_dnc,
                   checker=checker, time_zone=time_zone, facts=facts) as job:
        if mirror:
            execute_mirrored(ctx, job, source, importer, list_id=list_id, max_remove=max_remove,
                             state_dir=state_dir, resume=resume, dry_run=dry_run,
                             progress=progress)
        runs.execute(ctx, job, source, state_dir=state_dir, resume=resume, dry_run=dry_run,
                     progress=progress)
