"""`cxo update FILE`: PATCH contacts from a CSV of contactId plus fields."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli import runs
from cxone_outbound.jobs.update import CONTACT_FIELDS, UpdateJob


def update_contacts(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a contactId column and fields to set.")],
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Requests in flight at once.")
    ] = None,
    max_rate: Annotated[
        float | None, typer.Option("--max-rate", min=0.1, help="Requests/s ceiling.")
    ] = None,
    encoding: runs.EncodingOpt = "utf-8",
    delimiter: runs.DelimiterOpt = ",",
    mapping: runs.MapOpt = None,
    state_dir: runs.StateDirOpt = None,
    resume: runs.ResumeOpt = None,
    dry_run: runs.DryRunOpt = False,
    progress: runs.ProgressOpt = "auto",
) -> None:
    """Update existing contacts, one PATCH each, resumable; see docs/update.md."""
    state = runs.cli_state(ctx)
    settings = state.settings(max_rate=max_rate, concurrency=concurrency)
    source = runs.open_csv(
        file, encoding=encoding, delimiter=delimiter, mappings=mapping, aliases=CONTACT_FIELDS
    )
    if "contactId" not in source.columns:
        runs.usage_error(f"{file}: no contactId column (header: {', '.join(source.header)})")
    runs.execute(
        ctx,
        UpdateJob(concurrency=settings.concurrency),
        source,
        state_dir=state_dir,
        resume=resume,
        dry_run=dry_run,
        progress=progress,
        settings=settings,
    )
