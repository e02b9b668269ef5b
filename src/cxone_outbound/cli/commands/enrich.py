"""`cxo enrich`: set contact attributes from a CRM extract through a declared mapping."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.state import CliState
from cxone_outbound.client.dialect import open_api
from cxone_outbound.jobs.enrich.budget import DEFAULT_MAX_BATCH, DEFAULT_MS_PER_CONTACT
from cxone_outbound.jobs.enrich.job import EnrichJob
from cxone_outbound.jobs.enrich.mapping import MappingError, load_mapping
from cxone_outbound.jobs.enrich.setup import EnrichmentPlan, plan_enrichment


def render_fill_rates(console: Console, report: dict[str, Any]) -> None:
    """The fill-rate table printed at the end of a run."""
    fill = report["fillRates"]
    table = Table(title=f"fill rates over {fill['rows']} rows (overall {fill['overall']:.1%})")
    for column in ("attribute", "fill rate", "value", "default", "null-like", "invalid"):
        table.add_column(column, justify="left" if column == "attribute" else "right")
    for name, c in fill["attributes"].items():
        table.add_row(
            name,
            f"{c['fillRate']:.1%}",
            str(c["value"]),
            str(c["default"]),
            str(c["nullLike"]),
            str(c["invalid"]),
        )
    console.print(table)


def enrich_command(
    ctx: typer.Context,
    list_id: Annotated[str, typer.Option("--list", help="The contact list to enrich.")],
    campaign_id: Annotated[
        str, typer.Option("--campaign", help="The campaign whose timeout budget sizes batches.")
    ],
    mapping_file: Annotated[
        Path, typer.Option("--mapping", help="The TOML mapping (see docs/mapping.md).")
    ],
    file: Annotated[
        Path | None,
        typer.Argument(help="The CRM extract: CSV, .xlsx, .parquet, .arrow or .jsonl."),
    ] = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Register (or update, by name) a contact.enriched hook."),
    ] = None,
    webhook_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--webhook-secret-file",
            help="Write a new webhook's signing secret here (mode 600); it is shown only once.",
        ),
    ] = None,
    ms_per_contact: Annotated[
        float, typer.Option("--ms-per-contact", min=0.001, help="Timeout budget per contact.")
    ] = DEFAULT_MS_PER_CONTACT,
    max_batch: Annotated[
        int, typer.Option("--max-batch", min=1, help="Batch size cap whatever the budget.")
    ] = DEFAULT_MAX_BATCH,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Batches in flight at once.")
    ] = 4,
    state_dir: runs.StateDirOpt = None,
    resume: runs.ResumeOpt = None,
    dry_run: runs.DryRunOpt = False,
    progress: runs.ProgressOpt = "auto",
    encoding: runs.EncodingOpt = "utf-8",
    delimiter: runs.DelimiterOpt = ",",
    source_sql: runs.SourceSqlOpt = None,
    dsn: runs.DsnOpt = None,
    sheet: runs.SheetOpt = None,
    changed_only: runs.ChangedOnlyOpt = False,
    against: runs.AgainstOpt = "list",
    relist_days: runs.RelistDaysOpt = 7.0,
) -> None:
    """Set contact attributes from a CRM extract, in atomic batches within the campaign's budget.

    The mapping is checked against the list schema and the CSV header before anything is sent;
    null-like and mistyped values are never sent; refused contacts go to failed.csv with the
    reason; the list is refreshed once at the end.
    """
    state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
    out = state.output
    baseline = runs.sync_baseline(changed_only, against)
    try:
        mapping = load_mapping(mapping_file)
    except MappingError as exc:
        runs.usage_error(str(exc))
    source = runs.open_source(ctx, file, sql=source_sql, dsn=dsn, sheet=sheet,
                              encoding=encoding, delimiter=delimiter)
    settings = state.settings()

    async def plan() -> EnrichmentPlan:
        async with open_api(settings) as client:
            return await plan_enrichment(
                client,
                list_id=list_id,
                campaign_id=campaign_id,
                mapping=mapping,
                header=source.header,
                webhook_url=None if dry_run else webhook,
                ms_per_contact=ms_per_contact,
                max_batch=max_batch,
            )

    try:
        checked = asyncio.run(plan())
    except MappingError as exc:
        runs.usage_error(str(exc))
    _report_webhook(state, checked, webhook_secret_file)
    out.info(
        f"batches of {checked.batch_size} contacts "
        f"(maxEnrichmentTimeout {checked.max_enrichment_timeout_ms} ms, "
        f"{checked.ms_per_contact:g} ms per contact)"
    )
    job = EnrichJob(
        mapping,
        list_id=list_id,
        campaign_id=campaign_id,
        batch_size=checked.batch_size,
        concurrency=concurrency,
        extra_options={"mapping": str(mapping_file), "plan": checked.as_dict()},
        plan=checked.as_dict(),
        changed_only=changed_only,
        against=baseline,
        relist_days=relist_days,
    )
    try:
        runs.execute(
            ctx,
            job,
            job.with_look_ahead(source),
            state_dir=state_dir,
            resume=resume,
            dry_run=dry_run,
            progress=progress,
        )
    finally:
        if not state.json_output:
            render_fill_rates(out.console, job.report())


def _report_webhook(state: CliState, plan: EnrichmentPlan, secret_file: Path | None) -> None:
    hook = plan.webhook
    if hook is None:
        return
    if not plan.webhook_created:
        state.output.info(f"webhook {hook.name} ({hook.id}) is already registered; kept")
        return
    state.output.info(f"webhook {hook.name} registered ({hook.id})")
    if hook.secret is None:
        return
    if secret_file is None:
        state.output.warn(
            "its signing secret is returned only once; pass --webhook-secret-file to keep it"
        )
        return
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(hook.secret.get_secret_value() + "\n")
    state.output.info(f"its signing secret was written to {secret_file}")
