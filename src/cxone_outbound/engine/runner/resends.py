"""On resume, the later rows of a target sent again are sent again too, after it.

A run stopped with the first row of a contact failed (retryably) and a later row of it
succeeded holds the later row's value. A resume sends the first row again; were the later row
left as done, the contact would end with the earlier value, where a run never stopped ends with
the file's last. So a resumed session remembers the targets (`Job.writes`) it sends, and a
later record of one of them (`Job.targets_of`, from the row alone: no second `prepare`) that
an earlier session ended goes the way of a new one: sent again, after it (the sender keeps the
order of batches writing one target).
"""

from __future__ import annotations

from cxone_outbound.engine.job import Job
from cxone_outbound.engine.records import Batch, Item, Record


class Resends:
    """The targets a resumed session has sent records of (nothing for a job without `writes`
    and `targets_of`, whose every record writes its own target)."""

    def __init__(self, job: Job, *, tracking: bool) -> None:
        """`tracking`: a resumed session (a first one has nothing ended before it)."""
        writes = getattr(job, "writes", None)
        targets_of = getattr(job, "targets_of", None)
        both = tracking and writes is not None and targets_of is not None
        self._writes = writes if both else None
        self._targets_of = targets_of if both else None
        self._targets: set[str] = set()

    def sent(self, item: Item) -> None:
        """A record is about to be sent in this session."""
        if self._writes is not None:
            self._targets.update(self._writes(Batch("", [item])))

    def again(self, record: Record) -> bool:
        """Whether a record an earlier session ended writes a target this session has sent
        a record of since (it is then sent again, after that one)."""
        if not self._targets or self._targets_of is None or record.error is not None:
            return False
        return not self._targets.isdisjoint(self._targets_of(record))
