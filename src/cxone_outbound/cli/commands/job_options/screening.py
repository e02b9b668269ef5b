"""The screening options of commands that write phones (`--scrub-dnc`, `--check`, `--now`), and
the one context that puts a job behind them (`jobs.screening.ScreeningJob`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.cli.commands.check import parse_now
from cxone_outbound.cli.commands.dnc import open_screen
from cxone_outbound.dialability.timezones import ZoneFinder
from cxone_outbound.dialability.windows import PolicyError, load_policy
from cxone_outbound.engine import Item
from cxone_outbound.engine.job import Job
from cxone_outbound.jobs.check import Checker
from cxone_outbound.jobs.screening import ScreeningJob, TimeZoneCell
from cxone_outbound.phones import PhoneNormalizer

ScrubDncOpt = Annotated[
    list[Path] | None,
    typer.Option("--scrub-dnc", help="Skip rows whose phone is in this compiled DNC file (cxo dnc "
                 "compile; repeatable) or in the tenant's DNC groups; see docs/dnc.md."),
]
CheckOpt = Annotated[
    Path | None,
    typer.Option("--check", help="Judge every row with this calling-window policy (TOML, "
                 "docs/check.md): blocked rows are skipped, blocked and not_now ones listed in "
                 "dialability.csv."),
]
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="With --check: judge at this time (ISO 8601), not the clock's."),
]


def checker_for(policy_file: Path | None, now: str | None, *, finder: ZoneFinder,
                default_region: str | None) -> Checker | None:
    """The checker of `--check POLICY` (None without it); a bad policy exits 2."""
    if policy_file is None:
        if now is not None:
            runs.usage_error("--now judges records: it goes with --check POLICY")
        return None
    try:
        policy = load_policy(policy_file)
    except PolicyError as exc:
        runs.usage_error(str(exc))
    return Checker(policy, parse_now(now), normalizer=PhoneNormalizer(default_region or "US"),
                   finder=finder)


@contextlib.contextmanager
def screening(
    ctx: typer.Context,
    job: Job,
    *,
    header: list[str],
    phone_of: Callable[[Item], str | None],
    dry_run: bool,
    default_region: str | None,
    dnc_files: list[Path] | None = None,
    checker: Checker | None = None,
    time_zone: TimeZoneCell | None = None,
    facts: Mapping[str, str] | None = None,
) -> Iterator[Job]:
    """`job` behind its screens while the block runs (DNC files closed after it); `job` itself
    when there is nothing to screen. The tenant's DNC groups are read unless a dry run."""
    if not dnc_files and checker is None and time_zone is None:
        yield job
        return
    screen = None
    if dnc_files:
        if dry_run:
            runs.cli_state(ctx).output.info("dry run: scrubbing against the DNC files only (the "
                                            "tenant's DNC groups are read on a real run)")
        screen = open_screen(ctx, dnc_files, tenant=not dry_run,
                             default_region=default_region or "US")
        if checker is not None:
            checker.dnc = screen.match
    try:
        yield ScreeningJob(job, phone_of, header=header, screen=screen, checker=checker,
                           time_zone=time_zone, facts=facts)
    finally:
        if screen is not None:
            screen.close()
