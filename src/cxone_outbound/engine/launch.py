"""Running a job from a command: the state dir, resume offers, signals, the event loop.

The first Ctrl-C (or SIGTERM) asks the runner to stop taking work and journal what is in flight;
the second commits what is buffered and exits at once with 130. SQLite commits are atomic, so an
exit between two transactions cannot corrupt the journal.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs

from cxone_outbound.engine import journal as journal_mod
from cxone_outbound.engine.job import Job, Source
from cxone_outbound.engine.journal import Journal, RunInfo
from cxone_outbound.engine.progress import Reporter
from cxone_outbound.engine.runlock import check_not_held
from cxone_outbound.engine.runner import (
    ClientFactory,
    RunConfig,
    Runner,
    RunSummary,
    journal_path,
    run_dir_for,
)
from cxone_outbound.private_files import private_dir

APP_NAME = "cxone-outbound"
INTERRUPTED_EXIT = 130


def default_state_dir() -> Path:
    """Where journals and run folders live unless `--state-dir` says otherwise."""
    env = os.environ.get("CXONE_STATE_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP_NAME))


class StateDirError(Exception):
    """The state dir cannot hold journals and run folders: a usage error (exit 2)."""


def prepare_state_dir(path: Path) -> Path:
    """The state dir, created 0700 if missing; `StateDirError` when it is not a usable folder."""
    try:
        private_dir(path)
        probe = path / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StateDirError(f"--state-dir {path} is not a usable folder: {reason}") from None
    return path


def find_changed_input_run(
    state_dir: Path, job: str, input_path: str, fingerprint: str
) -> RunInfo | None:
    """The latest unfinished run of `job` on the same file whose content has changed since."""
    path = journal_path(state_dir)
    if not path.exists():
        return None
    with Journal(path) as journal:
        for run in journal.list_runs(50, job):
            if run.input_path != input_path or run.options.get("dry_run"):
                continue
            if run.status in (journal_mod.COMPLETED, journal_mod.DRY_RUN):
                return None  # the file's latest run finished: nothing was left to resume
            return run if run.input_hash != fingerprint else None
    return None


def find_resumable_run(state_dir: Path, job: str, fingerprint: str) -> RunInfo | None:
    """An unfinished run of `job` on the same input, if the journal has one.

    Raises `RunLocked` when that run is in progress in another live process: it is neither
    offered (resuming it would be refused) nor worked around with a new run beside it (every
    record would be sent twice).
    """
    path = journal_path(state_dir)
    if not path.exists():
        return None
    with Journal(path) as journal:
        candidate = journal.find_resumable(job, fingerprint)
    if candidate is not None:
        check_not_held(run_dir_for(state_dir, candidate.id))
    return candidate


def resolve_resume(
    requested: str | None,
    candidate: RunInfo | None,
    *,
    interactive: bool,
    ask: Callable[[str], bool],
    notify: Callable[[str], None],
    changed: RunInfo | None = None,
) -> str | None:
    """The run id to resume: an explicit one, `auto` -> the candidate, or an offer to the user.

    Non-interactive runs never resume silently: they print how to and start afresh. `auto`
    without a candidate says it starts a new run, and why (`changed`: the run it could not take
    because its input changed since).
    """
    if requested and requested != "auto":
        return requested
    if candidate is None:
        if requested == "auto" and changed is not None:
            notify(
                f"--resume auto: starting a new run; run {changed.id} on {changed.input_path}"
                f" did not finish ({changed.status}), but the file changed since"
                " (its content hash differs), so it cannot be resumed"
            )
        elif requested == "auto":
            notify("--resume auto: no unfinished run of this job on this input; starting a new run")
        return None
    if requested == "auto":
        notify(f"resuming run {candidate.id} (same job, same input)")
        return candidate.id
    question = (
        f"run {candidate.id} of this job on the same input did not finish ({candidate.status})."
        " Resume it?"
    )
    if interactive:
        return candidate.id if ask(question) else None
    hint = f"pass --resume {candidate.id} (or --resume auto) to continue it"
    notify(f"note: {question.removesuffix(' Resume it?')} {hint}")
    return None


def run_job(
    job: Job,
    source: Source,
    config: RunConfig,
    *,
    client_factory: ClientFactory | None,
    reporter: Reporter,
) -> RunSummary:
    """Run a job to its end (or until interrupted) in a fresh event loop, with signal handling."""
    runner = Runner(job, source, config, client_factory=client_factory, reporter=reporter)
    # What the process holds by now (modules, the job, its indexes) lives as long as the run:
    # out of the collector's reach, so each full collection does not walk it again (a sixth of
    # the CPU of a 100k-row change-only sync went to walking it).
    gc.freeze()
    try:
        return asyncio.run(_run_with_signals(runner))
    finally:
        gc.unfreeze()  # collectable again once the run is over (many runs in one process)


async def _run_with_signals(runner: Runner) -> RunSummary:
    loop = asyncio.get_running_loop()
    signals_seen = 0

    def on_signal() -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen == 1:
            runner.request_stop()
            return
        runner.flush_now()
        sys.stderr.write("interrupted again: exiting now; the journal is consistent\n")
        sys.stderr.flush()
        os._exit(INTERRUPTED_EXIT)

    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            pass
    try:
        return await runner.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
