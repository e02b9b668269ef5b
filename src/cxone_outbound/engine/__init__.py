"""The run engine: what every job shares (sources, journal, runner, results, progress, audit).

A job supplies a `Source` and a `Job`; `Runner` (or `launch.run_job` from a command) does the
rest. See docs/engine.md.
"""

from __future__ import annotations

from cxone_outbound.engine.job import BaseJob, Deferred, Job, RunContext, Source
from cxone_outbound.engine.records import Batch, Item, Outcome, Record, RecordError, State
from cxone_outbound.engine.runner import (
    ClientFactory,
    ResumeError,
    RunConfig,
    Runner,
    RunSummary,
)
from cxone_outbound.engine.sources.csv_source import (
    CsvOptions,
    CsvSource,
    SourceError,
    parse_mappings,
)

__all__ = [
    "BaseJob",
    "Batch",
    "ClientFactory",
    "CsvOptions",
    "CsvSource",
    "Deferred",
    "Item",
    "Job",
    "Outcome",
    "Record",
    "RecordError",
    "ResumeError",
    "RunConfig",
    "RunContext",
    "RunSummary",
    "Runner",
    "Source",
    "SourceError",
    "State",
    "parse_mappings",
]
