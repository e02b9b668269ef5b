"""`cxo sanitize --list ID`: plan the phone clean-up of a whole list; `--apply` carries it out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.job_options.screening import CheckOpt, NowOpt, checker_for
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.config import Settings
from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.engine.launch import default_state_dir
from cxone_outbound.engine.runner import run_dir_for
from cxone_outbound.jobs.check import Checker
from cxone_outbound.jobs.list_snapshot import ListSnapshot
from cxone_outbound.jobs.sanitize import (
    ListChangedError,
    PlanSource,
    SanitizeJob,
    plan_list,
    verify_unchanged,
)
from cxone_outbound.jobs.sanitize.callback import Callback
from cxone_outbound.jobs.sanitize.directive import (
    Directive,
    DirectiveError,
    directive_from_options,
    load_directive,
)
from cxone_outbound.jobs.sanitize.plan import Plan, PlanError, PurgeGuardError, check_purge_guard
from cxone_outbound.phones.linetypes import TwilioLineTypeLookup, open_line_type_lookup


def render_plan(plan: Plan, console: Console) -> None:
    """The plan as two tables: counts (purges by reason) and a few samples of each change."""
    counts = plan.counts()
    table = Table(title=f"sanitise plan for list {plan.list_id}", show_lines=False)
    table.add_column("action")
    table.add_column("contacts", justify="right")
    table.add_column("share", justify="right")

    def row(label: str, n: int) -> None:
        share = f"{n / plan.total:.1%}" if plan.total else "-"
        table.add_row(label, f"{n:,}", share)

    row("unchanged", counts["unchanged"])
    row("normalise to E.164", counts["normalise"])
    row("purge", counts["purge"])
    for reason, n in counts["purge_by_reason"].items():
        row(f"  {reason}", n)
    table.add_row("total", f"{plan.total:,}", "")
    console.print(table)
    if counts["duplicate_groups"]:
        console.print(
            f"{counts['duplicates']:,} contacts share an E.164 number with another "
            f"({counts['duplicate_groups']:,} numbers); the one already in E.164 (else the first) "
            "is kept."
        )
    samples = Table(title="samples", show_lines=False)
    for column in ("change", "contact", "phone", "E.164", "why"):
        samples.add_column(column)
    for group, entries in plan.samples().items():
        for entry in entries:
            samples.add_row(
                group,
                entry["contact_id"],
                entry.get("raw", ""),
                entry.get("e164", ""),
                entry.get("detail", ""),
            )
    if samples.row_count:
        console.print(samples)


def _directive(
    directive_file: Path | None,
    allow_region: list[str] | None,
    block_line_type: list[str] | None,
    disposable: Path | None,
    default_region: str | None,
    line_type_lookup: str | None = None,
) -> Directive:
    try:
        base = load_directive(directive_file) if directive_file else None
        return directive_from_options(
            default_region=default_region,
            allowed_regions=allow_region or (),
            blocked_line_types=block_line_type or (),
            disposable_file=disposable,
            line_type_lookup=line_type_lookup,
            base=base,
        )
    except DirectiveError as exc:
        runs.usage_error(str(exc))


async def _plan(
    list_id: str, contacts: ListSnapshot, directive: Directive, work: Path, settings: Settings,
    state_dir: Path, *, digits_only: bool, checker: Checker | None = None,
) -> Plan:
    """The plan, line types from the directive's lookup (a carrier lookup's answers cached in
    the state dir)."""
    lookup = open_line_type_lookup(directive.line_type_lookup, settings, state_dir)
    if isinstance(lookup, TwilioLineTypeLookup):
        async with lookup:
            try:
                return await plan_list(list_id, contacts, directive, lookup=lookup,
                                       path=work / "plan.sqlite3", digits_only=digits_only,
                                       checker=checker)
            finally:
                if lookup.cache is not None:
                    lookup.cache.close()
    return await plan_list(list_id, contacts, directive, path=work / "plan.sqlite3",
                           digits_only=digits_only, checker=checker)


def _load_plan(path: Path, work: Path) -> Plan:
    try:
        return Plan.read(path, path=work / "plan.sqlite3")
    except OSError as exc:
        runs.usage_error(f"cannot read plan {path}: {exc}")
    except PlanError as exc:
        runs.usage_error(f"{path}: {exc}")


CALLBACK_SECRET_ENV = "CXONE_CALLBACK_SECRET"  # noqa: S105 - a variable name


def _callback_secret(value: str | None, path: Path | None) -> str | None:
    """The callback's key from the option/environment or the first line of a file."""
    if path is None:
        return value or None
    if value:
        runs.usage_error(
            f"give the callback secret once: --callback-secret (or ${CALLBACK_SECRET_ENV})"
            " or --callback-secret-file"
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        runs.usage_error(f"cannot read --callback-secret-file {path}: {type(exc).__name__}")
    secret = lines[0].strip() if lines else ""
    if not secret:
        runs.usage_error(f"--callback-secret-file {path} is empty")
    return secret


def sanitize_command(
    ctx: typer.Context,
    list_id: Annotated[str, typer.Option("--list", help="The contact list to sanitise.")],
    directive_file: Annotated[
        Path | None, typer.Option("--directive", help="TOML directive (see docs/directive.md).")
    ] = None,
    allow_region: Annotated[
        list[str] | None,
        typer.Option("--allow-region", help="Keep only these regions (repeatable, or US,CA)."),
    ] = None,
    block_line_type: Annotated[
        list[str] | None,
        typer.Option("--block-line-type", help="Purge these line types (voip, toll_free...)."),
    ] = None,
    disposable: Annotated[
        Path | None, typer.Option("--disposable", help="File of disposable numbers/prefixes.")
    ] = None,
    default_region: Annotated[
        str | None,
        typer.Option("--default-region", help="Region of national numbers (default US)."),
    ] = None,
    line_type_lookup: Annotated[
        str | None,
        typer.Option("--line-type-lookup", help="Where line types come from: offline "
                     "(default) or twilio (a paid carrier lookup, cached; docs/line-types.md)."),
    ] = None,
    max_purge: Annotated[
        float, typer.Option("--max-purge", min=0, max=100, help="Most % of the list to purge.")
    ] = 20.0,
    force: Annotated[bool, typer.Option("--force", help="Purge beyond --max-purge.")] = False,
    apply: Annotated[bool, typer.Option("--apply", help="Carry the plan out.")] = False,
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="Apply exactly this saved plan (refused if the list changed)."),
    ] = None,
    callback: Annotated[
        str | None, typer.Option("--callback", help="POST the run summary to this URL.")
    ] = None,
    callback_secret: Annotated[
        str | None,
        typer.Option(
            "--callback-secret",
            envvar=CALLBACK_SECRET_ENV,
            show_default=False,
            help="HMAC key to sign the callback (better: the environment or a file).",
        ),
    ] = None,
    callback_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--callback-secret-file", help="Read the callback's HMAC key from this file."
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Batches in flight at once.")
    ] = 8,
    state_dir: runs.StateDirOpt = None,
    resume: runs.ResumeOpt = None,
    dry_run: runs.DryRunOpt = False,
    progress: runs.ProgressOpt = "auto",
    check: CheckOpt = None,
    now: NowOpt = None,
) -> None:
    """Normalise phones to E.164 and purge the unusable ones; a plan first, see docs/sanitize.md."""
    directive = _directive(
        directive_file, allow_region, block_line_type, disposable, default_region,
        line_type_lookup,
    )
    checker = checker_for(check, now, finder=ZoneFinder(), default_region=directive.default_region)
    if checker is not None and (plan_file is not None or resume):
        runs.usage_error("--check judges while a plan is made: not with --plan or --resume")
    directory = state_dir or default_state_dir()
    if resume == "auto":
        runs.usage_error("sanitize resumes a given run: --resume RUN_ID (see `cxo runs list`)")
    secret = _callback_secret(callback_secret, callback_secret_file)
    if secret:
        runs.cli_state(ctx).redactor.add_secret(secret)
    # the list and the plan are kept on disk, not in memory: a business unit holds up to 1M
    with runs.scratch_dir(directory, "sanitize") as work:
        _sanitize(
            ctx, list_id, directive, work, directory, plan_file, resume, apply, dry_run, force,
            max_purge, callback, secret, concurrency, progress, checker=checker,
        )


