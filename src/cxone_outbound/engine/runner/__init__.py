"""The engine's run: the loop every job shares (loop.py), a run's names and summary (runs.py),
the sending of batches (sending.py) and the commit of their outcomes (outcomes.py)."""

from cxone_outbound.engine.runner.loop import ClientFactory, Runner
from cxone_outbound.engine.runner.runs import (
    DRY_RUN,
    ENGINE_KEYS,
    ResumeError,
    RunConfig,
    RunSummary,
    journal_path,
    new_run_id,
    run_dir_for,
)

__all__ = [
    "DRY_RUN", "ENGINE_KEYS", "ClientFactory", "ResumeError", "RunConfig", "RunSummary",
    "Runner", "journal_path", "new_run_id", "run_dir_for",
]
