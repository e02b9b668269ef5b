"""`cxo runs list|show`, and what every job command shares: run options and `execute`.

A job command parses its own options, builds its `Job` and `Source`, and hands them to
`execute`, which offers resume, runs the engine, prints the summary and exits with the code.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer._click import exceptions as click_exceptions

from cxone_outbound.cli.exit_codes import ExitCode, exit_code_for
from cxone_outbound.cli.output import Output
from cxone_outbound.cli.state import CliState
from cxone_outbound.config import Settings
from cxone_outbound.engine.job import Job, Source
from cxone_outbound.engine.journal import Journal
from cxone_outbound.engine.launch import (
    StateDirError,
    default_state_dir,
    find_changed_input_run,
    find_resumable_run,
    prepare_state_dir,
    resolve_resume,
    run_job,
)
from cxone_outbound.engine.progress import ProgressMode, make_reporter
from cxone_outbound.engine.records import State
from cxone_outbound.engine.runlock import RunLocked
from cxone_outbound.engine.runner import (
    ClientFactory,
    ResumeError,
    RunConfig,
    RunSummary,
    journal_path,
    run_dir_for,
)
from cxone_outbound.engine.sources import (
    TabularSource,
    open_file_source,
    open_sql_source,
    source_kind,
)
from cxone_outbound.engine.sources.csv_source import (
    CsvOptions,
    CsvSource,
    SourceError,
    parse_mappings,
)
from cxone_outbound.engine.sources.sql_source import dsn_secrets
from cxone_outbound.engine.summary import render_summary
from cxone_outbound.jobs.list_snapshot import ListSnapshot
from cxone_outbound.jobs.sanitize import read_list as read_into
from cxone_outbound.jobs.sync import AGAINST, Against

# The options every job command takes (use them as parameter annotations).
StateDirOpt = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Where journals and run folders live (default: user data)."),
]
ResumeOpt = Annotated[
    str | None,
    typer.Option("--resume", help="Continue run RUN_ID, or 'auto': the last unfinished one."),
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Validate and plan; send nothing.")]
EncodingOpt = Annotated[
    str, typer.Option("--encoding", help="utf-8, utf-8-sig, latin-1 or cp1252.")
]
DelimiterOpt = Annotated[str, typer.Option("--delimiter", help="The CSV field delimiter.")]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", help="column=field: read a column as a field (repeatable)."),
]
ProgressOpt = Annotated[str, typer.Option("--progress", help="auto, rich, plain or none (stderr).")]
SourceSqlOpt = Annotated[
    str | None,
    typer.Option("--source-sql", help="Read the rows of this SQL query instead of a FILE."),
]
DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="The database URL --source-sql reads (else CXONE_SOURCE_DSN, else the profile's "
        "source_dsn; prefer those: a flag is visible to other users).",
    ),
]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="The .xlsx sheet to read (default: the first).")
]
ChangedOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--changed-only",
        help="Read the list's current values first; rows whose values already hold are "
        "counted unchanged and not sent (docs/sync.md).",
    ),
]
AgainstOpt = Annotated[
    str,
    typer.Option(
        "--against",
        help="With --changed-only, what rows are compared with: 'list' (read the list: exact) "
        "or 'last-sync' (what earlier runs verified the list holds: no list read; changes "
        "made in CXone since are not seen; docs/sync.md).",
    ),
]
RelistDaysOpt = Annotated[
    float,
    typer.Option(
        "--relist-days",
        min=0,
        help="With --against last-sync, read the list instead when it was last read more "
        "than this many days ago.",
    ),
]


def sync_baseline(changed_only: bool, against: str) -> Against:
    """The checked `--against` (a usage error without --changed-only, or an unknown one)."""
    if against not in AGAINST:
        usage_error(f"--against: {against!r} is not one of {', '.join(AGAINST)}")
    if against != "list" and not changed_only:
        usage_error("--against compares rows for --changed-only: add --changed-only")
    return "last-sync" if against == "last-sync" else "list"


runs_app = typer.Typer(
    help="List and inspect runs (journal and result files).", no_args_is_help=True
)


def cli_state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj if ctx.obj is None else ctx.obj
    return obj if isinstance(obj, CliState) else CliState()


def usage_error(message: str) -> NoReturn:
    """Stop with a one-line usage error (exit 2)."""
    raise click_exceptions.UsageError(message)


def _run_in_use(out: Output, exc: RunLocked) -> NoReturn:
    """Stop (exit 2) on a run another process holds: one line, no usage hint, as the command
    was right and only its moment was not."""
    out.info(f"error: {exc}")
    raise typer.Exit(ExitCode.BAD_INPUT)


def open_csv(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    mappings: Sequence[str] | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> CsvSource:
    """A `CsvSource` from command options; a bad file or option is a usage error."""
    try:
        options = CsvOptions(
            encoding=encoding, delimiter=delimiter, mappings=parse_mappings(mappings or [])
        )
        return CsvSource(path, options, aliases=aliases)
    except (SourceError, OSError) as exc:
        usage_error(str(exc))


def open_source(
    ctx: typer.Context,
    path: Path | None,
    *,
    sql: str | None = None,
    dsn: str | None = None,
    sheet: str | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    mappings: Sequence[str] | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> TabularSource:
    """The source a job command reads: FILE by its extension, or `--source-sql` on a DSN.

    A bad file, option, DSN or query is a one-line usage error (exit 2) before anything is
    sent. The DSN comes from `--dsn`, else `CXONE_SOURCE_DSN`, else the profile's `source_dsn`;
    its password is redacted from everything the command prints.
    """
    if (path is None) == (sql is None):
        usage_error("read a FILE or --source-sql QUERY (one of them)")
    try:
        if sql is not None:
            state = cli_state(ctx)
            secret = state.settings(source_dsn=dsn).source_dsn
            if secret is None:
                usage_error("--source-sql needs a database: --dsn URL, CXONE_SOURCE_DSN, "
                            "or source_dsn in the profile")
            url = secret.get_secret_value()
            hidden = dsn_secrets(url)
            for value in hidden:  # out of every line the command prints or logs
                state.redactor.add_secret(value)
            if dsn is not None and hidden:
                state.output.warn(
                    "--dsn holds a password, which every local user can read in the process"
                    " list; set CXONE_SOURCE_DSN or source_dsn in a profile instead"
                    " (docs/sources.md)")
            if sheet is not None:
                usage_error("--sheet only applies to an .xlsx workbook")
            return open_sql_source(sql, url, mappings=parse_mappings(mappings or []),
                                   aliases=aliases)
        assert path is not None
        if source_kind(path) == "csv" and path.suffix.lower() != ".tsv" and sheet is None:
            return open_csv(path, encoding=encoding, delimiter=delimiter, mappings=mappings,
                            aliases=aliases)
        options = CsvOptions(
            encoding=encoding, delimiter=delimiter, mappings=parse_mappings(mappings or [])
        )
        return open_file_source(path, csv_options=options, sheet=sheet, aliases=aliases)
    except (SourceError, OSError) as exc:
        usage_error(str(exc))


@contextlib.contextmanager
def scratch_dir(state_dir: Path, prefix: str) -> Iterator[Path]:
    """A private folder in the state dir for a command's working files (a list as read, a
    plan), removed when the command ends: what a whole list needs lives on disk, not in memory."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        workspace = tempfile.TemporaryDirectory(prefix=f".{prefix}-", dir=state_dir)
    except OSError as exc:
        usage_error(f"cannot use the state dir {state_dir}: {exc}")
    with workspace as folder:
        yield Path(folder)