def _sanitize(
    ctx: typer.Context, list_id: str, directive: Directive, work: Path, directory: Path,
    plan_file: Path | None, resume: str | None, apply: bool, dry_run: bool, force: bool,
    max_purge: float, callback: str | None, callback_secret: str | None, concurrency: int,
    progress: str, *, checker: Checker | None = None,
) -> None:
    state = runs.cli_state(ctx)
    out = state.output
    settings = state.settings()
    contacts = runs.read_list(settings, list_id, work / "list.sqlite3")
    if resume:
        plan = _load_plan(run_dir_for(directory, resume) / "plan.json", work)
    elif plan_file is not None:
        plan = _load_plan(plan_file, work)
    else:
        digits = capabilities_for(settings.dialect).phones_as_digits
        plan = asyncio.run(
            _plan(list_id, contacts, directive, work, settings, directory, digits_only=digits,
                  checker=checker)
        )
    if plan.list_id != list_id:
        runs.usage_error(f"the plan is for list {plan.list_id}, not {list_id}")
    if plan_file is not None and not resume:  # a plan made just now is of this list
        try:
            verify_unchanged(plan, contacts)
        except ListChangedError as exc:
            runs.usage_error(str(exc))
    if not state.json_output:
        render_plan(plan, out.console)
    applying = apply and not dry_run
    if applying and not resume:
        try:
            check_purge_guard(plan, max_purge, force=force)
        except PurgeGuardError as exc:
            runs.usage_error(str(exc))
    hook = Callback(callback, callback_secret) if callback else None
    job = SanitizeJob(plan, contacts, concurrency=concurrency, callback=hook,
                      capabilities=capabilities_for(settings.dialect))
    if not applying:
        out.info("nothing changed: this is the plan (add --apply to carry it out)")
    runs.execute(
        ctx,
        job,
        PlanSource(plan, contacts),
        state_dir=directory,
        resume=resume if applying else None,
        dry_run=not applying,
        progress=progress,
        settings=settings,
    )
