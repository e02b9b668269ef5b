"""`cxo import --mirror`: the import run with the mirror step (jobs/mirror/) wrapped around it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cxone_outbound.cli.commands import runs
from cxone_outbound.client.capabilities import capabilities_for
from cxone_outbound.engine.job import Job, Source
from cxone_outbound.engine.launch import default_state_dir
from cxone_outbound.jobs.import_ import ImportJob
from cxone_outbound.jobs.mirror import DEFAULT_MAX_REMOVE, KeyedSource, MirrorJob, MirrorOptions
from cxone_outbound.jobs.mirror.plan import SourceKeys

MirrorOpt = Annotated[
    bool,
    typer.Option("--mirror", help="Then remove the list's records the source does not hold "
                 "(a plan with --dry-run first; docs/mirror.md)."),
]
MaxRemoveOpt = Annotated[
    int,
    typer.Option("--max-remove", min=0,
                 help="--mirror: refuse (exit 2) to remove more records than this."),
]


def execute_mirrored(
    ctx: typer.Context,
    job: Job,
    source: Source,
    importer: ImportJob,
    *,
    list_id: str | None,
    max_remove: int = DEFAULT_MAX_REMOVE,
    state_dir: Path | None,
    resume: str | None,
    dry_run: bool,
    progress: str,
) -> NoReturn:
    """Run the import with its mirror step: the list and the source's keys kept on disk in a
    scratch folder of the state dir (a whole list, a whole file: never in memory)."""
    if not list_id:
        runs.usage_error("--mirror removes records from a named list: pass --list")
    settings = runs.cli_state(ctx).settings()
    options = MirrorOptions(
        list_id=list_id,
        max_remove=max_remove,
        default_region=importer.opts.default_region,
        digits_only=capabilities_for(settings.dialect).phones_as_digits,
    )
    directory = state_dir or default_state_dir()
    with runs.scratch_dir(directory, "mirror") as work:
        keys = SourceKeys(work / "source-keys.sqlite3")
        snapshot = runs.read_list(settings, list_id, work / "list.sqlite3") if dry_run else None
        (work / "apply").mkdir()
        mirrored = MirrorJob(job, keys, options, work / "apply", snapshot=snapshot)
        try:
            runs.execute(ctx, mirrored, KeyedSource(source, importer.identity_of, keys),
                         state_dir=state_dir, resume=resume, dry_run=dry_run, progress=progress,
                         settings=settings)
        finally:
            keys.close()
            if snapshot is not None:
                snapshot.close()
