"""Change-only sync (`--changed-only`): compare each row with the list's values, send only what
differs. `values` (the comparison), `index` (the list's values read, on disk), `snapshot` (what
earlier syncs verified: `--against last-sync`), `changed_only` (the part a job holds). See
docs/sync.md."""

from __future__ import annotations

from cxone_outbound.jobs.sync.changed_only import (
    AGAINST,
    SETTLED_EARLY,
    Against,
    ChangedOnly,
    LookAhead,
)
from cxone_outbound.jobs.sync.guard import SnapshotGuard
from cxone_outbound.jobs.sync.index import Compared, CurrentValues
from cxone_outbound.jobs.sync.values import canonical, writes_hold

__all__ = [
    "AGAINST", "SETTLED_EARLY", "Against", "ChangedOnly", "Compared", "CurrentValues",
    "LookAhead", "SnapshotGuard",
    "canonical",
    "writes_hold",
]
