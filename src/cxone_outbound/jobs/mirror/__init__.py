"""`cxo import --mirror`: after the import, the list's records the source does not hold go.

`plan` decides what is removed (the source's keys against the list), `files` writes what a run
removes and could restore, `job` wraps the import and sends the removals.
"""

from __future__ import annotations

from cxone_outbound.jobs.mirror.job import (
    DEFAULT_MAX_REMOVE,
    KeyedSource,
    MirrorJob,
    MirrorOptions,
)

__all__ = ["DEFAULT_MAX_REMOVE", "KeyedSource", "MirrorJob", "MirrorOptions"]
