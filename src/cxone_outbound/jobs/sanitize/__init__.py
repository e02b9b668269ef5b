"""The sanitise job: read a whole list, plan its phones' fixes and purges, apply the plan.

One module a stage: `directive` (what to block or fix, from TOML), `plan` (the decisions, kept
on disk), `job` (reading the list, the engine run that applies the plan, the restore file),
`callback` (the signed POST when a run ends). The list itself is a `jobs.list_snapshot`.
"""

from __future__ import annotations

from cxone_outbound.jobs.sanitize.job import (
    CHANGED,
    HALTED,
    MAX_BATCH,
    MAX_PATCH,
    RESTORE_COLUMNS,
    SCREEN_PAGE,
    ListChangedError,
    PlanSource,
    RestoreWriter,
    SanitizeJob,
    fetch_contacts,
    plan_list,
    read_list,
    restore_command,
    restore_header,
    verify_unchanged,
)

__all__ = [
    "CHANGED",
    "HALTED",
    "MAX_BATCH",
    "MAX_PATCH",
    "RESTORE_COLUMNS",
    "SCREEN_PAGE",
    "ListChangedError",
    "PlanSource",
    "RestoreWriter",
    "SanitizeJob",
    "fetch_contacts",
    "plan_list",
    "read_list",
    "restore_command",
    "restore_header",
    "verify_unchanged",
]
