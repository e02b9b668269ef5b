"""The sanitise job: read a whole list, plan its phones' fixes and purges, apply the plan.

One module a stage: `directive` (what to block or fix, from TOML), `plan` (the decisions, kept
on disk), `prepare` (reading the list, screening it into a plan), `job` (the engine run that applies
the plan), `restore` (the file that puts purged contacts back),
`callback` (the signed POST when a run ends). The list itself is a `jobs.list_snapshot`.
"""

from __future__ import annotations

from cxone_outbound.jobs.sanitize.job import (
    CHANGED,
    HALTED,
    MAX_BATCH,
    MAX_PATCH,
    PlanSource,
    SanitizeJob,
)
from cxone_outbound.jobs.sanitize.prepare import (
    SCREEN_PAGE,
    ListChangedError,
    fetch_contacts,
    plan_list,
    read_list,
    verify_unchanged,
)
from cxone_outbound.jobs.sanitize.restore import (
    RESTORE_COLUMNS,
    RestoreWriter,
    import_command,
    restore_command,
    restore_header,
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
    "import_command",
    "plan_list",
    "read_list",
    "restore_command",
    "restore_header",
    "verify_unchanged",
]