def read_list(settings: Settings, list_id: str, path: Path) -> ListSnapshot:
    """Every contact of a list (either dialect), page by page into a snapshot file at `path`."""
    from cxone_outbound.client.dialect import open_api

    async def read() -> ListSnapshot:
        async with open_api(settings, scratch=path.parent) as client:
            return await read_into(client, list_id, ListSnapshot(path))

    return asyncio.run(read())


def _progress_mode(value: str) -> ProgressMode:
    if value not in ("auto", "rich", "plain", "none"):
        usage_error(f"--progress must be auto, rich, plain or none, not {value!r}")
    return value  # type: ignore[return-value]  # narrowed by the check above


def exit_code_of(summary: RunSummary) -> int:
    """0 all good, 1 some records failed, 130 interrupted, or the code of the fatal error."""
    if summary.fatal_exception is not None:
        return int(exit_code_for(summary.fatal_exception))
    if summary.status == "interrupted":
        return int(ExitCode.INTERRUPTED)
    if summary.counts.get(str(State.FAILED), 0) or summary.counts.get(str(State.IN_FLIGHT), 0):
        return int(ExitCode.FAILED_RECORDS)
    removals = summary.accounting.removals if summary.accounting else None
    if removals is not None and removals.failed:  # list records it could not remove
        return int(ExitCode.FAILED_RECORDS)
    return int(ExitCode.OK)


