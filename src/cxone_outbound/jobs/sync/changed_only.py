"""`--changed-only`: rows whose values already hold in the list are settled, never sent.

At the start of each session the list is read once (v2: paged; admin: the download the update
itself uses) into `CurrentValues` on disk. Each row is compared after the job's own mapping,
as the body it would send: when every value it writes equals the list's (`values.writes_hold`)
it ends `unchanged` without a request; otherwise it is sent as in a full run, and the contact
is dropped from the index so a later row of the same contact is sent too (the list will hold
the earlier row's values by then, or the earlier row failed: either way the index is stale).

A change made to the list by someone else after the read is not seen by this run: a row that
held at the read is counted unchanged and the other writer's value stays, until the next sync.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cxone_outbound.engine.job import PassThroughSource, RunContext, Source
from cxone_outbound.engine.records import Outcome, Record
from cxone_outbound.jobs.sync.index import Compared, CurrentValues
from cxone_outbound.jobs.sync.values import writes_hold
from cxone_outbound.private_files import private_dir

SCRATCH_DIR = "scratch"
INDEX_FILE = "current-values.sqlite3"
LOOK_AHEAD = 1000  # rows whose contacts are fetched together
_MISSING: Any = object()


class ChangedOnly:
    """The comparison of one run's rows with one list's current values."""

    def __init__(self, list_id: str, compared: Compared) -> None:
        self.list_id = list_id
        self.compared = compared
        self.index: CurrentValues | None = None
        self.phones_as_digits = False
        self.contacts_read = 0
        self.rows_compared = 0
        self.unchanged = 0
        self._ahead: dict[str, Mapping[str, Any] | None] = {}  # `look_ahead`'s window

    async def start(self, ctx: RunContext) -> None:
        """Read the list's current values into the index (a dry run reads nothing: its rows
        are planned as if changed)."""
        self.close()
        if ctx.client is None:
            return
        self.phones_as_digits = bool(ctx.client.capabilities.phones_as_digits)
        folder = private_dir(ctx.run_dir / SCRATCH_DIR)
        index = CurrentValues(folder / INDEX_FILE)
        ctx.log(f"reading the current values of list {self.list_id} (--changed-only)")
        complete = await index.fill(ctx.client.iter_contact_pages(self.list_id), self.compared,
                                    stopping=lambda: ctx.stopping)
        self.contacts_read = index.count
        ctx.audit({"event": "current_values_read", "list": self.list_id,
                   "contacts": index.count, "complete": complete})
        if complete:
            self.index = index
        else:  # stopped while reading: nothing will be sent anyway
            index.close()

    def settle(self, key: str, contact_id: str, writes: Mapping[str, Any]) -> Outcome | None:
        """`unchanged` when every value `writes` sets already holds, else None (send it)."""
        if self.index is None:
            return None
        self.rows_compared += 1
        current = self._ahead.get(contact_id, _MISSING)
        if current is _MISSING:
            current = self.index.get(contact_id)
        if current is None:
            return None  # not in the list (sent, and refused as in a full run) or written already
        if writes_hold(writes, current, phones_as_digits=self.phones_as_digits):
            self.unchanged += 1
            return Outcome.unchanged(key, remote_id=contact_id)
        self.index.forget(contact_id)
        self._ahead[contact_id] = None
        return None

    def look_ahead(self, contact_ids: Sequence[str]) -> None:
        """Fetch the current values of the next rows' contacts in one go (one query, not one a
        row); `settle` looks there first. Until the list is read, nothing to fetch."""
        if self.index is not None:
            found = self.index.get_many(contact_ids)
            self._ahead = {cid: found.get(cid) for cid in contact_ids}

    def close(self) -> None:
        """Drop the index (its file too): called when the run is done with it."""
        if self.index is not None:
            self.index.close()
            self.index = None

    def report(self) -> dict[str, Any]:
        """This session's comparison, for the summary (`sync`)."""
        return {"list": self.list_id, "contactsRead": self.contacts_read,
                "rowsCompared": self.rows_compared, "unchanged": self.unchanged,
                "sent": self.rows_compared - self.unchanged}


class LookAhead(PassThroughSource):
    """A source as it is, whose next rows' contacts are fetched a window at a time by the
    `ChangedOnly` it serves (`key_of`: a record's contact id, "" when it has none)."""

    def __init__(self, source: Source, sync: ChangedOnly, key_of: Callable[[Record], str]) -> None:
        super().__init__(source)
        self.sync = sync
        self.key_of = key_of

    def __iter__(self) -> Iterator[Record]:
        records = iter(self.source)
        while window := list(itertools.islice(records, LOOK_AHEAD)):
            self.sync.look_ahead([k for k in map(self.key_of, window) if k])
            yield from window
