"""`cxo update FILE`: PATCH contacts from a CSV of contactId plus fields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.job_options.screening import ScrubDncOpt, screening
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.engine import Item
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob, compared_fields
from cxone_outbound.phones import normalize_phone


def update_contacts(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="CSV (or .xlsx, .parquet, .jsonl...) with contactId and fields."),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Requests in flight at once.")
    ] = None,
    max_rate: Annotated[
        float | None, typer.Option("--max-rate", min=0.1, help="Requests/s ceiling.")
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
    list_id: Annotated[
        str | None,
        typer.Option("--list", help="The contacts' list: rows go 100 a batch PATCH (needed on"
                     " the admin dialect); a contact of another list fails NOT_FOUND."),
    ] = None,
    per_contact: Annotated[
        bool,
        typer.Option("--per-contact", help="One PATCH per row even with --list (the tutorial's"
                     " way)."),
    ] = False,
    scrub_dnc: ScrubDncOpt = None,
    changed_only: runs.ChangedOnlyOpt = False,
    against: runs.AgainstOpt = "list",
    relist_days: runs.RelistDaysOpt = 7.0,
) -> None:
    """Update existing contacts (batch PATCH with --list, else one PATCH each), resumable;
    see docs/update.md."""
    state = runs.cli_state(ctx)
    settings = state.settings(max_rate=max_rate, concurrency=concurrency)
    source = runs.open_source(
        ctx, file, sql=source_sql, dsn=dsn, sheet=sheet, encoding=encoding, delimiter=delimiter,
        mappings=mapping, aliases=CONTACT_FIELDS,
    )
    if "contactId" not in source.columns:
        runs.usage_error(f"{source.description}: no contactId column "
                         f"(header: {', '.join(source.header)})")
    if settings.dialect == "admin" and not list_id:
        runs.usage_error("on the admin dialect a contact id is an external id within a list: "
                         "pass --list (docs/real-tenant.md)")
    if changed_only and not list_id:
        runs.usage_error("--changed-only compares rows with a list's current values: "
                         "pass --list")
    baseline = runs.sync_baseline(changed_only, against)
    updater = UpdateJob(concurrency=settings.concurrency, list_id=list_id,
                        capabilities=capabilities_for(settings.dialect), per_contact=per_contact,
                        changed_only=compared_fields(source.columns) if changed_only else None,
                        against=baseline, relist_days=relist_days)
    # a row that would write a listed phone is skipped whole
    with screening(ctx, updater, header=source.header, phone_of=new_phone, dry_run=dry_run,
                   default_region="US", dnc_files=scrub_dnc) as job:
        runs.execute(ctx, job, updater.with_look_ahead(source), state_dir=state_dir,
                     resume=resume, dry_run=dry_run, progress=progress, settings=settings)


def new_phone(item: Item) -> str | None:
    """The E.164 phone an update row writes (national numbers read as US), if it writes one."""
    raw = item.payload[1].get("phone")
    return normalize_phone(raw, "US").e164 if raw else None