def execute(
    ctx: typer.Context,
    job: Job,
    source: Source,
    *,
    state_dir: Path | None = None,
    resume: str | None = None,
    dry_run: bool = False,
    progress: str = "auto",
    client_factory: ClientFactory | None = None,
    settings: Settings | None = None,
) -> NoReturn:
    """Run `job` over `source` as a command: resume offer, progress, summary, exit code."""
    state = cli_state(ctx)
    out = state.output
    mode = _progress_mode(progress)
    try:
        directory = prepare_state_dir(state_dir or default_state_dir())
    except StateDirError as exc:
        usage_error(str(exc))
    run_id: str | None = resume
    if not dry_run and (resume is None or resume == "auto"):
        fingerprint = source.fingerprint()
        try:
            candidate = find_resumable_run(directory, job.name, fingerprint)
        except RunLocked as exc:  # in progress in another process: exit 2, nothing sent
            _run_in_use(out, exc)
        interactive = sys.stdin.isatty() and sys.stderr.isatty() and not state.json_output
        changed = None
        if resume == "auto" and candidate is None:
            changed = find_changed_input_run(directory, job.name, source.description, fingerprint)
        run_id = resolve_resume(
            resume,
            candidate,
            interactive=interactive,
            ask=lambda q: typer.confirm(q, default=True, err=True),
            notify=out.info,
            changed=changed,
        )
    if client_factory is None and not dry_run:
        from cxone_outbound.client.dialect import OpenedApi, open_api

        effective = settings or state.settings()

        def client_factory(observer: Any) -> OpenedApi:
            # v2 or admin, by settings.dialect; admin keeps a downloaded list in the state dir
            return open_api(effective, observer=observer, scratch=directory)

    config = RunConfig(state_dir=directory, resume=run_id, dry_run=dry_run)
    reporter = make_reporter(mode, json_output=state.json_output)
    try:
        summary = run_job(job, source, config, client_factory=client_factory, reporter=reporter)
    except RunLocked as exc:
        _run_in_use(out, exc)
    except ResumeError as exc:
        usage_error(str(exc))
    document = summary.as_dict()  # a job's own figures come in through Job.summary_extra
    document.pop("fatal_exception", None)

    def render(console: Console) -> None:
        console.print(render_summary(summary), markup=False, highlight=False)

    out.result(document, render)
    if summary.resumable and state.json_output:
        out.info(f"to resume: add --resume {summary.run_id} to the same command")
    raise typer.Exit(exit_code_of(summary))


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


@runs_app.command("list")
def list_runs(
    ctx: typer.Context,
    state_dir: StateDirOpt = None,
    job: Annotated[str | None, typer.Option("--job", help="Only runs of this job.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many, newest first.")] = 20,
) -> None:
    """The latest runs, newest first."""
    state = cli_state(ctx)
    path = journal_path(state_dir or default_state_dir())
    runs = []
    if path.exists():
        with Journal(path) as journal:
            runs = journal.list_runs(limit, job)
    rows: list[dict[str, Any]] = [
        {
            "run_id": r.id,
            "job": r.job,
            "status": r.status,
            "started_at": _when(r.started_at),
            "ended_at": _when(r.ended_at),
            "input": r.input_path,
            "counts": {k: v for k, v in r.counts.items() if k != "last"},
        }
        for r in runs
    ]

    def render(console: Console) -> None:
        if not rows:
            console.print(f"no runs in {path.parent}", markup=False)
        for row in rows:
            counts = " ".join(f"{k}={v}" for k, v in row["counts"].items())
            console.print(
                f"{row['run_id']}  {row['job']:<8} {row['status']:<11} {row['started_at']}"
                f"  {counts}  {row['input']}",
                markup=False,
                highlight=False,
            )

    state.output.result({"runs": rows}, render)


@runs_app.command("show")
def show_run(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run id (see `cxo runs list`).")],
    state_dir: StateDirOpt = None,
    failures: Annotated[int, typer.Option("--failures", min=0, help="Failures to list.")] = 10,
) -> None:
    """One run: options, status, counts, files, and its first failures."""
    state = cli_state(ctx)
    directory = state_dir or default_state_dir()
    path = journal_path(directory)
    if not path.exists():
        usage_error(f"no journal in {directory}")
    with Journal(path) as journal:
        run = journal.get_run(run_id)
        if run is None:
            usage_error(f"no run {run_id!r} in {directory}")
        counts = journal.counts(run.id)
        failed = journal.entries(run.id, State.FAILED)[:failures]
    run_dir = run_dir_for(directory, run.id)
    document = {
        "run_id": run.id,
        "job": run.job,
        "status": run.status,
        "input": run.input_path,
        "input_sha256": run.input_hash,
        "options": dict(run.options),
        "started_at": _when(run.started_at),
        "ended_at": _when(run.ended_at),
        "counts": counts,
        "last_session": run.counts.get("last", {}),
        "run_dir": str(run_dir),
        "failures": [
            {"line": e.line, "code": e.error_code, "message": e.message, "field": e.field}
            for e in failed
        ],
    }

    def render(console: Console) -> None:
        for key in ("run_id", "job", "status", "input", "started_at", "ended_at", "run_dir"):
            console.print(f"{key:>11}: {document[key]}", markup=False, highlight=False)
        console.print(f"{'options':>11}: {document['options']}", markup=False, highlight=False)
        console.print(f"{'counts':>11}: {counts}", markup=False, highlight=False)
        for f in document["failures"]:
            console.print(
                f"  line {f['line']}: {f['code']} {f['message']}", markup=False, highlight=False
            )
        if run.status in ("interrupted", "failed", "running"):
            console.print(f"to resume: --resume {run.id}", markup=False)

    state.output.result(document, render)
