"""A run's names and figures: its id, where its journal and folder are, how the engine runs it
(`RunConfig`) and how it ended (`RunSummary`, the document of summary.json)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxone_outbound.engine import journal as journal_mod
from cxone_outbound.engine.accounting import Accounting
from cxone_outbound.engine.job import Job, RunContext, Source
from cxone_outbound.engine.journal import Journal, RunInfo
from cxone_outbound.engine.results import ALWAYS_WRITTEN, RESULT_FILES

DRY_RUN = journal_mod.DRY_RUN


class ResumeError(Exception):
    """A resume that cannot be honoured (unknown run, other job, changed input): usage error."""


def new_run_id() -> str:
    """A sortable, readable run id: UTC time plus a random suffix."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def journal_path(state_dir: Path) -> Path:
    return state_dir / "journal.sqlite3"


def run_dir_for(state_dir: Path, run_id: str) -> Path:
    return state_dir / "runs" / run_id


@dataclass(frozen=True)
class RunConfig:
    """How the engine runs a job (not what the job does)."""

    state_dir: Path
    resume: str | None = None  # a run id to continue
    dry_run: bool = False
    flush_interval_s: float = 0.25  # how stale the journal's outcomes may get
    flush_records: int = 2000
    window: int = 1000  # records read (and looked up in the journal) at a time
    claim_records: int = 64  # records claimed per journal transaction (whole batches, >= 1)


@dataclass(frozen=True)
class RunSummary:
    """How a run ended: status, journal totals (across resumes), this process's metrics."""

    run_id: str
    job: str
    status: str
    run_dir: Path
    input: str
    counts: dict[str, int]
    metrics: dict[str, Any]
    planned: dict[str, int] = field(default_factory=dict)
    fatal_error: str | None = None
    fatal_exception: BaseException | None = None
    sections: dict[str, Any] = field(default_factory=dict)  # the job's, by `Job.summary_extra`
    accounting: Accounting | None = None  # records read = every outcome state's (+ ...)

    @property
    def resumable(self) -> bool:
        return self.status in (journal_mod.INTERRUPTED, journal_mod.FAILED)

    def as_dict(self) -> dict[str, Any]:
        """The document of summary.json and `--json`: the engine's keys, then the job's sections."""
        return {**self._engine_dict(), **self.sections}

    def _engine_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "status": self.status,
            "input": self.input,
            "run_dir": str(self.run_dir),
            "counts": self.counts,
            "metrics": self.metrics,
            "planned": self.planned,
            "fatal_error": self.fatal_error,
            "accounting": self.accounting.as_dict() if self.accounting else None,
            "files": {
                name: str(self.run_dir / name)
                for name in ("succeeded.csv", "failed.csv", *self._other_result_files(),
                             "audit.jsonl", "summary.json")
            },
        }

    def _other_result_files(self) -> list[str]:
        """The result files beyond succeeded.csv and failed.csv that some record is in."""
        return [name for state, name in RESULT_FILES.items()
                if state not in ALWAYS_WRITTEN and self.counts.get(str(state))]


ENGINE_KEYS = frozenset(RunSummary("", "", "", Path(), "", {}, {})._engine_dict())
"""The top-level keys of summary.json that are the engine's; a job's sections use other names."""


def open_run(
    journal: Journal,
    job: Job,
    source: Source,
    config: RunConfig,
    take_lock: Callable[[str], None],
) -> tuple[RunInfo, bool, int]:
    """The run to work on, locked: a new one, or the one `config.resume` names once checked
    (ResumeError when it cannot be). Returns it, whether resumed, and this session's number."""
    fingerprint = source.fingerprint()
    if config.resume:
        run = journal.get_run(config.resume)
        if run is None:
            raise ResumeError(f"no run {config.resume!r} in {config.state_dir}")
        if run.job != job.name:
            raise ResumeError(f"run {run.id} is a {run.job!r} run, not {job.name!r}")
        if run.input_hash != fingerprint:
            raise ResumeError(
                f"the input changed since run {run.id} ({run.input_path}); cannot resume"
            )
        take_lock(run.id)
        journal.set_status(run.id, journal_mod.RUNNING)
        session = 1 if config.dry_run else journal.open_session(run.id)
        return run, True, session
    run_id = new_run_id()
    take_lock(run_id)  # before the run is journaled: a `--resume auto` may find it
    status_options = {**job.options(), "dry_run": config.dry_run}
    run = journal.create_run(
        run_id, job.name, fingerprint, source.description, status_options, time.time()
    )
    return run, False, 1


def ending_status(*, dry_run: bool, failed: bool, stopped: bool, in_flight: int) -> str:
    """How a run ended, before its accounting is checked."""
    if dry_run:
        return DRY_RUN
    if failed:
        return journal_mod.FAILED
    if stopped or in_flight:  # deferred batches: a resume finishes them
        return journal_mod.INTERRUPTED
    return journal_mod.COMPLETED


def job_sections(job: Job, ctx: RunContext, log: Callable[[str], None]) -> dict[str, Any]:
    """The job's summary sections; a failing or clashing one is reported, never fatal."""
    try:
        extra = dict(job.summary_extra(ctx))
    except Exception as exc:  # a bug in a job's report must not lose the run's summary
        log(f"internal error in the job's summary: {exc!r}")
        return {}
    # admin: how many row outcomes were read back from the list (an upload job gives none)
    verified = getattr(ctx.client, "verified", 0)
    if isinstance(verified, int) and verified > 0 and "verification" not in extra:
        extra["verification"] = {"outcomesVerified": verified,
                                 "how": "each uploaded row read back from the list"}
    for name in sorted(ENGINE_KEYS.intersection(extra)):
        log(f"the job's summary section {name!r} is an engine key: left out")
        del extra[name]
    return extra
