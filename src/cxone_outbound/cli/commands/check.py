"""`cxo check FILE | --list ID`: a dialability verdict for every record, nothing sent."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.dnc import open_screen
from cxone_outbound.dialability.windows import PolicyError, load_policy
from cxone_outbound.engine.job import Source
from cxone_outbound.engine.launch import default_state_dir
from cxone_outbound.jobs.check import CHECK_FIELDS, Checker, CheckJob
from cxone_outbound.jobs.list_snapshot import SnapshotSource
from cxone_outbound.phones import LineType, PhoneNormalizer


@contextlib.asynccontextmanager
async def _no_client(observer: Any) -> AsyncIterator[None]:
    yield None  # a check reads a file (or a snapshot already read) and sends nothing


def parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        runs.usage_error(f"--now {text!r} is not an ISO 8601 time (2026-12-03T14:00:00+00:00)")
    if moment.tzinfo is None:
        runs.usage_error(f"--now {text!r} needs a UTC offset (…Z or …+01:00)")
    return moment.astimezone(UTC)


def check_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="Records (phone, optional zip/state): CSV, .xlsx, .parquet, .jsonl."),
    ] = None,
    list_id: Annotated[
        str | None, typer.Option("--list", help="Check a list's contacts instead of a file.")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Calling-window policy (TOML, docs/check.md).")
    ] = None,
    now: Annotated[
        str | None, typer.Option("--now", help="Judge at this time (ISO 8601), not the clock's.")
    ] = None,
    allow_region: Annotated[
        list[str] | None, typer.Option("--allow-region", help="Only these phone regions (US).")
    ] = None,
    block_line_type: Annotated[
        list[str] | None, typer.Option("--block-line-type", help="Block these line types.")
    ] = None,
    default_region: Annotated[
        str, typer.Option("--default-region", help="Region of national numbers.")
    ] = "US",
    encoding: runs.EncodingOpt = "utf-8",
    delimiter: runs.DelimiterOpt = ",",
    mapping: runs.MapOpt = None,
    source_sql: runs.SourceSqlOpt = None,
    dsn: runs.DsnOpt = None,
    sheet: runs.SheetOpt = None,
    dnc_files: Annotated[
        list[Path] | None,
        typer.Option("--dnc", help="Block numbers in this compiled DNC file (cxo dnc compile; "
                     "repeatable); the tenant's DNC groups are checked too. See docs/dnc.md."),
    ] = None,
    state_dir: runs.StateDirOpt = None,
    resume: runs.ResumeOpt = None,
    progress: runs.ProgressOpt = "auto",
) -> None:
    """A verdict per record (dialable, not_now, blocked) with every reason; docs/check.md."""
    if sum(x is not None for x in (file, list_id, source_sql)) != 1:
        runs.usage_error("check a FILE, a --list ID or a --source-sql QUERY (one of them)")
    try:
        policy = load_policy(policy_file)
    except PolicyError as exc:
        runs.usage_error(str(exc))
    kinds = {t.value for t in LineType}
    blocked = {t.strip().lower() for arg in block_line_type or () for t in arg.split(",")
               if t.strip()}
    if unknown := blocked - kinds:
        runs.usage_error(f"--block-line-type: unknown {sorted(unknown)} (one of {sorted(kinds)})")
    regions = {r.strip().upper() for arg in allow_region or () for r in arg.split(",")
               if r.strip()}
    screen = (open_screen(ctx, dnc_files, tenant=True, default_region=default_region)
              if dnc_files else None)
    checker = Checker(policy, parse_now(now), normalizer=PhoneNormalizer(default_region),
                      dnc=screen.match if screen else None,
                      allowed_regions=regions, blocked_line_types=blocked)

    def describe() -> dict[str, Any]:
        return {"policy": str(policy_file) if policy_file else "federal default (8:00-21:00)",
                "allowed_regions": sorted(regions), "blocked_line_types": sorted(blocked),
                "dnc": [str(p) for p in dnc_files or ()]}

    job = CheckJob(checker, describe=describe)
    directory = state_dir or default_state_dir()
    if list_id is None:
        source = runs.open_source(ctx, file, sql=source_sql, dsn=dsn, sheet=sheet,
                                  encoding=encoding, delimiter=delimiter, mappings=mapping,
                                  aliases=CHECK_FIELDS)
        if "phone_number" not in source.columns:
            runs.usage_error(f"{source.description}: no phone column "
                             f"(header: {', '.join(source.header)})")
        _execute(ctx, job, source, directory, resume, progress)
        return
    assert list_id is not None
    with runs.scratch_dir(directory, "check") as work:
        snapshot = runs.read_list(runs.cli_state(ctx).settings(), list_id, work / "list.sqlite3")
        _execute(ctx, job, SnapshotSource(snapshot, list_id), directory, resume, progress)


def _execute(ctx: typer.Context, job: CheckJob, source: Source, directory: Path,
             resume: str | None, progress: str) -> None:
    runs.execute(ctx, job, source, state_dir=directory, resume=resume, progress=progress,
                 client_factory=_no_client)
